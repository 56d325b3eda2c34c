"""aitk-server's thread options: polling before sleep and network threads bound to CPUs,
from flags or the environment, with clear refusals for bad values."""

import os
import subprocess

from conftest import ADMIN_TOKEN, Server


def network_thread_cpus(pid):
    """The CPU of each of the process's threads bound to exactly one."""
    cpus = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/status") as status:
            for line in status:
                if line.startswith("Cpus_allowed_list:"):
                    value = line.split(":", 1)[1].strip()
                    if "," not in value and "-" not in value:
                        cpus.append(value)
    return sorted(cpus)


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


def test_bad_thread_options_are_refused_with_a_reason(tmp_path):
    for args, env, message in [
        (["--cpu-affinity", "maybe"], {}, "--cpu-affinity must be 'on' or 'off'"),
        (["--idle-poll-us", "-1"], {}, "--idle-poll-us must be a whole number from 0 to 10000"),
        ([], {"AITK_IDLE_POLL_US": "lots"}, "--idle-poll-us must be a whole number"),
        ([], {"AITK_CPU_AFFINITY": "yes"}, "--cpu-affinity must be 'on' or 'off'"),
    ]:
        result = subprocess.run(
            [os.environ["AITK_SERVER"], "--data-dir", str(tmp_path / "data"), "--listen", "127.0.0.1:0", *args],
            env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN, **env), capture_output=True, text=True, timeout=10)
        assert result.returncode == 2, (args, env, result.stderr)
        assert message in result.stderr, result.stderr
