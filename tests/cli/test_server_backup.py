"""`aitk-server backup FILE` while a server takes a burst of writes, and `aitk-server
restore FILE` into a stopped server's data directory: every write acknowledged before the
backup started is in the snapshot, the snapshot passes PRAGMA integrity_check, a restore
is refused while a server runs and when the snapshot is unusable, and changes nothing
then."""

import os
from contextlib import closing
import sqlite3
import subprocess
import threading
import time

from conftest import ADMIN_TOKEN, Server


def serve(data, *args):
    """A server on `data`, its log read on (it logs every request: an unread pipe would
    fill and stop it)."""
    server = Server(data, args=list(args)).start()
    threading.Thread(target=server.proc.stderr.read, daemon=True).start()
    return server


def run_server(*args, timeout=120):
    return subprocess.run([os.environ["AITK_SERVER"], *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN))


class Writers:
    """Threads writing docs as fast as the server takes them; each acknowledged write is
    recorded with the moment its answer arrived."""

    def __init__(self, server, project, threads=4):
        self.acked = []  # (monotonic time of the answer, fileName, content)
        self.lock = threading.Lock()
        self.stopping = False
        self.threads = [threading.Thread(target=self._run, args=(server, project, t)) for t in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self, server, project, t):
        n = 0
        while not self.stopping:
            name, content = f"w{t}-{n % 50}.md", f"writer {t} write {n}\n" + "x" * 2000
            status, _ = server.call("PUT", f"/api/projects/{project}/docs/{name}", {"content": content})
            if status in (200, 201):
                with self.lock:
                    self.acked.append((time.monotonic(), name, content))
            n += 1

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join()


def new_project(server):
    status, p = server.call("POST", "/api/projects", {"name": "backed-up", "repoUrl": "https://e.com/r.git"})
    assert status == 201, p
    return p["id"]


def test_backup_during_a_burst_of_writes_keeps_every_acknowledged_write_and_restores(tmp_path):
    data = tmp_path / "data"
    server = serve(data, "--sqlite-shared")
    snapshot = tmp_path / "backups" / "snapshot.db"
    snapshot.parent.mkdir()
    try:
        project = new_project(server)
        writers = Writers(server, project)
        time.sleep(1.0)  # the burst is under way
        started = time.monotonic()
        backup = run_server("backup", snapshot, "--data-dir", data)
        finished = time.monotonic()
        time.sleep(0.5)  # and goes on after it
        writers.stop()
    finally:
        server.stop()
    assert backup.returncode == 0, backup.stderr
    assert "wrote a snapshot" in backup.stdout
    assert os.stat(snapshot).st_mode & 0o077 == 0, "a snapshot holds key hashes and sealed tokens: owner only"
    before = [(name, content) for at, name, content in writers.acked if at < started]
    after = [(name, content) for at, name, content in writers.acked if at > finished]
    assert len(before) > 50 and after, (len(before), len(after))

    with closing(sqlite3.connect(snapshot)) as conn, conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        saved = {(name, version): content for name, version, content in conn.execute(
            'SELECT "fileName", "version", "content" FROM "Doc"')}
        history = {(name, content) for name, content in conn.execute('SELECT "fileName", "content" FROM "DocVersion"')}
    current = {name: content for (name, _), content in saved.items()}
    # Each acknowledged write is the doc's current text or, overwritten later, in its history.
    missing = [(n, c[:20]) for n, c in before if current.get(n) != c and (n, c) not in history]
    assert not missing, missing[:5]
    # A snapshot of one moment: nothing acknowledged after the command returned is in it.
    leaked = [(n, c[:20]) for n, c in after if current.get(n) == c or (n, c) in history]
    assert not leaked, leaked[:5]

    # Restored into a stopped server's data directory, the server serves the snapshot.
    restored = run_server("restore", snapshot, "--data-dir", data)
    assert restored.returncode == 0, restored.stderr
    assert (data / "libsync.db.before-restore").exists()
    server = serve(data)
    try:
        for name, content in current.items():
            status, doc = server.call("GET", f"/api/projects/{project}/docs/{name}")
            assert status == 200 and doc["content"] == content, (name, status)
    finally:
        server.stop()


def test_restore_is_refused_while_a_server_runs_and_for_an_unusable_snapshot(tmp_path):
    data = tmp_path / "data"
    server = serve(data, "--sqlite-shared")
    snapshot = tmp_path / "snapshot.db"
    try:
        project = new_project(server)
        assert run_server("backup", snapshot, "--data-dir", data).returncode == 0
        refused = run_server("restore", snapshot, "--data-dir", data)
        assert refused.returncode == 1
        assert "a server is running" in refused.stderr, refused.stderr
        status, _ = server.call("GET", f"/api/projects/{project}")
        assert status == 200
    finally:
        server.stop()

    database = data / "libsync.db"
    original = database.read_bytes()
    not_a_database = tmp_path / "notes.txt"
    not_a_database.write_text("these are not the pages you are looking for\n" * 100)
    corrupt = tmp_path / "corrupt.db"
    pages = bytearray(snapshot.read_bytes())
    pages[4096:4096 + 8] = b"\xff" * 8  # the second page's b-tree header (the "Migration" table's root)
    corrupt.write_bytes(bytes(pages))
    newer = tmp_path / "newer.db"
    newer.write_bytes(snapshot.read_bytes())
    with closing(sqlite3.connect(newer)) as conn, conn:
        conn.execute('INSERT INTO "Migration" ("version", "appliedAt") VALUES (99, \'2030-01-01T00:00:00.000Z\')')
    for bad, why in [(not_a_database, "not a usable database"), (corrupt, ""), (newer, "newer than this build"),
                     (tmp_path / "absent.db", "no snapshot at")]:
        result = run_server("restore", bad, "--data-dir", data)
        assert result.returncode == 1, (bad, result.stdout)
        assert why in result.stderr, (bad, result.stderr)
        assert database.read_bytes() == original, f"{bad.name} changed the database"
        assert not (data / "libsync.db.before-restore").exists()
        assert [p.name for p in data.iterdir() if "restoring" in p.name] == []


def test_backup_of_a_server_holding_the_database_alone_says_how_to_allow_it(tmp_path):
    data = tmp_path / "data"
    server = serve(data)
    try:
        result = run_server("backup", tmp_path / "snap.db", "--data-dir", data)
    finally:
        server.stop()
    assert result.returncode == 1
    assert "--sqlite-shared" in result.stderr, result.stderr
    assert not (tmp_path / "snap.db").exists()
