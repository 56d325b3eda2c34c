"""aitk-server's thread and connection options: polling before sleep, network threads
bound to CPUs, the scheduler slice threads ask for, and the per-address connection cap,
from flags or the environment, with clear refusals for bad values."""

import os
import re
import socket
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


def raw_connection(port, source):
    """A socket to the server from local address `source` (127.0.0.2 is another client)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    s.settimeout(3)
    return s


def test_one_address_is_held_to_its_connection_cap_from_the_flag_or_the_environment(tmp_path):
    for args, env in [(["--max-connections-per-address", "2"], {}), ([], {"AITK_MAX_CONNECTIONS_PER_ADDRESS": "2"})]:
        server = Server(tmp_path / f"data{len(args)}", args=["--max-connections", "16", *args], env=env).start()
        held = []
        try:
            # Headers sent, the body trickling: busy connections, which shedding never closes.
            for _ in range(2):
                held.append(raw_connection(server.port, "127.0.0.1"))
                held[-1].sendall(b"PUT /api/health HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")
            third = raw_connection(server.port, "127.0.0.1")
            held.append(third)
            answer = third.recv(4096).decode()
            assert answer.startswith("HTTP/1.1 429"), answer
            assert "\r\nretry-after: 1\r\n" in answer.lower(), answer
            other = raw_connection(server.port, "127.0.0.2")
            held.append(other)
            other.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert other.recv(4096).decode().startswith("HTTP/1.1 200"), (args, env)
        finally:
            for s in held:
                s.close()
            server.stop()


def test_help_lists_the_per_address_connection_cap_and_bad_values_are_refused(tmp_path):
    out = subprocess.run([os.environ["AITK_SERVER"], "--help"], capture_output=True, text=True, check=True).stdout
    block = re.search(r"^  --max-connections-per-address N .*\n(?:^ {10,}.*\n)*", out, re.M)
    assert block and "default 512" in block.group(0), out
    for args, env in [(["--max-connections-per-address", "0"], {}), ([], {"AITK_MAX_CONNECTIONS_PER_ADDRESS": "x"})]:
        result = subprocess.run(
            [os.environ["AITK_SERVER"], "--data-dir", str(tmp_path / "data"), "--listen", "127.0.0.1:0", *args],
            env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN, **env), capture_output=True, text=True, timeout=10)
        assert result.returncode != 0, (args, env)
        assert "--max-connections-per-address" in result.stderr, result.stderr
