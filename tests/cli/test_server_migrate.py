"""aitk-server's deployment commands and settings on the embedded SQLite database:
`migrate` (apply, --status, --sql), --no-migrate, --version, the original platform's
DATABASE_URL and PORT, and /api/ready. PostgreSQL's side is test_server_deploy_postgres.py."""

import os
from contextlib import closing
import re
import sqlite3
import subprocess
import urllib.request

from conftest import ADMIN_TOKEN, Server

VERSION_LINE = re.compile(r"^(aitk-server|aitk) (\d+\.\d+\.\d+)\n$")


def run_server(*args, env=None, timeout=60):
    return subprocess.run([os.environ["AITK_SERVER"], *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN, **(env or {})))


# Every migration this build has, in order (adapters/sql/src/schema.cpp).
ALL = list(range(1, 13))


def applied_versions(db):
    with closing(sqlite3.connect(db)) as conn, conn:
        return [row[0] for row in conn.execute('SELECT "version" FROM "Migration" ORDER BY "version"')]


def test_migrate_applies_what_is_pending_once_and_status_lists_it_with_dates(tmp_path):
    data = tmp_path / "data"
    before = run_server("migrate", "--status", "--data-dir", data)
    assert before.returncode == 0, before.stderr
    assert re.search(r"^\s*1\s+original-platform-schema\s+pending$", before.stdout, re.M), before.stdout
    assert re.search(r"^\s*2\s+libsync-additions\s+pending$", before.stdout, re.M), before.stdout
    assert not (data / "libsync.db").exists(), "--status must not create the database"

    first = run_server("migrate", "--data-dir", data)
    assert first.returncode == 0, first.stderr
    assert first.stdout == "".join(f"applied migration {v}\n" for v in ALL)
    assert applied_versions(data / "libsync.db") == ALL

    again = run_server("migrate", "--data-dir", data)
    assert again.returncode == 0, again.stderr
    assert "nothing to migrate" in again.stdout
    assert applied_versions(data / "libsync.db") == ALL

    status = run_server("migrate", "--status", "--data-dir", data)
    assert status.returncode == 0, status.stderr
    assert re.search(r"^\s*2\s+libsync-additions\s+applied \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", status.stdout, re.M), \
        status.stdout
    assert "up to date" in status.stdout


def test_migrate_sql_prints_the_pending_statements_and_runs_none(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    db = data / "libsync.db"
    # A database as the original platform left it: its four tables, no "Migration" record.
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute('CREATE TABLE "Project" ("id" TEXT NOT NULL PRIMARY KEY, "name" TEXT NOT NULL)')
    printed = run_server("migrate", "--sql", "--data-dir", data)
    assert printed.returncode == 0, printed.stderr
    assert "-- migration 1: original-platform-schema" in printed.stdout
    assert 'ALTER TABLE "Project" ADD COLUMN "lastSyncedCommit"' in printed.stdout
    assert printed.stdout.rstrip().endswith("COMMIT;")
    with closing(sqlite3.connect(db)) as conn, conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"Project"}, "--sql must change nothing"

    assert run_server("migrate", "--data-dir", data).returncode == 0
    after = run_server("migrate", "--sql", "--data-dir", data)
    assert after.stdout == "-- nothing pending: the database is up to date\n"


def test_no_migrate_refuses_a_database_that_needs_migrating_and_says_why(tmp_path):
    data = tmp_path / "data"
    refused = run_server("--no-migrate", "--data-dir", data, "--listen", "127.0.0.1:0", timeout=20)
    assert refused.returncode == 2
    assert "needs migrating" in refused.stderr and "aitk-server migrate" in refused.stderr, refused.stderr
    with closing(sqlite3.connect(data / "libsync.db")) as conn, conn:
        assert conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'Project'").fetchone()[0] == 0

    assert run_server("migrate", "--data-dir", data).returncode == 0
    server = Server(data, args=["--no-migrate"]).start()
    try:
        status, body = server.call("GET", "/api/ready")
        assert status == 200 and body == {"status": "ready", "store": "sqlite"}
    finally:
        server.stop()


def test_migrate_from_several_processes_at_once_applies_each_migration_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    racers = [subprocess.Popen([os.environ["AITK_SERVER"], "migrate", "--data-dir", str(data)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    outputs = [(p.wait(timeout=60), *p.communicate()) for p in racers]
    assert all(code == 0 for code, _, _ in outputs), outputs
    assert sum(out.count("applied migration") for _, out, _ in outputs) == len(ALL), outputs
    assert applied_versions(data / "libsync.db") == ALL


def test_version_is_one_number_for_server_client_health_and_metrics(tmp_path):
    server_version = run_server("--version")
    client_version = subprocess.run([os.environ["AITK_CLI"], "--version"], capture_output=True, text=True, timeout=10)
    server_match = VERSION_LINE.match(server_version.stdout)
    client_match = VERSION_LINE.match(client_version.stdout)
    assert server_match and client_match, (server_version.stdout, client_version.stdout)
    version = server_match.group(2)
    assert client_match.group(2) == version

    server = Server(tmp_path / "data").start()
    try:
        status, health = server.call("GET", "/api/health")
        assert status == 200 and health["version"] == version
        request = urllib.request.Request(server.url + "/metrics", headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            metrics = response.read().decode()
        assert f'libsync_build_info{{version="{version}"}} 1\n' in metrics
    finally:
        server.stop()


def test_database_url_and_port_from_the_original_platforms_env_are_honoured(tmp_path):
    db = tmp_path / "elsewhere" / "docs.db"
    db.parent.mkdir()
    port_probe = Server(tmp_path / "probe").start()  # a port that was free a moment ago
    port = port_probe.port
    port_probe.stop()
    env = {"DATABASE_URL": f"sqlite://{db}", "PORT": str(port)}
    proc = subprocess.Popen([os.environ["AITK_SERVER"], "--data-dir", str(tmp_path / "data")],
                            env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN, **env), stderr=subprocess.PIPE,
                            text=True)
    try:
        line = ""
        for _ in range(50):
            line = proc.stderr.readline()
            if "serving on" in line or not line:
                break
        assert f"serving on http://127.0.0.1:{port} " in line, line
        assert db.exists(), "DATABASE_URL names the database"
        assert not (tmp_path / "data" / "libsync.db").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_an_unknown_database_url_parameter_is_a_clear_error(tmp_path):
    refused = run_server("migrate", "--database", "postgresql://u@127.0.0.1:1/db?schema=app&sslmod=require",
                         "--data-dir", tmp_path / "data")
    assert refused.returncode == 1
    assert "sslmod" in refused.stderr and "schema" in refused.stderr, refused.stderr
    bad_schema = run_server("migrate", "--database", "postgresql://u@127.0.0.1:1/db?schema=a;drop",
                            "--data-dir", tmp_path / "data")
    assert bad_schema.returncode == 1 and "schema must be a name" in bad_schema.stderr, bad_schema.stderr
