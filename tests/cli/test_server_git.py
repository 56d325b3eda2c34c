"""aitk-server's git routes against remotes that misbehave: a loopback TCP server that
accepts and never answers, local repositories, locked projects, tokens over plain http."""

import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from conftest import ADMIN_TOKEN, Server


class HungRemote:
    """Accepts connections, reads whatever arrives, and never answers."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.clients = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            self.clients.append(client)

    def url(self, name="docs"):
        return f"http://127.0.0.1:{self.port}/acme/{name}.git"

    def wait_for_connections(self, count, timeout=10):
        deadline = time.time() + timeout
        while self.connections < count and time.time() < deadline:
            time.sleep(0.02)
        assert self.connections >= count, f"{self.connections} connections, expected {count}"

    def close(self):
        self.listener.close()
        for client in self.clients:
            client.close()


@pytest.fixture
def hung():
    remote = HungRemote()
    yield remote
    remote.close()


@pytest.fixture
def start_server(tmp_path):
    servers = []

    def start(*args):
        server = Server(tmp_path / f"data{len(servers)}", args=args).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def bare_repo_with_docs(path):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    bare, work = path / "remote.git", path / "work"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True, env=env)
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True, env=env)
    (work / "docs").mkdir()
    (work / "docs" / "a.md").write_text("# A\n")
    for command in (["add", "."], ["commit", "-q", "-m", "docs"], ["push", "-q", str(bare), "HEAD:main"]):
        subprocess.run(["git", "-C", str(work), *command], check=True, env=env, capture_output=True)
    return bare


def create_project(server, repo_url, **fields):
    status, project = server.call("POST", "/api/projects", {"name": "p", "repoUrl": repo_url, **fields})
    assert status == 201, project
    return project["id"]


def post(server, path, timeout=30, headers=None):
    """POST with the admin token and an empty JSON body, waiting up to `timeout` seconds
    (the fixture's own call gives up after 10); returns (status, parsed JSON)."""
    request = urllib.request.Request(server.url + path, data=b"{}", method="POST")
    request.add_header("Authorization", f"Bearer {ADMIN_TOKEN}")
    request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read().decode() or "null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode() or "null")


def sync(server, project, timeout=30):
    """POST .../docs/sync; returns (status, body, seconds taken)."""
    started = time.monotonic()
    status, body = post(server, f"/api/projects/{project}/docs/sync", timeout)
    return status, body, time.monotonic() - started


def test_a_sync_through_a_hung_remote_answers_504_and_applies_nothing(start_server, hung):
    server = start_server("--git-timeout", "1")
    project = create_project(server, hung.url())
    server.put_doc(project, "a.md", "local\n")
    status, body, took = sync(server, project)
    assert status == 504, body
    assert body["code"] == "DeadlineExceeded"
    assert "no progress for 1 s" in body["message"] and "nothing was imported" in body["message"]
    assert 0.9 <= took < 5, took
    assert hung.connections == 1
    _, doc = server.call("GET", f"/api/projects/{project}/docs/a.md")
    assert doc["version"] == 1 and doc["content"] == "local\n"
    _, shown = server.call("GET", f"/api/projects/{project}")
    assert shown["lastSyncedCommit"] is None and shown["syncedAt"] is None
    # An export stops at its import's fetch, and pushes nothing either.
    status, body = post(server, f"/api/projects/{project}/push")
    assert status == 504, body


def test_a_hung_remote_does_not_delay_another_projects_sync(start_server, hung, tmp_path):
    server = start_server("--git-timeout", "5", "--git-allow-local")
    stuck = create_project(server, hung.url())
    healthy = create_project(server, str(bare_repo_with_docs(tmp_path)))
    results = []
    threads = [threading.Thread(target=lambda: results.append(sync(server, stuck))) for _ in range(2)]
    for t in threads:
        t.start()
    hung.wait_for_connections(1)
    time.sleep(0.3)  # both syncs of the hung project have reached the server
    status, body, took = sync(server, healthy)
    assert status == 200, body
    assert body["imported"] == ["a.md"]
    assert took < 2, f"the healthy project's sync waited {took:.1f} s"
    for t in threads:
        t.join()
    statuses = sorted(status for status, _, _ in results)
    assert statuses == [503, 504], results  # the second sync of the hung project: "already running"
    assert hung.connections == 1


def test_shutdown_with_hung_transfers_ends_within_the_grace_period(start_server, hung):
    server = start_server("--git-timeout", "600")
    projects = [create_project(server, hung.url(f"docs{i}")) for i in range(2)]
    results = []
    threads = [threading.Thread(target=lambda p=p: results.append(sync(server, p, timeout=20))) for p in projects]
    for t in threads:
        t.start()
    hung.wait_for_connections(2)  # every git thread now waits on the hung remote
    started = time.monotonic()
    server.proc.send_signal(signal.SIGTERM)
    # The server's own shutdown ends with this line; what a sanitized build does after it
    # (the leak check, symbolizing what it suppresses) took up to 1.8 s more on a busy machine.
    log = server.wait_for_log("aitk-server: stopped", timeout=20)
    took = time.monotonic() - started
    server.proc.wait(timeout=20)
    assert server.proc.returncode == 0, server.log()[-3000:]
    assert "aitk-server: stopped" in log, log[-3000:]
    assert took < 10.5, f"shutdown took {took:.1f} s with hung transfers"
    for t in threads:
        t.join()
    assert sorted(status for status, _, _ in results) == [503, 503], results
    assert all("shutting down" in body["message"] for _, body, _ in results)


def test_a_repository_file_name_that_is_no_utf8_is_reported_as_text(start_server, tmp_path):
    # A repository may hold any bytes in a name; the import skips such a file and its
    # report, like every answer, is UTF-8 JSON (server.call decodes it strictly).
    bare = bare_repo_with_docs(tmp_path)
    work = tmp_path / "work"
    with open(os.path.join(bytes(work), b"docs", b"bad\xff.md"), "wb") as f:
        f.write(b"# bad name\n")
    for command in (["add", "."], ["commit", "-q", "-m", "a name that is no UTF-8"], ["push", "-q", str(bare), "HEAD:main"]):
        git_in(work, *command)
    server = start_server("--git-allow-local")
    project = create_project(server, str(bare))
    status, report = server.call("POST", f"/api/projects/{project}/docs/sync", {})
    assert status == 200, report
    assert report["imported"] == ["a.md"], report
    assert [s["fileName"] for s in report["skipped"]] == ["bad\ufffd.md"], report


def test_local_remotes_need_git_allow_local_and_answer_alike_whether_or_not_they_exist(start_server, tmp_path):
    bare = bare_repo_with_docs(tmp_path)
    server = start_server()
    messages = set()
    for url in (str(bare), f"file://{bare}", str(tmp_path / "missing.git"), "/etc"):
        project = create_project(server, url)
        status, body, _ = sync(server, project)
        assert status == 400, (url, body)
        messages.add(body["message"])
    assert len(messages) == 1, messages
    assert "server's own disk" in messages.pop()
    allowed = start_server("--git-allow-local")
    status, body, _ = sync(allowed, create_project(allowed, str(bare)))
    assert status == 200 and body["imported"] == ["a.md"], body


def test_a_token_never_travels_over_plain_http(start_server, hung):
    server = start_server("--git-timeout", "1")
    project = create_project(server, hung.url(), token="ghp_PLAINTEXTTOKEN")
    for path in (f"/api/projects/{project}/docs/sync", f"/api/projects/{project}/push",
                 f"/api/projects/{project}/docs/a.md/push"):
        status, body = post(server, path, 10)
        assert status == 400, (path, body)
        assert "plain http://" in body["message"] and "ghp_" not in body["message"]
    assert hung.connections == 0


def test_a_locked_project_answers_423_before_reaching_the_remote(start_server, hung):
    server = start_server("--git-timeout", "1")
    project = create_project(server, hung.url())
    status, lock = server.call("POST", f"/api/projects/{project}/lock", {"lockedBy": "lead"})
    assert status in (200, 201), lock
    for path in (f"/api/projects/{project}/docs/sync", f"/api/projects/{project}/push"):
        status, body = post(server, path, 10)
        assert status == 423, (path, body)
    assert hung.connections == 0
    status, body = post(server, f"/api/projects/{project}/docs/sync", 10, {"X-Lock-Token": lock["token"]})
    assert status == 504, body  # with the token the sync goes ahead, to the hung remote


@pytest.mark.parametrize("value", ["0", "3601", "ten", ""])
def test_git_timeout_must_be_a_number_of_seconds_in_range(tmp_path, value):
    done = subprocess.run([os.environ["AITK_SERVER"], "--data-dir", str(tmp_path), "--listen", "127.0.0.1:0",
                           f"--git-timeout={value}"], capture_output=True, text=True, timeout=30,
                          env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN))
    assert done.returncode == 2, done.stderr
    assert "--git-timeout must be a whole number from 1 to 3600" in done.stderr


def ls_tree(bare):
    listing = subprocess.run(["git", "-C", str(bare), "ls-tree", "-r", "--name-only", "main"],
                             check=True, capture_output=True, text=True)
    return listing.stdout.split()


def test_a_doc_deleted_here_is_deleted_from_the_repository_by_the_next_push(start_server, tmp_path):
    bare = bare_repo_with_docs(tmp_path)
    server = start_server("--git-allow-local")
    project = create_project(server, str(bare))
    server.put_doc(project, "b.md", "# B\n")
    assert post(server, f"/api/projects/{project}/push")[0] == 200
    assert ls_tree(bare) == ["docs/a.md", "docs/b.md"]
    assert server.call("DELETE", f"/api/projects/{project}/docs/a.md")[0] == 200
    # An import in between must not bring it back from the repository.
    status, body, _ = sync(server, project)
    assert status == 200 and body["imported"] == [] and body["conflicts"] == [], body
    status, body = post(server, f"/api/projects/{project}/push")
    assert status == 200 and body["deleted"] == ["a.md"] and body["pushed"] == [], body
    assert ls_tree(bare) == ["docs/b.md"]
    status, body = post(server, f"/api/projects/{project}/push")
    assert status == 200 and body["deleted"] == [], body


def test_a_deleted_projects_copy_of_its_repository_leaves_the_servers_disk(start_server, tmp_path):
    bare = bare_repo_with_docs(tmp_path)
    server = start_server("--git-allow-local")
    project, kept = create_project(server, str(bare)), create_project(server, str(bare))
    for p in (project, kept):
        assert sync(server, p)[0] == 200
    copy, kept_copy = server.data_dir / "git" / f"{project}.git", server.data_dir / "git" / f"{kept}.git"
    assert copy.is_dir() and kept_copy.is_dir()
    assert server.call("DELETE", f"/api/projects/{project}")[0] in (200, 204)
    deadline = time.monotonic() + 10
    while copy.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not copy.exists(), "the deleted project's repository is still on the server's disk"
    assert kept_copy.is_dir() and sync(server, kept)[0] == 200


def git_in(work, *args):
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    return subprocess.run(["git", "-C", str(work), *args], check=True, env=env, capture_output=True, text=True).stdout


def test_conflicts_are_listed_and_a_put_with_resolves_settles_them(start_server, tmp_path):
    bare = bare_repo_with_docs(tmp_path)
    work = tmp_path / "work"
    server = start_server("--git-allow-local")
    project = create_project(server, str(bare))
    assert sync(server, project)[0] == 200
    server.put_doc(project, "a.md", "# A, ours\n")
    (work / "docs" / "a.md").write_text("# A, theirs\n")
    git_in(work, "commit", "-q", "-am", "theirs")
    git_in(work, "push", "-q", str(bare), "HEAD:main")
    status, body, _ = sync(server, project)
    assert status == 200 and [c["fileName"] for c in body["conflicts"]] == ["a.md"], body

    status, conflicts = server.call("GET", f"/api/projects/{project}/conflicts")
    assert status == 200 and len(conflicts) == 1, conflicts
    c = conflicts[0]
    assert (c["baseContent"], c["localContent"], c["remoteContent"]) == ("# A\n", "# A, ours\n", "# A, theirs\n"), c
    assert len(c["remoteBlobId"]) == 40 and len(c["baseBlobId"]) == 40 and c["localVersion"] == 2, c
    status, refused = post(server, f"/api/projects/{project}/push")
    assert status == 412 and "a.md" in refused["message"], refused

    doc = f"/api/projects/{project}/docs/a.md"
    assert server.call("PUT", doc, {"content": "x", "resolves": "HEAD"})[0] == 400
    assert server.call("PUT", doc, {"content": "x", "resolves": c["baseBlobId"]})[0] == 412
    assert server.call("GET", doc)[1]["content"] == "# A, ours\n"
    status, written = server.call("PUT", doc, {"content": "# A, both\n", "resolves": c["remoteBlobId"]})
    assert status == 200, written
    assert server.call("GET", f"/api/projects/{project}/conflicts") == (200, [])

    status, body, _ = sync(server, project)
    assert status == 200 and body["conflicts"] == [] and body["unchanged"] == ["a.md"], body
    status, body = post(server, f"/api/projects/{project}/push")
    assert status == 200 and body["pushed"] == ["a.md"], body
    assert git_in(bare, "show", "main:docs/a.md") == "# A, both\n"


WEBHOOK_SECRET = "webhook-secret-0123456789"


def webhook(server, project, body, headers):
    """POST a webhook delivery as a repository host would: no credentials but its signature."""
    request = urllib.request.Request(f"{server.url}/api/projects/{project}/git/webhook", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read().decode())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode() or "null")


def github_headers(body, event="push", secret=WEBHOOK_SECRET, delivery=None):
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": event, "X-Hub-Signature-256": f"sha256={signature}"}
    if delivery:
        headers["X-GitHub-Delivery"] = delivery
    return headers


def push_to(work, bare, text):
    (work / "docs" / "a.md").write_text(text)
    git_in(work, "commit", "-q", "-am", "change")
    git_in(work, "push", "-q", str(bare), "HEAD:main")


def wait_for_import_result(server, project, result, timeout=10):
    """The project's sync status once its last import ended with `result`."""
    deadline = time.monotonic() + timeout
    while True:
        shown = server.call("GET", f"/api/projects/{project}")[1]["sync"]
        if shown["lastImport"] and shown["lastImport"]["result"] == result:
            return shown
        assert time.monotonic() < deadline, f"the last import did not end {result}: {shown}"
        time.sleep(0.05)


def wait_for_content(server, project, text, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.call("GET", f"/api/projects/{project}/docs/a.md")[1]["content"] == text:
            return True
        time.sleep(0.05)
    return False


def test_signed_push_webhooks_import_and_unsigned_ones_are_refused_and_counted(start_server, tmp_path):
    bare = bare_repo_with_docs(tmp_path)
    work = tmp_path / "work"
    server = start_server("--git-allow-local")
    project = create_project(server, str(bare), webhookSecret=WEBHOOK_SECRET)
    status, shown = server.call("GET", f"/api/projects/{project}")
    assert shown["hasWebhookSecret"] is True and WEBHOOK_SECRET not in json.dumps(shown), shown
    assert sync(server, project)[0] == 200

    push_to(work, bare, "# A, forged\n")
    body = b'{"ref":"refs/heads/main"}'
    status, refused = webhook(server, project, body, github_headers(body, secret="not-the-secret-0123456789"))
    assert status == 401, refused
    assert webhook(server, project, body, {"X-GitHub-Event": "push"})[0] == 401
    time.sleep(0.5)
    assert server.call("GET", f"/api/projects/{project}/docs/a.md")[1]["content"] == "# A\n"
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as response:
        metrics = response.read().decode()
    assert "libsync_webhook_signature_failures_total 2" in metrics, metrics

    status, answer = webhook(server, project, body, github_headers(body, delivery="d-1"))
    assert status == 202 and answer == {"accepted": True, "import": "started"}, answer
    assert wait_for_content(server, project, "# A, forged\n")
    # The same delivery again is acknowledged and does nothing; so are pings and other branches.
    assert webhook(server, project, body, github_headers(body, delivery="d-1")) == (
        200, {"accepted": False, "reason": "delivery d-1 was received before"})
    assert webhook(server, project, b"{}", github_headers(b"{}", event="ping"))[0] == 200
    other = b'{"ref":"refs/heads/feature"}'
    assert webhook(server, project, other, github_headers(other))[1]["accepted"] is False

    push_to(work, bare, "# A, via GitLab\n")
    status, _ = webhook(server, project, body, {"X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": WEBHOOK_SECRET})
    assert status == 202
    assert wait_for_content(server, project, "# A, via GitLab\n")
    push_to(work, bare, "# A, via Gitea\n")
    signature = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    status, _ = webhook(server, project, body, {"X-Gitea-Event": "push", "X-Gitea-Signature": signature})
    assert status == 202
    assert wait_for_content(server, project, "# A, via Gitea\n")
    # Forgejo set to send only its own header names: the event, the signature and the
    # delivery id (a replay of it does nothing).
    push_to(work, bare, "# A, via Forgejo\n")
    forgejo = {"X-Forgejo-Event": "push", "X-Forgejo-Signature": signature, "X-Forgejo-Delivery": "f-1"}
    assert webhook(server, project, body, forgejo)[0] == 202
    assert wait_for_content(server, project, "# A, via Forgejo\n")
    assert webhook(server, project, body, forgejo) == (200, {"accepted": False, "reason": "delivery f-1 was received before"})
    # A body naming two branches is refused, signed or not, and starts nothing.
    push_to(work, bare, "# A, two refs\n")
    twice = b'{"ref":"refs/heads/other","ref":"refs/heads/main"}'
    status, refused = webhook(server, project, twice, github_headers(twice, delivery="d-twice"))
    assert status == 400 and "'ref' more than once" in refused["message"], refused
    # GitHub's default content type sends the JSON form-encoded: the answer says what to set.
    form = b"payload=" + urllib.parse.quote_plus(body.decode()).encode()
    status, refused = webhook(server, project, form, github_headers(form, delivery="d-form"))
    assert status == 400 and "content type to application/json" in refused["message"], refused
    time.sleep(0.5)
    assert server.call("GET", f"/api/projects/{project}/docs/a.md")[1]["content"] == "# A, via Forgejo\n"

    plain = create_project(server, str(bare))
    assert webhook(server, plain, body, github_headers(body))[0] == 403

    # How the imports went is on the project and in /metrics.
    shown = server.call("GET", f"/api/projects/{project}")[1]
    assert shown["sync"]["lastImport"]["result"] == "ok" and len(shown["sync"]["lastImport"]["commit"]) == 40, shown
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as response:
        metrics = response.read().decode()
    ok_imports = [line for line in metrics.splitlines()
                  if line.startswith('libsync_git_syncs_total{direction="import",result="ok"}')]
    assert ok_imports and int(ok_imports[0].split()[-1]) >= 5, metrics


def push_while_locked(start_server, tmp_path, text):
    """A synced project, locked by the lead, and a push of `text` to docs/a.md announced by
    a signed webhook, which the lock refuses: the project then waits for the lock.
    Returns (server, project, lock)."""
    bare = bare_repo_with_docs(tmp_path)
    server = start_server("--git-allow-local")
    project = create_project(server, str(bare), webhookSecret=WEBHOOK_SECRET)
    assert sync(server, project)[0] == 200
    status, lock = server.call("POST", f"/api/projects/{project}/lock", {"lockedBy": "lead"})
    assert status in (200, 201), lock
    push_to(tmp_path / "work", bare, text)
    body = b'{"ref":"refs/heads/main"}'
    status, answer = webhook(server, project, body, github_headers(body, delivery="locked-1"))
    assert status == 202 and answer["import"] == "started", answer
    # The import is refused: the doc keeps its text while the lock holds, and the project
    # says the import waits for the lock (no error: there is nothing to act on).
    sync_status = wait_for_import_result(server, project, "waiting")
    assert sync_status["lastError"] is None, sync_status
    assert server.call("GET", f"/api/projects/{project}/docs/a.md")[1]["content"] == "# A\n"
    return server, project, lock


def test_a_push_webhook_refused_for_the_lock_is_imported_when_the_lock_is_released(start_server, tmp_path):
    server, project, lock = push_while_locked(start_server, tmp_path, "# A, pushed while the lead edits\n")

    status, _ = server.call("DELETE", f"/api/projects/{project}/lock", headers={"X-Lock-Token": lock["token"]})
    assert status in (200, 204)
    # No second push: the release alone brings the change.
    assert wait_for_content(server, project, "# A, pushed while the lead edits\n")
    assert wait_for_import_result(server, project, "ok")["lastError"] is None


def test_an_import_waiting_for_the_lock_survives_a_server_restart(start_server, tmp_path):
    server, project, lock = push_while_locked(start_server, tmp_path, "# A, pushed before the restart\n")

    # The server that held the wait stops; the one after it takes the wait up again.
    server.stop()
    server.start()
    assert server.call("GET", f"/api/projects/{project}/docs/a.md")[1]["content"] == "# A\n"
    status, _ = server.call("DELETE", f"/api/projects/{project}/lock", headers={"X-Lock-Token": lock["token"]})
    assert status in (200, 204)
    assert wait_for_content(server, project, "# A, pushed before the restart\n")
    assert wait_for_import_result(server, project, "ok")["lastError"] is None


def test_polling_is_set_per_project_and_scheduled_by_the_server(start_server, tmp_path):
    bare = bare_repo_with_docs(tmp_path)
    server = start_server("--git-allow-local")
    project = create_project(server, str(bare))
    assert server.call("GET", f"/api/projects/{project}")[1]["syncIntervalSeconds"] == 0
    for refused in (10, -1):
        status, body = server.call("PUT", f"/api/projects/{project}", {"syncIntervalSeconds": refused})
        assert status == 400 and "0 (no polling) or 30 to 604800" in body["message"], body
    assert server.call("PUT", f"/api/projects/{project}", {"syncIntervalSeconds": "30"})[0] == 400
    status, updated = server.call("PUT", f"/api/projects/{project}", {"syncIntervalSeconds": 30})
    assert status == 200 and updated["syncIntervalSeconds"] == 30, updated
    # The server's poller claims the project at once (it was never polled) and imports
    # the branch, whose head differs from the never-synced project's.
    deadline = time.monotonic() + 10
    shown = updated
    while time.monotonic() < deadline:
        shown = server.call("GET", f"/api/projects/{project}")[1]
        if shown["sync"]["nextPollAt"] and shown["sync"]["lastImport"]:
            break
        time.sleep(0.1)
    assert shown["sync"]["nextPollAt"] is not None, shown
    assert shown["sync"]["lastImport"]["result"] == "ok", shown
    assert server.call("GET", f"/api/projects/{project}/docs/a.md")[1]["content"] == "# A\n"
