"""aitk-server and its data directory: the SQLite database is the server's alone unless
both servers ask to share it."""

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import urllib.request

import pytest

from conftest import ADMIN_TOKEN, Server


def test_a_second_server_on_the_same_data_dir_is_refused_at_once(tmp_path):
    first = Server(tmp_path / "data").start()
    try:
        second = subprocess.run(
            [os.environ["AITK_SERVER"], "--data-dir", str(tmp_path / "data"), "--listen", "127.0.0.1:0"],
            env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN), capture_output=True, text=True, timeout=10)
        assert second.returncode == 2
        assert "another process has it open" in second.stderr
        assert "--sqlite-shared" in second.stderr
        # The first server noticed nothing.
        status, body = first.call("GET", "/api/health")
        assert status == 200 and body["status"] == "ok"
    finally:
        first.stop()


def test_servers_started_with_sqlite_shared_serve_one_database(tmp_path):
    first = Server(tmp_path / "data", args=["--sqlite-shared"]).start()
    second = Server(tmp_path / "data", args=["--sqlite-shared"]).start()
    try:
        status, created = first.call("POST", "/api/projects", {"name": "shared", "repoUrl": "https://e.com/r.git"})
        assert status == 201, created
        status, seen = second.call("GET", f"/api/projects/{created['id']}")
        assert status == 200 and seen["name"] == "shared"
    finally:
        second.stop()
        first.stop()


def _hook(server, method, path, key):
    """A hook request as a workstation makes it: the project key only."""
    request = urllib.request.Request(server.url + path, method=method, headers={"X-API-Key": key})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == (201 if method == "POST" else 200)
        return json.loads(response.read().decode())


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_everything_the_server_creates_is_its_owners_alone(tmp_path):
    data = tmp_path / "fresh" / "data"
    # A permissive umask in the caller must not leak into the files.
    server = Server(data)
    old = os.umask(0o022)
    try:
        server.start()
    finally:
        os.umask(old)
    try:
        status, created = server.call("POST", "/api/projects", {"name": "p", "repoUrl": "https://e.com/r.git"})
        assert status == 201, created
        server.put_doc(created["id"], "a.md", "x")
    finally:
        server.stop()
    assert _mode(data) == 0o700
    files = [p for p in data.rglob("*")]
    assert any(p.name == "libsync.db" for p in files)
    for path in files:
        assert _mode(path) & 0o077 == 0, f"{path} has mode {oct(_mode(path))}"
        if path.is_dir():
            assert _mode(path) == 0o700, path


@pytest.mark.parametrize("mode", [0o755, 0o750, 0o701, 0o707])
def test_an_existing_data_dir_open_to_others_is_refused(tmp_path, mode):
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, mode)
    result = subprocess.run(
        [os.environ["AITK_SERVER"], "--data-dir", str(data), "--listen", "127.0.0.1:0"],
        env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN), capture_output=True, text=True, timeout=10)
    assert result.returncode == 2
    assert "open to other users" in result.stderr and f"chmod 700 {data}" in result.stderr
    assert os.listdir(data) == [], "nothing may be created in a folder others can read"


def test_docs_stored_under_unsafe_names_are_named_at_start_and_never_served_to_hooks(tmp_path):
    data = tmp_path / "data"
    server = Server(data).start()
    try:
        status, p = server.call("POST", "/api/projects", {"name": "legacy", "repoUrl": "https://e.com/r.git"})
        assert status == 201, p
        server.put_doc(p["id"], "CLAUDE.md", "# rules\n")
        _, key = server.call("POST", f"/api/projects/{p['id']}/api-keys", {"name": "dev"})
    finally:
        server.stop()
    # What the original platform or an older release may have stored.
    evil = "[core]\n\tfsmonitor = touch /tmp/libsync-pwned\n"
    with sqlite3.connect(data / "libsync.db") as db:
        db.execute('INSERT INTO "Doc" ("id", "projectId", "fileName", "content", "hash", "version", "createdAt", '
                   '"updatedAt") SELECT \'legacy-1\', "projectId", \'.git/config\', ?, ?, 1, "createdAt", "updatedAt" '
                   'FROM "Doc" LIMIT 1', (evil, hashlib.sha256(evil.encode()).hexdigest()))
    db.close()
    server = Server(data).start()
    try:
        said = "".join(server.startup_log)
        assert "'legacy'" in said and p["id"] in said and "'.git/config'" in said, said
        pulled = _hook(server, "POST", f"/api/hook/sync/{p['id']}", key["key"])
        assert [d["fileName"] for d in pulled["docs"]] == ["CLAUDE.md"]
        state = _hook(server, "GET", f"/api/hook/docs/{p['id']}", key["key"])
        assert state["docsCount"] == 1 and state["hash"] == pulled["hash"]
        # Still readable, and removable, through the API.
        status, doc = server.call("GET", f"/api/projects/{p['id']}/docs/.git%2Fconfig")
        assert status == 200 and doc["content"] == evil
        assert server.call("PUT", f"/api/projects/{p['id']}/docs/.git%2Fconfig", {"content": "x"})[0] == 400
        assert server.call("DELETE", f"/api/projects/{p['id']}/docs/.git%2Fconfig")[0] == 200
    finally:
        server.stop()


def test_the_demo_prints_a_workstations_settings_and_aitk_pulls_with_them(tmp_path):
    """The README's first session: the demo's three AI_TOOLKIT_ lines, pasted into
    .env.ai-toolkit in a project folder, are all aitk needs to pull the demo's docs."""
    server = subprocess.Popen(
        [os.environ["AITK_SERVER"], "--data-dir", str(tmp_path / "data"), "--listen", "127.0.0.1:0", "--demo"],
        env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        text=True)
    try:
        settings = []
        for line in server.stdout:
            if line.strip().startswith("AI_TOOLKIT_"):
                settings.append(line.strip())
            if len(settings) == 3:
                break
        assert [s.split("=")[0] for s in settings] == \
            ["AI_TOOLKIT_PLATFORM_URL", "AI_TOOLKIT_API_KEY", "AI_TOOLKIT_PROJECT_ID"], settings
        project = tmp_path / "project"
        project.mkdir()
        (project / ".env.ai-toolkit").write_text("\n".join(settings) + "\n")
        env = {k: v for k, v in os.environ.items() if not k.startswith("AI_TOOLKIT_")}
        pulled = subprocess.run([os.environ["AITK_CLI"], "pull"], cwd=project, env=env, capture_output=True,
                                text=True, timeout=30)
        assert pulled.returncode == 0, pulled.stderr
        assert (project / ".docs" / "CLAUDE.md").read_text().startswith("# Project rules")
        assert (project / ".docs" / "guides" / "style.md").exists()
    finally:
        server.terminate()
        server.wait(timeout=15)
