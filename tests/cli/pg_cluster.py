"""A throwaway PostgreSQL 15 cluster for the tests: initdb + pg_ctl in a temp dir, as user
postgres when run as root, on a free loopback port, with fsync off."""

import os
import shutil
import socket
import subprocess
import tempfile

PG_BIN = "/usr/lib/postgresql/15/bin"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """initdb + pg_ctl in a temp dir, as user postgres when run as root."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="aitk-pg-")
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(f"{PG_BIN}/initdb", "-D", f"{self.dir}/data", "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")
        self.start()
        self.sql("postgres", "CREATE DATABASE aitk")
        # Instance A logs in as a role of its own, so a test can keep A alone from
        # reconnecting (ALTER ROLE ... NOLOGIN) while B carries on.
        self.sql("postgres", "CREATE ROLE instance_a LOGIN SUPERUSER")
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/aitk"
        self.url_a = f"postgresql://instance_a@127.0.0.1:{self.port}/aitk"

    def _run(self, *args):
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(prefix + list(args), check=True, capture_output=True, timeout=120)

    def _pg_ctl(self, *args):
        self._run(f"{PG_BIN}/pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/server.log", "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", *args)

    def start(self):
        self._pg_ctl("start")

    def stop_immediately(self):
        self._pg_ctl("-m", "immediate", "stop")

    def sql(self, db, text):
        return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
                               "-Atc", text], check=True, capture_output=True, text=True, timeout=60).stdout

    def remove(self):
        try:
            self.stop_immediately()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)
