"""The Python module `libsync` on every store: the same behaviour as the C++ API."""

import datetime
import json
import os
import subprocess
import threading

import pytest

import libsync
from conftest import tool_env


@pytest.fixture
def lib(database):
    return libsync.open(database)


@pytest.fixture
def project(lib):
    return lib.projects.create("demo", "https://example.com/r.git", token="ghp_secret")


def test_projects_hide_the_token_and_use_utc_datetimes(lib, project):
    assert project.has_token and not hasattr(project, "token")
    assert project.branch == "main" and project.docs_path == "docs"
    assert project.created_at.tzinfo == datetime.timezone.utc
    assert abs(project.created_at - datetime.datetime.now(datetime.timezone.utc)) < datetime.timedelta(minutes=1)
    assert [p.id for p in lib.projects.list()] == [project.id]
    changed = lib.projects.update(project.id, name="renamed")
    assert changed.name == "renamed" and lib.projects.get(project.id).name == "renamed"
    lib.projects.delete(project.id)
    with pytest.raises(libsync.NotFound) as e:
        lib.projects.get(project.id)
    assert e.value.code == "NotFound" and e.value.http_status == 404


def test_docs_versions_history_and_revert(lib, project):
    first = lib.docs.put(project.id, "guides/style.md", "one")
    assert first.created and first.changed and first.doc.version == 1
    again = lib.docs.put(project.id, "guides/style.md", "one")
    assert not again.changed and again.doc.version == 1  # a no-op write keeps the version
    lib.docs.put(project.id, "guides/style.md", "two", base_version=1)
    with pytest.raises(libsync.PreconditionFailed):
        lib.docs.put(project.id, "guides/style.md", "stale", base_version=1)
    assert lib.docs.get(project.id, "guides/style.md").content == "two"
    history = lib.docs.history(project.id, "guides/style.md")
    assert [v.version for v in history] == [2, 1]
    assert lib.docs.version(project.id, "guides/style.md", 1).content == "one"
    reverted = lib.docs.revert(project.id, "guides/style.md", 1)
    assert reverted.doc.content == "one" and reverted.doc.version == 3
    assert lib.docs.history(project.id, "guides/style.md")[0].source == "revert"
    assert [d.file_name for d in lib.docs.list(project.id)] == ["guides/style.md"]
    lib.docs.delete(project.id, "guides/style.md")
    assert lib.docs.list(project.id) == []


def test_bad_file_names_raise_invalid_argument_and_change_nothing(lib, project):
    for name in ["../escape.md", "/abs.md", "a\\b.md", "nul\x00.md", ""]:
        with pytest.raises(libsync.InvalidArgument):
            lib.docs.put(project.id, name, "x")
    assert lib.docs.list(project.id) == []


def test_locks_tokens_fences_and_holder_details(lib, project):
    grant = lib.locks.acquire(project.id, "alice", reason="rewrite", ttl_seconds=60)
    assert grant.token.startswith("lt_") and grant.lock.fence == 1 and not grant.renewed
    with pytest.raises(libsync.LockHeld) as held:
        lib.locks.acquire(project.id, "bob")
    assert held.value.details["lockedBy"] == "alice" and held.value.http_status == 409
    with pytest.raises(libsync.Locked):
        lib.docs.put(project.id, "a.md", "no token")
    lib.docs.put(project.id, "a.md", "with token", lock_token=grant.token)
    assert lib.locks.verify(project.id, grant.token) == "ours"
    assert lib.locks.verify(project.id, "lt_" + "A" * 43) == "theirs"
    renewed = lib.locks.acquire(project.id, "alice", token=grant.token)
    assert renewed.renewed and renewed.lock.fence == 1
    assert lib.locks.extend(project.id, grant.token, ttl_seconds=120).expires_at > grant.lock.expires_at
    assert lib.locks.release(project.id, grant.token) is True
    assert lib.locks.get(project.id) is None and lib.locks.verify(project.id, grant.token) is None
    second = lib.locks.acquire(project.id, "bob")
    assert second.lock.fence == 2
    assert lib.locks.force_release(project.id, "bob left") is True
    payloads = [json.loads(e.payload) for e in lib.events.since(project.id).events if e.type == "lock:released"]
    assert payloads[-1]["forced"] is True and payloads[-1]["reason"] == "bob left"


def test_keys_scope_and_project_isolation(lib, project):
    other = lib.projects.create("other", "https://example.com/o.git")
    read = lib.keys.create(project.id, "dev")
    write = lib.keys.create(project.id, "lead", scope="write")
    assert read.secret.startswith("sk_") and read.key.scope == "read" and write.key.scope == "write"
    dev = lib.as_key(read.secret)
    assert not dev.is_admin
    assert dev.hooks.status(project.id) is None
    with pytest.raises(libsync.PermissionDenied):
        dev.docs.put(project.id, "a.md", "x")
    with pytest.raises(libsync.NotFound):
        dev.docs.list(other.id)  # another project's key sees nothing of it
    lead = lib.as_key(write.secret)
    lead.docs.put(project.id, "a.md", "by the lead")
    assert lib.docs.get(project.id, "a.md").updated_by == "lead"
    snapshot = dev.hooks.pull(project.id)
    assert snapshot.hash == dev.hooks.docs_hash(project.id).hash and len(snapshot.docs) == 1
    lib.keys.revoke(read.key.id)
    with pytest.raises(libsync.Unauthenticated):
        lib.as_key(read.secret)
    with pytest.raises(libsync.InvalidArgument):
        lib.keys.create(project.id, "x", scope="admin")


def test_a_revoked_key_is_refused_at_once_even_by_its_open_session(lib, project):
    created = lib.keys.create(project.id, "laptop")
    laptop = lib.as_key(created.secret)
    assert laptop.hooks.status(project.id) is None
    lib.keys.revoke(created.key.id)
    with pytest.raises(libsync.Unauthenticated):
        laptop.hooks.status(project.id)  # the session made before the revocation
    with pytest.raises(libsync.Unauthenticated):
        lib.as_key(created.secret)
    revoked = [e for e in lib.events.since(project.id).events if e.type == "key:revoked"]
    assert [json.loads(e.payload) for e in revoked] == [
        {"keyId": created.key.id, "prefix": created.secret[:11], "revokedBy": "admin"}]
    lib.keys.revoke(created.key.id)  # revoked already: no second event
    assert len([e for e in lib.events.since(project.id).events if e.type == "key:revoked"]) == 1


def test_a_deleted_projects_keys_stop_at_once(lib, project):
    laptop = lib.as_key(lib.keys.create(project.id, "laptop").secret)
    assert laptop.docs.list(project.id) == []
    lib.projects.delete(project.id)
    with pytest.raises(libsync.Unauthenticated):
        laptop.docs.list(project.id)
    with pytest.raises(libsync.NotFound):
        lib.events.since(project.id)  # the log went with the project


def test_events_since_a_seq(lib, project):
    lib.docs.put(project.id, "a.md", "1")
    lib.docs.put(project.id, "a.md", "2")
    page = lib.events.since(project.id, 0)
    assert [e.seq for e in page.events] == [1, 2] and page.head_seq == 2
    assert [e.type for e in page.events] == ["doc:updated", "doc:updated"]
    assert [e.seq for e in lib.events.since(project.id, 1).events] == [2]
    assert lib.events.head(project.id) == 2


def test_every_error_is_a_libsync_error_with_a_code():
    assert issubclass(libsync.LockHeld, libsync.Error) and issubclass(libsync.Error, Exception)
    lib = libsync.open()
    with pytest.raises(libsync.Error) as e:
        lib.docs.list("no-such-project")
    assert e.value.code == "NotFound" and "no-such-project" in str(e.value)


def test_bad_database_urls_raise_clearly(tmp_path):
    with pytest.raises(libsync.InvalidArgument):
        libsync.open("mysql://nope")
    (tmp_path / "junk.db").write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(libsync.Error):
        libsync.open(f"sqlite://{tmp_path}/junk.db")


def test_a_sqlite_store_keeps_its_data_across_opens(tmp_path):
    url = f"sqlite://{tmp_path}/keep.db"
    key = libsync.generate_encryption_key()
    first = libsync.open(url, encryption_key=key)
    pid = first.projects.create("p", "https://example.com/p.git").id
    first.docs.put(pid, "a.md", "kept")
    del first
    again = libsync.open(url, encryption_key=key)
    assert again.docs.get(pid, "a.md").content == "kept"


def test_calls_release_the_gil(tmp_path):
    lib = libsync.open(f"sqlite://{tmp_path}/threads.db")
    pid = lib.projects.create("p", "https://example.com/p.git").id
    errors = []

    def writer(n):
        try:
            for i in range(30):
                lib.docs.put(pid, f"t{n}.md", f"{i}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(d.version for d in lib.docs.list(pid)) == [30, 30, 30, 30]


def test_git_sync_with_a_local_bare_repository(tmp_path):
    bare = tmp_path / "remote.git"
    work = tmp_path / "work"
    env = dict(tool_env(), GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True, env=env)
    subprocess.run(["git", "clone", "-q", str(bare), str(work)], check=True, capture_output=True, env=env)
    (work / "docs").mkdir()
    (work / "docs" / "overview.md").write_text("# Overview\n")
    subprocess.run(["git", "-C", str(work), "add", "."], check=True, env=env)
    subprocess.run(["git", "-C", str(work), "commit", "-q", "-m", "docs"], check=True, env=env)
    subprocess.run(["git", "-C", str(work), "push", "-q", "origin", "HEAD:main"], check=True, capture_output=True,
                   env=env)

    strict = libsync.open(git_cache_dir=str(tmp_path / "strict-cache"))
    refused = strict.projects.create("g", str(bare)).id
    with pytest.raises(libsync.InvalidArgument, match="server's own disk"):
        strict.git.sync(refused)  # local remotes are off unless asked for

    lib = libsync.open(git_cache_dir=str(tmp_path / "cache"), git_allow_local=True)
    pid = lib.projects.create("g", str(bare)).id
    report = lib.git.sync(pid)
    assert report.imported == ["overview.md"] and len(report.commit) == 40
    lib.docs.put(pid, "overview.md", "# Overview\n\nEdited.\n")
    pushed = lib.git.push(pid)
    assert pushed.pushed == ["overview.md"]
    shown = subprocess.run(["git", "-C", str(bare), "show", "main:docs/overview.md"], check=True,
                           capture_output=True, text=True, env=env).stdout
    assert shown == "# Overview\n\nEdited.\n"
    with pytest.raises(libsync.InvalidArgument):
        libsync.open().git.sync(pid)  # opened without git_cache_dir
