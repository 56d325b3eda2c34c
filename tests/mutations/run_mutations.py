#!/usr/bin/env python3
"""The mutation runner behind scripts/mutate.sh (see docs/testing.md).

Plants each curated mutation of tests/mutations/mutations.txt, one at a time, in a scratch
copy of the working tree, builds the test binaries of the mutation's labels incrementally
(ccache shared with every other build), runs them, and reports whether the suite killed it.
Prints a Markdown table and the kill rate; exits non-zero unless every mutation was killed.
"""

import argparse
import dataclasses
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

# What each label runs: the same test binaries `ctest -L <label>` runs, executed directly
# (one process per binary rather than one per test case, stopping at the first failure).
# The stress label and the process-level suites (cli, python, package) are left out: they
# are slow and test no rule that the labels below do not.
LABEL_BINARIES = {
    "core": [("libsync_core_tests", "tests/libsync_core_tests")],
    "db": [("libsync_sql_tests", "tests/adapters/sql/libsync_sql_tests")],
    "http": [("libsync_http_tests", "tests/adapters/http/libsync_http_tests")],
    "git": [("libsync_git_tests", "tests/adapters/git/libsync_git_tests")],
}
FIELDS = ("rule", "file", "labels", "find", "replace")


@dataclasses.dataclass
class Mutation:
    id: str
    line: int
    rule: str = ""
    file: str = ""
    labels: tuple = ()
    find: str = ""
    replace: str = ""


@dataclasses.dataclass
class Outcome:
    mutation: Mutation
    result: str  # killed, survived, stale, build-failed
    seconds: float
    detail: str = ""


def unescape(raw):
    """\\n, \\t and \\\\ are escapes; every other backslash is itself."""
    return re.sub(r"\\([nt\\])", lambda m: {"n": "\n", "t": "\t", "\\": "\\"}[m.group(1)], raw)


def parse_list(path):
    mutations, current, errors = [], None, []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.rstrip()
        if not line or line.lstrip().startswith("#"):
            continue
        header = re.fullmatch(r"\[([a-z0-9][a-z0-9-]*)\]", line)
        if header:
            current = Mutation(header.group(1), number)
            mutations.append(current)
            continue
        key, sep, value = line.partition("=")
        key = key.strip()
        if not sep or current is None or key not in FIELDS:
            errors.append(f"{path}:{number}: expected '[id]' or one of {', '.join(FIELDS)} = ...")
            continue
        value = value[1:] if value.startswith(" ") else value
        if key == "labels":
            current.labels = tuple(label.strip() for label in value.split(",") if label.strip())
        elif key in ("find", "replace"):
            setattr(current, key, unescape(value))
        else:
            setattr(current, key, value.strip())
    seen = set()
    for m in mutations:
        where = f"{path}:{m.line} [{m.id}]"
        if m.id in seen:
            errors.append(f"{where}: duplicate id")
        seen.add(m.id)
        for field in ("rule", "file", "labels", "find"):
            if not getattr(m, field):
                errors.append(f"{where}: '{field}' is missing")
        if m.find == m.replace:
            errors.append(f"{where}: replace is the same as find")
        for label in m.labels:
            if label not in LABEL_BINARIES:
                errors.append(f"{where}: unknown label '{label}' (known: {', '.join(LABEL_BINARIES)})")
    if errors:
        sys.exit("\n".join(errors))
    return mutations


def write_fresh(path, data):
    """Writes `data` with the current time as mtime, so ninja rebuilds what depends on it
    (restoring an older mtime would leave objects built from a mutated file in place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    os.utime(path, None)


def sync_tree(root, tree):
    """Copies the working tree (tracked and untracked, not ignored files) into `tree`,
    rewriting only files whose content differs, so the scratch build stays incremental."""
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], check=True, capture_output=True).stdout
    copied = 0
    for name in sorted(set(filter(None, listed.decode().split("\0")))):
        source = root / name
        if not source.is_file():
            continue  # deleted in the working tree, or a submodule
        target = tree / name
        data = source.read_bytes()
        if not target.is_file() or target.read_bytes() != data:
            write_fresh(target, data)
            copied += 1
    return copied


def run(command, log, cwd=None, env=None, timeout=None):
    with open(log, "ab") as out:
        out.write(("\n$ " + " ".join(command) + "\n").encode())
        out.flush()
        try:
            return subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                   timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write(f"\n(timed out after {timeout} s)\n".encode())
            return "timeout"


def configure(tree, build, fast, log):
    if (build / "build.ninja").is_file():
        return
    # The compiler and flags of build/test (scripts/test.sh): clang, -O1 with line tables.
    # Where ccache is installed, the same flags and the same depth below the tree let it
    # (base_dir) serve most objects from other builds; it is not required.
    flags = "-O1 -gline-tables-only -DNDEBUG"
    command = ["cmake", "-S", str(tree), "-B", str(build), "-G", "Ninja",
               "-DCMAKE_C_COMPILER=clang-14", "-DCMAKE_CXX_COMPILER=clang++-14",
               "-DCMAKE_BUILD_TYPE=RelWithDebInfo", f"-DCMAKE_CXX_FLAGS_RELWITHDEBINFO={flags}",
               f"-DCMAKE_C_FLAGS_RELWITHDEBINFO={flags}", "-DLIBSYNC_WARNINGS_AS_ERRORS=ON",
               "-DLIBSYNC_BUILD_BENCHMARKS=OFF", "-DLIBSYNC_WITH_PYTHON=OFF"]
    if shutil.which("ccache"):
        command += ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"]
    if not fast:
        command.append("-DLIBSYNC_SANITIZE=address,undefined")
    if run(command, log) != 0:
        sys.exit(f"configuring the scratch build failed; see {log}")


def first_failure(log, since):
    """The first failed test named in the log after byte offset `since`."""
    with open(log, "rb") as f:
        f.seek(since)
        text = f.read().decode(errors="replace")
    for pattern in (r"\[  FAILED  \] ([^\s,]+)", r"(AddressSanitizer|UndefinedBehaviorSanitizer|runtime error)"):
        found = re.search(pattern, text)
        if found:
            return found.group(1)
    return ""


class Runner:
    def __init__(self, args, root):
        self.root = root
        self.args = args
        self.work = pathlib.Path(args.work).resolve() if args.work else root / "build" / "mutate"
        self.tree = self.work / "tree"
        # Two levels below the tree, like build/test below a checkout (see configure).
        self.build = self.tree / "build" / ("fast" if args.fast else "sanitize")
        self.log = self.work / "mutate.log"
        self.env = dict(os.environ)
        self.env.update(ASAN_OPTIONS="detect_leaks=1:abort_on_error=1",
                        LSAN_OPTIONS=f"suppressions={self.tree}/tests/lsan.supp",
                        UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1",
                        # The db suite skips PostgreSQL when it cannot start a cluster unless
                        # CI=true; a mutation must not survive because half a suite was skipped.
                        CI="true")

    def targets(self, labels):
        return [target for label in labels for target, _ in LABEL_BINARIES[label]]

    def build_targets(self, labels):
        return run(["cmake", "--build", str(self.build), "--target", *self.targets(labels),
                    f"-j{self.args.jobs}"], self.log)

    def run_tests(self, labels):
        """None when every binary passed, else what failed first."""
        for label in labels:
            for _, binary in LABEL_BINARIES[label]:
                start = self.log.stat().st_size if self.log.exists() else 0
                command = [str(self.build / binary), "--gtest_fail_fast", "--gtest_brief=1"]
                if self.args.gtest_filter:
                    command.append(f"--gtest_filter={self.args.gtest_filter}")
                rc = run(command, self.log,
                         cwd=self.build, env=self.env, timeout=self.args.timeout)
                if rc == "timeout":
                    return f"{label}: timed out"
                if rc != 0:
                    return f"{label}: {first_failure(self.log, start) or f'exit {rc}'}"
        return None

    def baseline(self, labels):
        print(f"baseline: building and running {', '.join(labels)} unmutated ...", flush=True)
        if self.build_targets(labels) != 0:
            sys.exit(f"the unmutated tree does not build; see {self.log}")
        failed = self.run_tests(labels)
        if failed:
            sys.exit(f"the unmutated tree fails its tests ({failed}); see {self.log}")

    def try_mutation(self, m):
        start = time.monotonic()
        path = self.tree / m.file
        original = path.read_bytes() if path.is_file() else None
        text = original.decode("utf-8") if original is not None else ""
        count = text.count(m.find)
        if count != 1:
            why = "file not found" if original is None else f"text found {count} times"
            return Outcome(m, "stale", time.monotonic() - start, why)
        write_fresh(path, text.replace(m.find, m.replace).encode("utf-8"))
        try:
            if self.build_targets(m.labels) != 0:
                return Outcome(m, "build-failed", time.monotonic() - start)
            failed = self.run_tests(m.labels)
        finally:
            write_fresh(path, original)
        if failed:
            return Outcome(m, "killed", time.monotonic() - start, failed)
        return Outcome(m, "survived", time.monotonic() - start)

    def main(self, mutations):
        self.work.mkdir(parents=True, exist_ok=True)
        print(f"scratch tree {self.tree}: {sync_tree(self.root, self.tree)} files updated", flush=True)
        configure(self.tree, self.build, self.args.fast, self.log)
        labels = [label for label in LABEL_BINARIES if any(label in m.labels for m in mutations)]
        if not self.args.no_baseline:
            self.baseline(labels)
        outcomes = []
        for n, m in enumerate(mutations, 1):
            print(f"[{n}/{len(mutations)}] {m.id} ({m.file}; {','.join(m.labels)}) ...", end=" ", flush=True)
            outcome = self.try_mutation(m)
            print(f"{outcome.result} in {outcome.seconds:.0f} s {outcome.detail}".rstrip(), flush=True)
            outcomes.append(outcome)
        return outcomes


def table(outcomes, args, started, finished):
    root = pathlib.Path(__file__).resolve().parents[2]
    listed = pathlib.Path(args.list).resolve()
    list_name = listed.relative_to(root) if listed.is_relative_to(root) else listed
    killed = sum(o.result == "killed" for o in outcomes)
    rate = 100.0 * killed / len(outcomes) if outcomes else 0.0
    lines = [
        f"Mutation run of {started} to {finished} (UTC), "
        f"{'no sanitizers' if args.fast else 'ASan+UBSan'} build, "
        f"{'all' if not args.only else 'selected'} mutations of {list_name}"
        f"{', tests ' + args.gtest_filter if args.gtest_filter else ''}.",
        "",
        "| id | rule | file | result | time | first failure, or why not killed |",
        "|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        m = o.mutation
        lines.append(f"| `{m.id}` | {m.rule} | `{m.file}` | {o.result} | {o.seconds:.0f} s | "
                     f"{o.detail.replace('|', '/')} |")
    lines += ["", f"Kill rate: {killed}/{len(outcomes)} = {rate:.0f}%."]
    return "\n".join(lines)


def main():
    root = pathlib.Path(__file__).resolve().parents[2]
    parser = argparse.ArgumentParser(prog="scripts/mutate.sh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated ids to run (default: every mutation)")
    parser.add_argument("--list", default=str(root / "tests/mutations/mutations.txt"), help="the mutation list")
    parser.add_argument("--check", action="store_true",
                        help="only check that every mutation still applies (finds its text once); no build")
    parser.add_argument("--fast", action="store_true",
                        help="build without sanitizers: tests run faster, but the first run compiles "
                             "everything (the sanitizer build shares ccache with build/test)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the unmutated build and test run")
    parser.add_argument("--work", help="scratch directory (default: build/mutate)")
    parser.add_argument("--report", help="also write the Markdown table to this file")
    parser.add_argument("--gtest-filter",
                        help="run only these tests (a --gtest_filter pattern), to see that a given "
                             "test catches a mutation; not for recording the kill rate")
    parser.add_argument("--jobs", type=int, default=2, help="build jobs (default 2)")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per test binary (default 1200)")
    args = parser.parse_args()

    mutations = parse_list(pathlib.Path(args.list))
    if args.only:
        wanted = [i.strip() for i in args.only.split(",") if i.strip()]
        by_id = {m.id: m for m in mutations}
        unknown = [i for i in wanted if i not in by_id]
        if unknown:
            sys.exit(f"unknown mutation ids: {', '.join(unknown)}")
        mutations = [by_id[i] for i in wanted]

    if args.check:
        stale = 0
        for m in mutations:
            path = root / m.file
            count = path.read_text(encoding="utf-8").count(m.find) if path.is_file() else 0
            if count != 1:
                stale += 1
                print(f"stale: {m.id}: {m.file}: text found {count} times (line {m.line} of the list)")
        print(f"{len(mutations) - stale} of {len(mutations)} mutations apply")
        return 1 if stale else 0

    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    outcomes = Runner(args, root).main(mutations)
    report = table(outcomes, args, started, time.strftime("%Y-%m-%d %H:%M", time.gmtime()))
    print("\n" + report)
    if args.report:
        pathlib.Path(args.report).write_text(report + "\n", encoding="utf-8")
    return 0 if all(o.result == "killed" for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
