"""aitk-server keeps no git credential in the clear on disk: the git token, the webhook
secret and a repoUrl's password reach the database sealed, and a repoUrl stored before
its password was sealed apart is sealed when the server starts."""

import contextlib
import sqlite3

from conftest import Server


def _files_holding(data, needles):
    """Each (file, needle) where a file under `data` holds one of `needles`."""
    found = []
    for path in data.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            found += [(path.name, n) for n in needles if n.encode() in content]
    return found


def _stored_url(data):
    with contextlib.closing(sqlite3.connect(data / "libsync.db")) as db:
        return db.execute('SELECT "repoUrl", "repoUrlSecret" FROM "Project"').fetchone()


def test_no_git_credential_reaches_the_disk_in_the_clear(tmp_path):
    data = tmp_path / "data"
    server = Server(data).start()
    password, token, hook_secret = "pw-AT-REST-4711", "ghp_ATREST0815", "whsec-AT-REST-0123456789"
    try:
        status, created = server.call("POST", "/api/projects", {
            "name": "r", "repoUrl": f"https://ci:{password}@git.example/acme/r.git", "token": token,
            "webhookSecret": hook_secret})
        assert status == 201, created
        assert created["repoUrl"] == "https://ci:***@git.example/acme/r.git"
        status, updated = server.call("PUT", f"/api/projects/{created['id']}", {"name": "renamed"})
        assert status == 200, updated
    finally:
        server.stop()
    assert _files_holding(data, [password, token, hook_secret]) == []
    url, sealed = _stored_url(data)
    assert url == "https://ci:***@git.example/acme/r.git"
    assert sealed.startswith("v1:")


def test_a_repo_url_password_stored_in_the_clear_is_sealed_at_start(tmp_path):
    data = tmp_path / "data"
    server = Server(data).start()
    try:
        status, created = server.call("POST", "/api/projects", {"name": "r", "repoUrl": "https://git.example/r.git"})
        assert status == 201, created
    finally:
        server.stop()
    # As a server before the rule stored it: the password in the URL itself.
    old = "https://ci:pw-FROM-BEFORE-99@git.example/r.git"
    with contextlib.closing(sqlite3.connect(data / "libsync.db")) as db, db:
        db.execute('UPDATE "Project" SET "repoUrl" = ?, "repoUrlSecret" = \'\'', (old,))
    assert _files_holding(data, ["pw-FROM-BEFORE-99"]), "the check below would find it"

    server.start()
    try:
        assert "sealed the password of 1 stored repoUrl(s)" in "".join(server.startup_log)
        status, got = server.call("GET", f"/api/projects/{created['id']}")
        assert status == 200 and got["repoUrl"] == "https://ci:***@git.example/r.git", got
    finally:
        server.stop()
    assert _stored_url(data)[0] == "https://ci:***@git.example/r.git"
    # Its old bytes zeroed in the page that held them, not left in the file's free space.
    assert _files_holding(data, ["pw-FROM-BEFORE-99"]) == []

    logged_before = len(server.startup_log)
    server.start()
    try:
        assert "sealed the password" not in "".join(server.startup_log[logged_before:]), "sealed once"
    finally:
        server.stop()
