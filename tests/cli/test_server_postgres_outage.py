"""aitk-server on PostgreSQL while PostgreSQL goes away and comes back: requests during the
outage answer 503, never 500; once PostgreSQL accepts connections again the server
answers normally within a second, without a restart; and a subscriber on one instance
receives, once and in order, the events committed through another instance while its
LISTEN connection was gone. PostgreSQL is a throwaway cluster started here."""

import collections
import http.client
import json
import threading
import time
import urllib.error
import urllib.request

import pytest

from conftest import ADMIN_TOKEN, Server

def start_server(data_dir, url):
    return Server(data_dir, args=["--database", url, "--threads", "4"]).start()


@pytest.fixture
def servers(tmp_path, cluster):
    a = start_server(tmp_path / "a", cluster.url_a)
    b = start_server(tmp_path / "b", cluster.url)
    yield a, b
    a.stop()
    b.stop()


def request(server, method, path, body=None):
    """(status, start, end) of one admin request; a refused connection counts as 0."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(server.url + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {ADMIN_TOKEN}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    start = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        error.read()
        status = error.code
    except OSError:
        status = 0
    return status, start, time.monotonic()


def new_project(server, name):
    status, p = server.call("POST", "/api/projects", {"name": name, "repoUrl": "https://example.com/r.git"})
    assert status == 201, p
    return p["id"]


class Load:
    """Threads sending doc writes, doc reads and lock grants/releases until stopped."""

    def __init__(self, server, project, lock_project):
        self.outcomes = []
        self.lock = threading.Lock()
        self.stopping = False
        paths = [
            lambda n: ("PUT", f"/api/projects/{project}/docs/w{n % 3}.md", {"content": f"v{n}"}),
            lambda n: ("GET", f"/api/projects/{project}/docs/w0.md", None),
            lambda n: ("POST", f"/api/projects/{lock_project}/lock", {"lockedBy": "load"}) if n % 2 == 0 else
                      ("DELETE", f"/api/projects/{lock_project}/lock?force=true&reason=load", None),
            lambda n: ("GET", f"/api/projects/{project}/lock", None),
        ]
        self.threads = [threading.Thread(target=self._run, args=(server, make)) for make in paths]
        for t in self.threads:
            t.start()

    def _run(self, server, make):
        n = 0
        while not self.stopping:
            status, start, end = request(server, *make(n))
            with self.lock:
                self.outcomes.append((status, start, end))
            if status >= 500 or status == 0:
                time.sleep(0.01)  # a client asked to retry later does not spin
            n += 1

    def stop(self):
        self.stopping = True
        for t in self.threads:
            t.join()
        return self.outcomes


def summarize(outcomes, back):
    counts = collections.Counter(status for status, _, _ in outcomes)
    failed = [(s, start, end) for s, start, end in outcomes if s >= 500 or s == 0]
    after = [end - back for s, start, end in failed if start >= back]
    late = [s for s, start, _ in failed if start > back + 1.0]
    first_ok = min((end - back for s, start, end in outcomes if s < 500 and s != 0 and start >= back), default=None)
    return counts, (max(after) if after else 0.0), late, first_ok


@pytest.mark.parametrize("outage", ["restart", "terminate"])
def test_outage_under_load_answers_503_never_500_and_recovers_within_a_second(servers, cluster, outage):
    a, b = servers
    project = new_project(a, "load")
    lock_project = new_project(a, "locks")
    for n in range(3):
        a.put_doc(project, f"w{n}.md", "v")
    load = Load(a, project, lock_project)
    time.sleep(0.5)
    if outage == "restart":
        cluster.stop_immediately()
        time.sleep(1.0)
        cluster.start()
    else:
        for _ in range(5):
            cluster.sql("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = 'aitk' AND pid <> pg_backend_pid()")
            time.sleep(0.2)
    back = time.monotonic()
    # B had no traffic during the outage: its pooled sessions died idle, and its first
    # request after PostgreSQL is back must not be the one that finds out.
    idle_status, _, _ = request(b, "GET", f"/api/projects/{project}/docs/w0.md")
    time.sleep(2.0)
    outcomes = load.stop()

    counts, recovery, late, first_ok = summarize(outcomes, back)
    print(f"\n[outage] {outage}: {len(outcomes)} requests, by status {dict(sorted(counts.items()))}, "
          f"last failure ended {recovery * 1000:.0f} ms and the first success "
          f"{first_ok * 1000 if first_ok is not None else float('nan'):.0f} ms after PostgreSQL was back")
    unexpected = {s: n for s, n in counts.items() if s not in (200, 201, 409, 503)}
    assert not unexpected, f"statuses other than 2xx, 409 and 503: {unexpected}"
    assert late == [], "requests still failed more than a second after PostgreSQL was back"
    assert idle_status == 200, f"the idle instance's first request after the outage answered {idle_status}"
    status, _, _ = request(a, "PUT", f"/api/projects/{project}/docs/after.md", {"content": "after"})
    assert status in (200, 201)


def sse_ids(server, project, last_event_id, ids, stop):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("GET", f"/api/projects/{project}/events",
                 headers={"Authorization": f"Bearer {ADMIN_TOKEN}", "Last-Event-ID": str(last_event_id)})
    response = conn.getresponse()
    assert response.status == 200
    while not stop.is_set():
        line = response.fp.readline()
        if not line:
            break
        if line.startswith(b"id: "):
            ids.append(int(line[4:]))
    conn.close()


def wait_for(ids, count, seconds):
    deadline = time.monotonic() + seconds
    while len(ids) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return list(ids)


def test_subscriber_gets_events_committed_elsewhere_while_its_listener_was_away(servers, cluster):
    a, b = servers
    project = new_project(b, "shared")
    b.put_doc(project, "a.md", "one")  # seq 1
    time.sleep(0.5)
    ids, stop = [], threading.Event()
    reader = threading.Thread(target=sse_ids, args=(a, project, 1, ids, stop), daemon=True)
    reader.start()
    time.sleep(0.3)

    # A's LISTEN session is terminated and A may not log in again for now; A's pooled
    # sessions stay, and B carries on committing. The LISTEN session is found by its last
    # statement: the LISTEN, or the head sweep it sends every second.
    cluster.sql("postgres", "ALTER ROLE instance_a NOLOGIN")
    killed = cluster.sql("postgres", "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE usename = 'instance_a' AND query IN "
                                     "('LISTEN libsync_events', 'SELECT \"id\", \"eventSeq\" FROM \"Project\"')")
    assert killed.strip() == "1"
    for n in range(2, 7):  # seqs 2..6
        b.put_doc(project, "a.md", f"away {n}")
    time.sleep(0.5)
    assert list(ids) == [], "A heard of B's commits: its listener was not away"

    cluster.sql("postgres", "ALTER ROLE instance_a LOGIN")
    got = wait_for(ids, 5, 3.0)
    assert got == [2, 3, 4, 5, 6], f"A's subscriber got {got} of the events committed while its listener was away"
    b.put_doc(project, "a.md", "live again")  # seq 7, by notice
    wait_for(ids, 6, 3.0)
    time.sleep(0.5)
    stop.set()
    assert list(ids) == [2, 3, 4, 5, 6, 7]
