"""aitk-server's --web and --web-dir: the app served at / when its files are there, a
refusal to start on a missing or tampered app when it is asked for, and --web off."""

import json
import os
import subprocess
import urllib.error
import urllib.request

from conftest import ADMIN_TOKEN, Server


def make_app(root):
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><title>app</title>")
    (root / "assets" / "app-X1.js").write_text("void 0;")
    manifest = {"files": [
        {"path": "/index.html", "type": "text/html; charset=utf-8", "sha256": "ab" * 32, "cache": "no-cache"},
        {"path": "/assets/app-X1.js", "type": "text/javascript; charset=utf-8", "sha256": "cd" * 32,
         "cache": "immutable"}]}
    (root / "manifest.json").write_text(json.dumps(manifest))
    return root


def get(server, path):
    try:
        with urllib.request.urlopen(server.url + path, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def start_fails(tmp_path, *args):
    return subprocess.run([os.environ["AITK_SERVER"], "--data-dir", str(tmp_path / "data"),
                           "--listen", "127.0.0.1:0", *args],
                          capture_output=True, text=True, env=dict(os.environ, AITK_ADMIN_TOKEN=ADMIN_TOKEN),
                          timeout=15)


def test_the_app_is_served_at_root_from_web_dir(tmp_path):
    app = make_app(tmp_path / "dist")
    server = Server(tmp_path / "data", args=["--web-dir", str(app)]).start()
    try:
        status, headers, body = get(server, "/")
        assert status == 200 and body.startswith("<!doctype html>")
        assert headers["Cache-Control"] == "no-cache"
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert get(server, "/assets/app-X1.js")[1]["Cache-Control"] == "public, max-age=31536000, immutable"
        assert get(server, "/manifest.json")[0] == 404
        assert server.call("GET", "/api/health")[0] == 200
    finally:
        server.stop()


def test_web_off_serves_no_app_and_the_api_as_before(tmp_path):
    app = make_app(tmp_path / "dist")
    server = Server(tmp_path / "data", args=["--web-dir", str(app), "--web", "off"]).start()
    try:
        assert get(server, "/")[0] == 404
        assert server.call("GET", "/api/health")[0] == 200
    finally:
        server.stop()


def test_web_on_refuses_to_start_without_the_app_or_with_a_tampered_one(tmp_path):
    missing = start_fails(tmp_path, "--web", "on", "--web-dir", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "web app" in missing.stderr, missing.stderr
    app = make_app(tmp_path / "dist")
    (app / "assets" / "app-X1.js").unlink()
    (app / "assets" / "app-X1.js").symlink_to("/etc/passwd")
    tampered = start_fails(tmp_path, "--web-dir", str(app))
    assert tampered.returncode == 2 and "symlink" in tampered.stderr, tampered.stderr
    bad = start_fails(tmp_path, "--web", "maybe")
    assert bad.returncode == 2 and "--web must be 'on' or 'off'" in bad.stderr, bad.stderr
