"""aitk-server and its data directory: the SQLite database is the server's alone unless
both servers ask to share it."""

import os
import subprocess

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
