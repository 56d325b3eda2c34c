"""`aitk-server backup FILE` while a server takes a burst of writes, and `aitk-server
restore FILE` into a stopped server's data directory: every write acknowledged before the
backup started is in the snapshot, the snapshot passes PRAGMA integrity_check, a restore
is refused while a server runs and when the snapshot is unusable, and changes nothing
then."""

import json
import os
from contextlib import closing
import signal
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request

from conftest import ADMIN_TOKEN, Server


def serve(data, *args):
    return Server(data, args=list(args)).start()


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


class BackupDuringABurst:
    """`aitk-server backup SNAPSHOT` run while writer threads write to a new project:
    the command's result, and the writes acknowledged before it started and after it
    returned."""

    def __init__(self, server, data, snapshot):
        self.project = new_project(server)
        writers = Writers(server, self.project)
        time.sleep(1.0)  # the burst is under way
        started = time.monotonic()
        self.result = run_server("backup", snapshot, "--data-dir", data)
        finished = time.monotonic()
        time.sleep(0.5)  # and goes on after it
        writers.stop()
        self.before = [(name, content) for at, name, content in writers.acked if at < started]
        self.after = [(name, content) for at, name, content in writers.acked if at > finished]


def test_backup_during_a_burst_of_writes_keeps_every_acknowledged_write_and_restores(tmp_path):
    data = tmp_path / "data"
    server = serve(data, "--sqlite-shared")
    snapshot = tmp_path / "backups" / "snapshot.db"
    snapshot.parent.mkdir()
    try:
        burst = BackupDuringABurst(server, data, snapshot)
    finally:
        server.stop()
    backup, before, after, project = burst.result, burst.before, burst.after, burst.project
    assert backup.returncode == 0, backup.stderr
    assert "wrote a snapshot" in backup.stdout
    assert os.stat(snapshot).st_mode & 0o077 == 0, "a snapshot holds key hashes and sealed tokens: owner only"
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


def call_backup(server, headers=None, body=None):
    """POST /api/admin/backup with `headers` (default: the admin token); (status, JSON)."""
    request = urllib.request.Request(server.url + "/api/admin/backup", data=body, method="POST",
                                     headers=headers if headers is not None else {
                                         "Authorization": f"Bearer {ADMIN_TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read().decode())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode() or "null")


def test_backup_of_a_server_holding_the_database_alone_is_taken_by_that_server(tmp_path):
    """The default server (no --sqlite-shared) is the only process that can read its file:
    the command has it take the snapshot, during a burst of writes, and the snapshot
    restores into a fresh data directory with every write acknowledged before it."""
    data = tmp_path / "data"
    server = serve(data)
    snapshot = tmp_path / "elsewhere" / "snapshot.db"
    snapshot.parent.mkdir()
    address = data / "server.address"
    try:
        address_mode = address.stat().st_mode & 0o777 if address.exists() else None
        burst = BackupDuringABurst(server, data, snapshot)
        left_behind = [p.name for p in (data / "backups").iterdir()] if (data / "backups").exists() else None
    finally:
        server.stop()
    backup = burst.result
    assert backup.returncode == 0, backup.stderr
    assert "taken by the server at http://127.0.0.1:" in backup.stdout, backup.stdout
    assert address_mode == 0o600, address_mode
    assert left_behind == [], "the server's copy is moved out, not left behind"
    assert os.stat(snapshot).st_mode & 0o077 == 0, "a snapshot holds key hashes and sealed tokens: owner only"
    assert not (data / "server.address").exists(), "a stopped server leaves no address behind"
    before, after, project = burst.before, burst.after, burst.project
    assert len(before) > 50 and after, (len(before), len(after))

    fresh = tmp_path / "fresh"
    fresh.mkdir(mode=0o700)
    restored = run_server("restore", snapshot, "--data-dir", fresh)
    assert restored.returncode == 0, restored.stderr
    with closing(sqlite3.connect(fresh / "libsync.db")) as conn, conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    server = serve(fresh)
    try:
        latest = {}
        for name, content in before:
            latest[name] = content
        for name, content in latest.items():
            status, doc = server.call("GET", f"/api/projects/{project}/docs/{name}")
            assert status == 200, (name, status)
            if doc["content"] != content:  # overwritten later, still before the snapshot: in the history
                status, history = server.call("GET", f"/api/projects/{project}/docs/{name}/history")
                texts = set()
                for entry in history:
                    _, old = server.call("GET", f"/api/projects/{project}/docs/{name}/versions/{entry['version']}")
                    texts.add(old["content"])
                assert content in texts, name
        missing = [c[:20] for n, c in before if n not in latest]
        assert not missing
    finally:
        server.stop()


def test_the_backup_route_is_for_the_admin_one_at_a_time_and_cannot_fill_the_disk(tmp_path):
    data = tmp_path / "data"
    server = serve(data)
    try:
        project = new_project(server)
        # A database big enough for a copy to take a while (a dozen MiB).
        for n in range(14):
            status, _ = server.call("PUT", f"/api/projects/{project}/docs/big-{n}.md",
                                    {"content": os.urandom(450 * 1024).hex()[:900 * 1024]})
            assert status in (200, 201), status
        status, key = server.call("POST", f"/api/projects/{project}/api-keys", {"name": "ci", "scope": "write"})
        assert status == 201
        backups = data / "backups"

        assert call_backup(server, {"X-API-Key": key["key"]})[0] == 403
        assert call_backup(server, {})[0] == 401
        status, error = call_backup(server, body=b'{"path": "/tmp/x.db"}')
        assert status == 400 and "takes no body" in error["message"], error
        assert not backups.exists() or list(backups.iterdir()) == []

        # Two at once: one is taken, the other refused while it is.
        statuses = []
        for _ in range(10):
            results = []
            pair = [threading.Thread(target=lambda: results.append(call_backup(server))) for _ in range(2)]
            for t in pair:
                t.start()
            for t in pair:
                t.join()
            statuses = sorted(status for status, _ in results)
            for status, answer in results:
                if status == 201:
                    assert (backups / answer["name"]).stat().st_size == answer["bytes"] > 10 << 20
                    assert oct((backups / answer["name"]).stat().st_mode & 0o777) == oct(0o600)
                    (backups / answer["name"]).unlink()  # collected
            if statuses == [201, 409]:
                break
        assert statuses == [201, 409], statuses

        # Uncollected snapshots are capped; a fifth waits until the old ones expire.
        names = [call_backup(server)[1]["name"] for _ in range(4)]
        assert sorted(p.name for p in backups.iterdir()) == sorted(names)
        status, error = call_backup(server)
        assert status == 429 and "wait to be collected" in error["message"], error

        # The command with a token the server does not have: refused, and says where it came from.
        refused = subprocess.run([os.environ["AITK_SERVER"], "backup", str(tmp_path / "x.db"), "--data-dir", str(data)],
                                 capture_output=True, text=True, timeout=60,
                                 env=dict(os.environ, AITK_ADMIN_TOKEN="not-the-servers-token-0000"))
        assert refused.returncode == 1 and "401" in refused.stderr and "AITK_ADMIN_TOKEN" in refused.stderr, \
            refused.stderr
        assert not (tmp_path / "x.db").exists()
    finally:
        server.stop()


def test_backup_of_a_server_holding_the_database_alone_over_https(tmp_path):
    """With TLS the loopback request still works: the command trusts the certificate the
    server serves, whatever name it carries."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", "server.key", "-out", "server.pem", "-days", "2", "-subj", "/CN=docs.example",
                    "-addext", "subjectAltName=DNS:docs.example"], cwd=tmp_path, check=True, capture_output=True)
    os.chmod(tmp_path / "server.key", 0o600)
    data = tmp_path / "data"
    server = serve(data, "--tls-cert", tmp_path / "server.pem", "--tls-key", tmp_path / "server.key")
    snapshot = tmp_path / "snapshot.db"
    try:
        assert server.scheme == "https"
        backup = run_server("backup", snapshot, "--data-dir", data)
    finally:
        server.stop()
    assert backup.returncode == 0, backup.stderr
    assert "taken by the server at https://127.0.0.1:" in backup.stdout, backup.stdout
    with closing(sqlite3.connect(snapshot)) as conn, conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_an_address_left_by_a_server_that_was_killed_is_not_trusted(tmp_path):
    """A killed server leaves DIR/server.address behind, but no longer holds it: the
    command reads the free database itself instead of sending the token anywhere."""
    data = tmp_path / "data"
    server = serve(data)
    new_project(server)
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait(timeout=15)
    assert (data / "server.address").exists()
    result = run_server("backup", tmp_path / "snap.db", "--data-dir", data)
    assert result.returncode == 0, result.stderr
    assert "taken by the server" not in result.stdout, result.stdout
    with closing(sqlite3.connect(tmp_path / "snap.db")) as conn, conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute('SELECT COUNT(*) FROM "Project"').fetchone()[0] == 1
