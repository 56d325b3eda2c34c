#!/usr/bin/env python3
"""Clang's thread-safety analysis over every adapter, aitk-server, aitk and the Python module.

State guarded by a libsync::Mutex is annotated (libsync/thread_annotations.hpp); clang's
-Wthread-safety turns a forgotten lock into a warning, an error here. The analysis needs
clang's front end only, so each file is checked with -fsyntax-only, at a tenth of the cost
of compiling it (the TLS event stream session: 17 s against 130 s and more). A file whose
includes never reach thread_annotations.hpp has no annotation to check, so a dependency
listing (-M, a tenth of the front end's time) picks the files first: half of them are left
out. The core's files are left out too: scripts/test.sh's core-only build compiles them
with clang already.

    check_thread_safety.py [BUILD_DIR]   (default build/thread-safety)
"""

import concurrent.futures
import json
import os
import shlex
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKED = ("adapters/", "examples/", "bindings/")


def configure(build):
    subprocess.run(
        ["cmake", "-S", ROOT, "-B", build, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Debug",
         "-DCMAKE_C_COMPILER=clang-14", "-DCMAKE_CXX_COMPILER=clang++-14",
         "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-DLIBSYNC_WARNINGS_AS_ERRORS=ON",
         "-DLIBSYNC_BUILD_TESTS=OFF", "-DLIBSYNC_BUILD_BENCHMARKS=OFF", "-DLIBSYNC_BUILD_EXAMPLES=ON",
         "-DLIBSYNC_WITH_PYTHON=ON", "-DLIBSYNC_WITH_WEB=OFF", "-DLIBSYNC_INSTALL=OFF"],
        check=True, stdout=subprocess.DEVNULL)


ANNOTATIONS = os.path.join("libsync", "thread_annotations.hpp")


def front_end(command, mode):
    """The compile command without its outputs (-c, -o, dependency files), run in `mode`
    (-fsyntax-only, or -M for the list of headers it includes)."""
    args, skip_next = [], False
    for arg in shlex.split(command):
        if skip_next:
            skip_next = False
        elif arg in ("-o", "-MF", "-MT"):
            skip_next = True
        elif arg not in ("-c", "-MD"):
            args.append(arg)
    return args + [mode]


def run(entry, mode):
    return subprocess.run(front_end(entry["command"], mode), cwd=entry["directory"],
                          capture_output=True, text=True)


def check(entry):
    """(path, status, errors) of the analysis, or None for a file without annotations."""
    path = os.path.relpath(entry["file"], ROOT)
    headers = run(entry, "-M")
    if headers.returncode == 0 and ANNOTATIONS not in headers.stdout:
        return None
    result = headers if headers.returncode != 0 else run(entry, "-fsyntax-only")
    return path, result.returncode, result.stderr


def main():
    build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/thread-safety"))
    configure(build)
    with open(os.path.join(build, "compile_commands.json")) as f:
        entries = [e for e in json.load(f) if os.path.relpath(e["file"], ROOT).startswith(CHECKED)]
    if not entries:
        sys.exit("check_thread_safety: no adapter or program files in the compile database")
    failed = analysed = 0
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        for outcome in pool.map(check, entries):
            if outcome is None:
                continue
            analysed += 1
            path, status, errors = outcome
            if status != 0:
                failed += 1
                print(f"== {path}\n{errors}", end="", file=sys.stderr)
    if failed:
        sys.exit(f"check_thread_safety: {failed} of {analysed} files failed")
    if analysed == 0:
        sys.exit("check_thread_safety: no file includes " + ANNOTATIONS)
    print(f"thread-safety analysis: {analysed} of {len(entries)} files hold annotations, all clean")


if __name__ == "__main__":
    main()
