"""Two aitk-servers on one PostgreSQL, each answering doc reads from its cache: a write
through A shows on B's doc GET within --hook-staleness, and B really answers from memory
meanwhile (a change written into the database by SQL, which no server hears of, is not
seen before the bound and is seen after it). PostgreSQL is a throwaway cluster."""

import subprocess
import time


from conftest import Server
from test_server_doc_cache import Connection, doc_path, new_key, sha256
# `cluster`: the throwaway PostgreSQL of the outage tests, one per module.

STALENESS = 0.3  # seconds, as given to both servers
MARGIN = 0.25  # for a loaded CI machine and a sanitized build


def start(data_dir, url):
    return Server(data_dir, args=["--database", url, "--threads", "2",
                                  "--hook-staleness", str(int(STALENESS * 1000))]).start()


class Psql:
    """One psql session kept open, so an UPDATE lands in milliseconds, not a process start."""

    def __init__(self, cluster):
        self.proc = subprocess.Popen(
            ["psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-d", "aitk", "-Atq",
             "-v", "ON_ERROR_STOP=1"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, statement):
        self.proc.stdin.write(statement + "\n\\echo done\n")
        self.proc.stdin.flush()
        lines = []
        while (line := self.proc.stdout.readline()) != "done\n":
            assert line, "psql ended"
            lines.append(line)
        return lines

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def read(connection, project, name):
    start = time.monotonic()
    status, body, _ = connection.request("GET", doc_path(project, name))
    assert status == 200, body
    return start, time.monotonic(), body


def test_a_write_elsewhere_shows_within_the_staleness_bound_and_reads_between_come_from_memory(tmp_path, cluster):
    a = start(tmp_path / "a", cluster.url)
    b = start(tmp_path / "b", cluster.url)
    psql = Psql(cluster)
    try:
        status, p = a.call("POST", "/api/projects", {"name": "two", "repoUrl": "https://example.com/r.git"})
        assert status == 201
        pid, name = p["id"], "shared.md"
        a.put_doc(pid, name, "one\n")
        key, _ = new_key(a, pid)
        on_b = Connection(b.port, key)
        assert read(on_b, pid, name)[2]["content"] == "one\n"

        # Through A: B hears of it (NOTIFY) or re-reads once its entry is older than the bound.
        version = a.put_doc(pid, name, "two\n")["version"]
        acked = time.monotonic()
        while True:
            started, _, body = read(on_b, pid, name)
            if body["version"] >= version:
                break
            assert started - acked < STALENESS + MARGIN, "B still answers the old text past the bound"
            time.sleep(0.01)
        assert body["content"] == "two\n"

        # Behind both servers' backs: no event, so only the bound brings it. The entry is let
        # age first, so that the read below fills it and it is fresh for STALENESS from then.
        time.sleep(STALENESS + 0.05)
        filled_from, filled_by, body = read(on_b, pid, name)
        assert body["content"] == "two\n"
        psql.run(f"""UPDATE "Doc" SET content = 'three' || chr(10), hash = '{sha256("three" + chr(10))}',
                     version = version + 1 WHERE "projectId" = '{pid}' AND "fileName" = '{name}';""")
        written = time.monotonic()
        old_after_sql = 0
        while True:
            started, ended, body = read(on_b, pid, name)
            if body["content"] == "three\n":
                break
            assert body["content"] == "two\n"
            if started > written and ended < filled_from + STALENESS:
                old_after_sql += 1
            assert started - filled_by < STALENESS + MARGIN, "the SQL change not seen past the bound"
            time.sleep(0.01)
        # The fill's entry is kept from a moment after filled_from; that read ended after it.
        assert ended - filled_from >= STALENESS, \
            f"the SQL change was seen {ended - filled_from:.3f} s after the fill: B did not answer from memory"
        assert old_after_sql > 0, "no read landed between the SQL change and the bound (machine too slow?)"
        on_b.close()
    finally:
        psql.close()
        a.stop()
        b.stop()
