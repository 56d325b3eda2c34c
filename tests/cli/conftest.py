"""Fixtures for the aitk tests: a real aitk-server on a loopback port with its own data
directory, an admin client for arranging state, and a runner for the aitk binary in a
temporary project folder. The binaries come from ctest (AITK_SERVER, AITK_CLI)."""

import json
import os
import re
import signal
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from pg_cluster import PG_BIN, Cluster

ADMIN_TOKEN = "test-admin-token-0123456789"


class Server:
    """`ca_file`: the server serves HTTPS (its args carry --tls-cert/--tls-key) under a
    certificate this CA signed; call() trusts it."""

    def __init__(self, data_dir, port=0, args=(), env=None, ca_file=None):
        self.data_dir = data_dir
        self.ca_file = ca_file
        self.scheme = "http"
        self.requested_port = port
        self.args = list(args)
        self.env = dict(env or {})
        self.proc = None
        self.port = None
        self.startup_log = []  # what the server said before it was serving
        self._log = []  # everything it said since, read on a thread
        self._log_changed = threading.Condition()

    def start(self):
        env = dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN, **self.env)
        self.proc = subprocess.Popen(
            [os.environ["AITK_SERVER"], "--data-dir", str(self.data_dir),
             "--listen", f"127.0.0.1:{self.requested_port}", *self.args],
            env=env, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 15
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            self.startup_log.append(line)
            match = re.search(r"serving on (https?)://127\.0\.0\.1:(\d+)", line)
            if match:
                self.scheme = match.group(1)
                self.port = int(match.group(2))
                self.requested_port = self.port  # a restart comes back on the same port
                # It logs every request: a pipe nobody reads would fill and stop it.
                threading.Thread(target=self._read_log, args=(self.proc.stderr,), daemon=True).start()
                return self
            if self.proc.poll() is not None:
                break
        raise RuntimeError("aitk-server did not start")

    def _read_log(self, stream):
        for line in stream:
            with self._log_changed:
                self._log.append(line)
                self._log_changed.notify_all()

    def log(self):
        """What the server has logged since it started serving."""
        with self._log_changed:
            return "".join(self._log)

    def wait_for_log(self, needle, timeout=5):
        """The log once a line holds `needle`, or as it is when the time is up."""
        with self._log_changed:
            self._log_changed.wait_for(lambda: any(needle in line for line in self._log), timeout)
            return "".join(self._log)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=15)

    @property
    def url(self):
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def call(self, method, path, body=None, headers=None):
        """One request with the admin token; returns (status, parsed JSON or None)."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", f"Bearer {ADMIN_TOKEN}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            context = ssl.create_default_context(cafile=self.ca_file) if self.ca_file else None
            with urllib.request.urlopen(request, timeout=10, context=context) as response:
                text = response.read().decode()
                return response.status, json.loads(text) if text else None
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read().decode() or "null")

    def put_doc(self, project, name, content):
        # Every '/' goes as %2F, so a doc named like a sub-route ("sub/history") is still a doc.
        status, body = self.call("PUT", f"/api/projects/{project}/docs/{urllib.parse.quote(name, safe='')}",
                                 {"content": content})
        assert status in (200, 201), body
        return body


@pytest.fixture
def server(tmp_path):
    s = Server(tmp_path / "server-data").start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def cluster():
    """A PostgreSQL cluster for the module's tests (skipped without PostgreSQL 15, failed in CI)."""
    if not os.path.exists(f"{PG_BIN}/initdb"):
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL 15 binaries are required in CI")
        pytest.skip("PostgreSQL 15 binaries not found")
    c = Cluster()
    yield c
    c.remove()


@pytest.fixture
def project(server):
    """A project with two docs (one nested), a write key and a read key."""
    status, p = server.call("POST", "/api/projects", {"name": "demo", "repoUrl": "https://example.com/r.git"})
    assert status == 201, p
    pid = p["id"]
    server.put_doc(pid, "CLAUDE.md", "# Project\n")
    server.put_doc(pid, "guides/style.md", "Use tabs.\n")
    _, write = server.call("POST", f"/api/projects/{pid}/api-keys", {"name": "lead", "scope": "write"})
    _, read = server.call("POST", f"/api/projects/{pid}/api-keys", {"name": "dev"})
    return {"id": pid, "write_key": write["key"], "read_key": read["key"]}


class Aitk:
    def __init__(self, folder, url, key, project_id):
        self.folder = folder
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AI_TOOLKIT_")}
        self.env.pop("CLAUDE_PROJECT_DIR", None)
        self.env.update(AI_TOOLKIT_PLATFORM_URL=url, AI_TOOLKIT_API_KEY=key, AI_TOOLKIT_PROJECT_ID=project_id)

    def __call__(self, *args, stdin=None, timeout=30):
        return subprocess.run([os.environ["AITK_CLI"], "--timeout", "3", "--retries", "0", *args],
                              cwd=self.folder, env=self.env, input=stdin, capture_output=True,
                              text=True, timeout=timeout)


@pytest.fixture
def aitk(tmp_path, server, project):
    folder = tmp_path / "workspace"
    folder.mkdir()
    return Aitk(folder, server.url, project["write_key"], project["id"])
