"""aitk-server's connection limits: the open file limit raised at start, and the limit
flags with their defaults in --help and their refusals of bad values."""

import os
import re
import resource
import subprocess

from conftest import ADMIN_TOKEN, Server


def open_file_limits(pid):
    """(soft, hard) of the process's "Max open files"."""
    with open(f"/proc/{pid}/limits") as lines:
        for line in lines:
            if line.startswith("Max open files"):
                soft, hard = line.split()[3:5]
                return int(soft), int(hard)
    raise AssertionError("no open file limit in /proc")


class LowLimitServer(Server):
    """A server started with a soft open file limit of 256 (the hard one unchanged)."""

    def start(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if hard != resource.RLIM_INFINITY and hard <= 256:
            raise RuntimeError("the hard open file limit is too low for this test")
        original = subprocess.Popen

        def low_limit():
            resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))

        def popen(*args, **kwargs):
            return original(*args, preexec_fn=low_limit, **kwargs)

        subprocess.Popen = popen
        try:
            return super().start()
        finally:
            subprocess.Popen = original


def test_the_soft_open_file_limit_is_raised_to_the_hard_one_at_start(tmp_path):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard != resource.RLIM_INFINITY and hard <= 256:
        return  # nothing to raise to
    server = LowLimitServer(tmp_path / "a").start()
    try:
        assert server.call("GET", "/api/health")[0] == 200
        soft, limit = open_file_limits(server.proc.pid)
        assert soft == limit, (soft, limit)
        assert soft > 256
    finally:
        server.stop()


def test_help_lists_the_limit_flags_with_their_defaults():
    out = subprocess.run([os.environ["AITK_SERVER"], "--help"], capture_output=True, text=True, check=True).stdout
    for flag, default in [("--max-connections", "1024"), ("--max-streams", "10000"),
                          ("--max-streams-per-address", "1000"), ("--max-streams-per-key", "1000")]:
        block = re.search(r"^  " + re.escape(flag) + r" N .*\n(?:^ {10,}.*\n)*", out, re.M)
        assert block and f"default {default}" in block.group(0), flag


def test_limit_flags_refuse_bad_values(tmp_path):
    for flag in ["--max-connections", "--max-streams", "--max-streams-per-address", "--max-streams-per-key"]:
        result = subprocess.run([os.environ["AITK_SERVER"], "--data-dir", str(tmp_path), flag, "0"],
                                capture_output=True, text=True, env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN),
                                timeout=15)
        assert result.returncode != 0, flag
        assert flag in result.stderr, result.stderr
