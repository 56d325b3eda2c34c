"""aitk-server's thread options: polling before sleep, network threads bound to CPUs and
the scheduler slice threads ask for, from flags or the environment, with clear refusals
for bad values."""

import os
import subprocess
import time

from conftest import ADMIN_TOKEN, Server


def thread_fields(pid, file, field):
    """The value of `field` in each of the process's threads' /proc `file` ("status", "sched")."""
    values = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/{file}") as lines:
            values += [line.split(":", 1)[1].strip() for line in lines if line.startswith(field)]
    return values


def network_thread_cpus(pid):
    """The CPU of each of the process's threads bound to exactly one."""
    return sorted(v for v in thread_fields(pid, "status", "Cpus_allowed_list:") if "," not in v and "-" not in v)


def test_network_threads_are_bound_one_per_cpu_unless_turned_off(tmp_path):
    if len(os.sched_getaffinity(0)) < 2:
        return  # one CPU: nothing to spread
    server = Server(tmp_path / "a").start()
    try:
        assert server.call("GET", "/api/health")[0] == 200
        bound = network_thread_cpus(server.proc.pid)
        assert len(bound) >= 2 and len(set(bound)) == len(bound), bound
    finally:
        server.stop()
    server = Server(tmp_path / "b", args=["--cpu-affinity", "off", "--idle-poll-us", "0"]).start()
    try:
        assert server.call("GET", "/api/health")[0] == 200
        assert network_thread_cpus(server.proc.pid) == []
    finally:
        server.stop()


def threads_with_slice(pid, microseconds):
    """How many of the process's threads run with that scheduler slice."""
    return sum(int(v) == microseconds * 1000 for v in thread_fields(pid, "sched", "se.slice"))


def threads_reaching_slice(pid, microseconds, at_least, timeout=5.0):
    """threads_with_slice once it reaches `at_least`, or when `timeout` runs out: a thread
    asks for its slice when it first runs, which on a busy machine may be a moment after
    the server answered."""
    deadline = time.time() + timeout
    while True:
        count = threads_with_slice(pid, microseconds)
        if count >= at_least or time.time() > deadline:
            return count
        time.sleep(0.05)


def kernel_keeps_custom_slices():
    major, minor = (int(part) for part in os.uname().release.split(".")[:2])
    return (major, minor) >= (6, 12)


def test_network_and_worker_threads_ask_for_short_slices_unless_turned_off(tmp_path):
    if not kernel_keeps_custom_slices():
        return  # Linux < 6.12: nothing to see
    server = Server(tmp_path / "a", args=["--threads", "3"]).start()
    try:
        assert server.call("GET", "/api/health")[0] == 200
        # 100 us by default: the network threads (at least one) and the three workers.
        assert threads_reaching_slice(server.proc.pid, 100, 4) >= 4
    finally:
        server.stop()
    server = Server(tmp_path / "b", args=["--sched-slice-us", "0"]).start()
    try:
        assert server.call("GET", "/api/health")[0] == 200
        assert threads_with_slice(server.proc.pid, 100) == 0
    finally:
        server.stop()
    server = Server(tmp_path / "c", env={"AITK_SCHED_SLICE_US": "700"}).start()
    try:
        assert server.call("GET", "/api/health")[0] == 200
        assert threads_reaching_slice(server.proc.pid, 700, 3) >= 3
    finally:
        server.stop()


def test_bad_thread_options_are_refused_with_a_reason(tmp_path):
    for args, env, message in [
        (["--cpu-affinity", "maybe"], {}, "--cpu-affinity must be 'on' or 'off'"),
        (["--idle-poll-us", "-1"], {}, "--idle-poll-us must be a whole number from 0 to 10000"),
        ([], {"AITK_IDLE_POLL_US": "lots"}, "--idle-poll-us must be a whole number"),
        ([], {"AITK_CPU_AFFINITY": "yes"}, "--cpu-affinity must be 'on' or 'off'"),
        (["--sched-slice-us", "50"], {}, "--sched-slice-us must be 0, or from 100 to 100000"),
        ([], {"AITK_SCHED_SLICE_US": "200000"}, "--sched-slice-us must be a whole number from 0 to 100000"),
    ]:
        result = subprocess.run(
            [os.environ["AITK_SERVER"], "--data-dir", str(tmp_path / "data"), "--listen", "127.0.0.1:0", *args],
            env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN, **env), capture_output=True, text=True, timeout=10)
        assert result.returncode == 2, (args, env, result.stderr)
        assert message in result.stderr, result.stderr
