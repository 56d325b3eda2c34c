"""The doc GET answered from memory (libsync::HookCache), against real aitk-servers.

A read through an API key may be answered from the cache on the network thread, so these
check what the cache must never get wrong: a write through this server is seen by every
read that starts after the write answered, even while other threads read and write the
same doc; a revoked key and a deleted doc or project are refused on the very next request;
names that only look like a cached doc's name never get its text; and with two servers on
one PostgreSQL, a change made elsewhere shows within --hook-staleness and not before."""

import hashlib
import http.client
import json
import os
import sqlite3
import threading
import time
import urllib.parse

import pytest

from conftest import ADMIN_TOKEN, Server


class Connection:
    """One kept-alive connection, as a hook script or a browser holds it."""

    def __init__(self, port, key=None):
        self.port = port
        self.key = key
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def request(self, method, path, body=None):
        """(status, parsed JSON or None, headers) of one request."""
        headers = {"X-API-Key": self.key} if self.key else {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                response = self.conn.getresponse()
                text = response.read().decode()
                if response.getheader("connection", "").lower() == "close":
                    self.conn.close()
                return response.status, (json.loads(text) if text else None), response
            except (ConnectionError, http.client.HTTPException):
                # The server may close a kept-alive connection between requests; one
                # retry on a fresh one, never more (a real failure still fails).
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        self.conn.close()


def doc_path(project, name):
    return f"/api/projects/{project}/docs/{urllib.parse.quote(name, safe='')}"


def sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def new_key(server, project, scope="read"):
    status, created = server.call("POST", f"/api/projects/{project}/api-keys", {"name": "k", "scope": scope})
    assert status == 201, created
    return created["key"], created["id"]


def run_threads(targets):
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a client thread hung"


def test_every_read_after_a_write_answered_sees_it_while_others_write_and_read(server, project):
    pid, name = project["id"], "live.md"
    server.put_doc(pid, name, "v0\n")
    lock = threading.Lock()
    acked = {"version": 0}  # the highest version whose PUT has answered
    written = {}  # version -> content
    seen = []  # (floor, version, content, hash, etag) per read
    failures = []
    deadline = time.monotonic() + 3.0

    def writer(w):
        c = Connection(server.port, project["write_key"])
        n = 0
        while time.monotonic() < deadline:
            content = f"writer {w} edit {n}\n" * 40
            status, body, _ = c.request("PUT", doc_path(pid, name), {"content": content})
            if status not in (200, 201):
                failures.append(f"PUT {status} {body}")
                return
            with lock:
                written[body["version"]] = content
                acked["version"] = max(acked["version"], body["version"])
            n += 1
        c.close()

    def reader():
        c = Connection(server.port, project["read_key"])
        while time.monotonic() < deadline:
            with lock:
                floor = acked["version"]
            status, body, response = c.request("GET", doc_path(pid, name))
            if status != 200:
                failures.append(f"GET {status} {body}")
                return
            seen.append((floor, body["version"], body["content"], body["hash"], response.getheader("etag")))
        c.close()

    run_threads([lambda w=w: writer(w) for w in range(3)] + [reader for _ in range(5)])
    assert not failures, failures[:3]
    assert len(written) >= 20 and len(seen) >= 200, (len(written), len(seen))
    stale = [(floor, version) for floor, version, *_ in seen if version < floor]
    assert not stale, f"{len(stale)} reads older than a write that had answered before they began: {stale[:5]}"
    for _, version, content, digest, etag in seen:
        assert digest == sha256(content)
        assert etag == f'"v{version}"', etag
        if version in written:
            assert content == written[version], f"version {version} answered with another version's text"


def test_a_revoked_key_is_refused_on_its_next_read_while_others_read_the_cached_doc(server, project):
    pid, name = project["id"], "CLAUDE.md"
    for round_number in range(3):
        key, key_id = new_key(server, pid)
        warm = Connection(server.port, key)
        for _ in range(3):
            assert warm.request("GET", doc_path(pid, name))[0] == 200
        revoked_at = {"t": float("inf")}
        results = []  # (start, status) for the revoked key
        failures = []
        stop = threading.Event()

        def hammer(k, record):
            c = Connection(server.port, k)
            while not stop.is_set():
                start = time.monotonic()
                status = c.request("GET", doc_path(pid, name))[0]
                if record:
                    results.append((start, status))
                elif status != 200:
                    failures.append(f"another key got {status}")
            c.close()

        threads = [threading.Thread(target=hammer, args=(key, True)) for _ in range(3)]
        threads += [threading.Thread(target=hammer, args=(project["read_key"], False)) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        status, body = server.call("DELETE", f"/api/projects/api-keys/{key_id}")
        assert status in (200, 204), body
        revoked_at["t"] = time.monotonic()
        next_status, body, _ = warm.request("GET", doc_path(pid, name))
        assert next_status == 401, f"round {round_number}: the revoked key read {body}"
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=30)
        warm.close()
        assert not failures, failures[:3]
        after = [s for start, s in results if start > revoked_at["t"]]
        assert after and all(s == 401 for s in after), f"round {round_number}: {sorted(set(after))}"
        assert any(s == 200 for start, s in results if start < revoked_at["t"]), "the key never read before"


def test_a_deleted_doc_and_a_deleted_project_are_gone_on_the_next_read(server, project):
    pid = project["id"]
    server.put_doc(pid, "gone.md", "soon gone\n")
    stop = threading.Event()
    deleted_at = {"t": float("inf")}
    results = []

    def hammer():
        c = Connection(server.port, project["read_key"])
        while not stop.is_set():
            start = time.monotonic()
            results.append((start, c.request("GET", doc_path(pid, "gone.md"))[0]))
        c.close()

    threads = [threading.Thread(target=hammer) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    status, _ = server.call("DELETE", doc_path(pid, "gone.md"))
    assert status in (200, 204)
    deleted_at["t"] = time.monotonic()
    reader = Connection(server.port, project["read_key"])
    assert reader.request("GET", doc_path(pid, "gone.md"))[0] == 404
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert any(s == 200 for start, s in results if start < deleted_at["t"])
    after = [s for start, s in results if start > deleted_at["t"]]
    assert after and set(after) == {404}, sorted(set(after))

    for _ in range(3):
        assert reader.request("GET", doc_path(pid, "CLAUDE.md"))[0] == 200
    assert server.call("DELETE", f"/api/projects/{pid}")[0] in (200, 204)
    status, body, _ = reader.request("GET", doc_path(pid, "CLAUDE.md"))
    assert status in (401, 404), f"a deleted project's doc was answered: {status} {body}"
    reader.close()


def test_names_that_only_look_like_a_cached_docs_never_get_its_text(server, project):
    pid, key = project["id"], project["read_key"]
    server.put_doc(pid, "sub/history", "a doc named like a sub-route\n")
    other_status, other = server.call("POST", "/api/projects", {"name": "other", "repoUrl": "https://e.com/o.git"})
    assert other_status == 201
    other_key, _ = new_key(server, other["id"])
    c = Connection(server.port, key)
    prefix = f"/api/projects/{pid}/docs/"
    for path in ("CLAUDE.md", "guides/style.md", "sub%2Fhistory"):
        for _ in range(2):  # the second read is answered from memory
            assert c.request("GET", prefix + path)[0] == 200, path

    assert c.request("GET", prefix + "guides%2Fstyle.md")[1]["content"] == "Use tabs.\n"
    assert c.request("GET", prefix + "guides%2fstyle.md")[1]["content"] == "Use tabs.\n"
    assert c.request("GET", prefix + "sub%2Fhistory")[1]["content"] == "a doc named like a sub-route\n"
    refused = {
        "claude.md": (404,), "CLAUDE.MD": (404,), "CLAUDE.md/": (400, 404), "./CLAUDE.md": (400, 404),
        "guides/../CLAUDE.md": (400, 404), "..%2FCLAUDE.md": (400, 404), "guides%2F..%2FCLAUDE.md": (400, 404),
        "CLAUDE.md%00": (400,), "%00CLAUDE.md": (400,), "CLAUDE.md%": (400,), "guides//style.md": (400, 404),
        "/CLAUDE.md": (400, 404), "%2FCLAUDE.md": (400, 404), "guides\\style.md": (400, 404),
        "guides%5Cstyle.md": (400, 404), "x" * 300 + ".md": (400,), "/".join(["d"] * 40) + "/CLAUDE.md": (400, 404),
        "sub/history": (404,),  # the history of a doc "sub", which does not exist
    }
    for path, allowed in refused.items():
        status, body, _ = c.request("GET", prefix + path)
        assert status in allowed, f"{path!r}: {status} {body}"
        assert not (body and "content" in body), f"{path!r} was answered with a doc"
    # Another project's key, for this project's cached doc, and with the id spelled otherwise.
    foreign = Connection(server.port, other_key)
    for target in (prefix + "CLAUDE.md", f"/api/projects/{pid.upper()}/docs/CLAUDE.md",
                   f"/api/projects/{urllib.parse.quote(pid, safe='').replace('-', '%2D')}/docs/CLAUDE.md"):
        status, body, _ = foreign.request("GET", target)
        assert status == 404, f"{target}: {status} {body}"
    foreign.close()
    assert c.request("GET", prefix + "CLAUDE.md")[1]["content"] == "# Project\n"
    c.close()
    assert server.proc.poll() is None


def sanitized(binary):
    """ASan's shadow memory and quarantine make a resident-size bound meaningless."""
    # GCC links the runtime as a shared library, clang into the binary: either way the
    # instrumented code calls its initializer by name.
    with open(binary, "rb") as f:
        image = f.read()
    return b"__asan_init" in image or b"__tsan_init" in image


def resident_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_ten_thousand_docs_of_4_kb_read_once_stay_within_64_mb_resident(tmp_path):
    """docs/http.md, "The hook cache": the cache's byte budget holds 10,000 docs of 4 KB
    and keeps the server under 64 MB resident. The docs are written into the SQLite file
    directly (10,000 PUTs would take most of a minute), each read once through the doc GET."""
    if sanitized(os.environ["AITK_SERVER"]):
        pytest.skip("a sanitized build's resident size says nothing about the server's own")
    data = tmp_path / "data"
    s = Server(data).start()
    status, p = s.call("POST", "/api/projects", {"name": "big", "repoUrl": "https://example.com/r.git"})
    assert status == 201
    pid = p["id"]
    s.put_doc(pid, "template.md", "t")
    key, _ = new_key(s, pid)
    s.stop()
    files = [f for f in data.rglob("*") if f.is_file() and f.read_bytes()[:16] == b"SQLite format 3\x00"]
    assert len(files) == 1, files
    db = sqlite3.connect(files[0])
    columns = [row[1] for row in db.execute('PRAGMA table_info("Doc")')]
    template = dict(zip(columns, db.execute('SELECT * FROM "Doc" WHERE "fileName" = ?', ("template.md",)).fetchone()))
    rows = []
    for n in range(10000):
        content = (f"doc {n:05d} " * 410)[:4096]
        row = dict(template, id=f"bulk-{n:05d}", fileName=f"bulk/{n:05d}.md", content=content, hash=sha256(content))
        rows.append(tuple(row[c] for c in columns))
    db.executemany(f'INSERT INTO "Doc" ({", ".join(chr(34) + c + chr(34) for c in columns)}) '
                   f'VALUES ({", ".join("?" * len(columns))})', rows)
    db.commit()
    db.close()
    s = Server(data).start()
    try:
        failures = []

        def read_share(first):
            c = Connection(s.port, key)
            for n in range(first, 10000, 4):
                status, body, _ = c.request("GET", doc_path(pid, f"bulk/{n:05d}.md"))
                if status != 200 or len(body["content"]) != 4096:
                    failures.append(f"bulk/{n:05d}.md: {status}")
                    return
            c.close()

        run_threads([lambda i=i: read_share(i) for i in range(4)])
        assert not failures, failures[:3]
        rss = resident_kib(s.proc.pid)
        assert rss <= 64 * 1024, f"{rss} KiB resident after 10,000 docs of 4 KB read once"
    finally:
        s.stop()
