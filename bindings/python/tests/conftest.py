"""Stores for the module's tests: memory, a SQLite file, and a database on a throwaway
PostgreSQL 15 cluster (initdb/pg_ctl as user postgres on a free loopback port). Without
the PostgreSQL binaries its cases are skipped, except under CI=true, where they fail."""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile

import pytest

PG_BIN = "/usr/lib/postgresql/15/bin"


def tool_env():
    """The environment for helper programs (PostgreSQL, psql, git): without the sanitizer
    runtime that a sanitized build preloads into the interpreter."""
    return {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS")}


def _as_owner(command):
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres():
    if not os.path.exists(f"{PG_BIN}/initdb"):
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL 15 binaries not found in {PG_BIN}")
        pytest.skip("PostgreSQL 15 binaries not installed")
    root = tempfile.mkdtemp(prefix="libsync-py-pg-")
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    data = f"{root}/data"
    subprocess.run(_as_owner([f"{PG_BIN}/initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                              "--no-sync"]), check=True, capture_output=True, env=tool_env())
    subprocess.run(_as_owner([f"{PG_BIN}/pg_ctl", "-D", data, "-l", f"{root}/server.log", "-w", "-t", "60", "-o",
                              f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]),
                   check=True, capture_output=True, env=tool_env())
    yield f"postgresql://postgres@127.0.0.1:{port}"
    subprocess.run(_as_owner([f"{PG_BIN}/pg_ctl", "-D", data, "-m", "immediate", "stop"]), capture_output=True, env=tool_env())
    shutil.rmtree(root, ignore_errors=True)


_db_counter = [0]


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def database(request, tmp_path):
    """A fresh database URL of each kind."""
    if request.param == "memory":
        return "memory"
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/libsync.db"
    base = request.getfixturevalue("postgres")
    _db_counter[0] += 1
    name = f"libsync_py_{os.getpid()}_{_db_counter[0]}"
    port = base.rsplit(":", 1)[1]
    subprocess.run(["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "postgres", "-q", "-c",
                    f"CREATE DATABASE {name}"], check=True, capture_output=True, env=tool_env())
    return f"{base}/{name}"
