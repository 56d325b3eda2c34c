"""aitk-server's deployment commands on PostgreSQL: `migrate` racing from several
processes, Prisma-style URLs whose `schema` becomes the search path, and /api/ready while
PostgreSQL goes away and comes back. PostgreSQL is a throwaway cluster started here."""

import os
import re
import subprocess
import time


from conftest import ADMIN_TOKEN, Server
# `cluster`: the throwaway PostgreSQL of the outage tests, one per module.


def run_server(*args, timeout=60):
    return subprocess.run([os.environ["AITK_SERVER"], *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN))


# Every migration this build has (adapters/sql/src/schema.cpp).
MIGRATIONS = 12


def new_database(cluster, name):
    cluster.sql("postgres", f"CREATE DATABASE {name}")
    return f"postgresql://postgres@127.0.0.1:{cluster.port}/{name}"


def test_migrate_racing_from_eight_processes_applies_each_migration_once(cluster, tmp_path):
    url = new_database(cluster, "race")
    racers = [subprocess.Popen([os.environ["AITK_SERVER"], "migrate", "--database", url,
                                "--data-dir", str(tmp_path / f"d{i}")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(8)]
    outputs = [(p.wait(timeout=120), *p.communicate()) for p in racers]
    assert all(code == 0 for code, _, _ in outputs), outputs
    # Exactly one process applied the migrations; the others found nothing pending.
    assert sum(out.count("applied migration") for _, out, _ in outputs) == MIGRATIONS, outputs
    assert cluster.sql("race", 'SELECT string_agg("version"::text, \',\' ORDER BY "version") FROM "Migration"') \
        .strip() == ",".join(str(v) for v in range(1, MIGRATIONS + 1))


def test_prisma_schema_parameter_puts_the_tables_in_that_schema_and_the_server_uses_it(cluster, tmp_path):
    base = new_database(cluster, "prisma")
    url = base + "?schema=tenant_a"  # the original's .env form, with a schema that does not exist yet
    status = run_server("migrate", "--status", "--database", url, "--data-dir", tmp_path / "data")
    assert status.returncode == 0, status.stderr
    assert len(re.findall(r"pending$", status.stdout, re.M)) == MIGRATIONS, status.stdout
    applied = run_server("migrate", "--database", url, "--data-dir", tmp_path / "data")
    assert applied.returncode == 0, applied.stderr
    tables = cluster.sql("prisma", "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                                   "WHERE table_name IN ('Project', 'Migration') ORDER BY 1").split()
    assert tables == ["tenant_a.Migration", "tenant_a.Project"], tables

    server = Server(tmp_path / "data", args=["--database", url, "--no-migrate"]).start()
    try:
        code, project = server.call("POST", "/api/projects", {"name": "in-tenant", "repoUrl": "https://e.com/r.git"})
        assert code == 201, project
        code, ready = server.call("GET", "/api/ready")
        assert code == 200 and ready == {"status": "ready", "store": "postgresql"}
    finally:
        server.stop()
    assert cluster.sql("prisma", 'SELECT "name" FROM tenant_a."Project"').strip() == "in-tenant"
    assert "public.Project" not in cluster.sql(
        "prisma", "SELECT table_schema || '.' || table_name FROM information_schema.tables")


def test_ready_answers_503_with_the_reason_while_postgresql_is_down_and_health_stays_200(cluster, tmp_path):
    url = new_database(cluster, "ready")
    server = Server(tmp_path / "data", args=["--database", url, "--threads", "2"]).start()
    try:
        code, body = server.call("GET", "/api/ready")
        assert code == 200 and body["status"] == "ready"
        cluster.stop_immediately()
        try:
            code, body = server.call("GET", "/api/ready")
            assert code == 503, body
            assert body["reason"].startswith("postgresql database does not answer"), body
            assert "not ready" in body["message"]
            code, health = server.call("GET", "/api/health")
            assert code == 200 and health["status"] == "ok"
        finally:
            cluster.start()
        deadline = time.monotonic() + 5
        while True:
            code, body = server.call("GET", "/api/ready")
            if code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert code == 200, body
    finally:
        server.stop()
