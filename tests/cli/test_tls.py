"""aitk and aitk-server over HTTPS, with a throwaway CA and certificates made here by the
openssl command: the CA given by each of aitk's three settings, certificates that must be
refused (another host, expired, an unknown issuer) with their reason, the session-start
hook's fallback, watch across a restart, the http -> https redirect, SIGHUP reloads and the
server's refusal of a key file others may read."""

import http.server
import os
import signal
import socket
import ssl
import subprocess
import threading
import time

import pytest

from conftest import Aitk, Server


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def issue(folder, ca, name, days, san):
    """A P-256 key and a certificate for `san` signed by `ca` (a stem in `folder`); `days`
    may be negative (already expired). The key is mode 0600, as the server wants it."""
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", f"{name}.key",
            "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=folder)
    (folder / f"{name}.ext").write_text(f"subjectAltName={san}\n")
    openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
            "-days", str(days), "-extfile", f"{name}.ext", "-out", f"{name}.pem", cwd=folder)
    os.chmod(folder / f"{name}.key", 0o600)
    return folder / f"{name}.pem", folder / f"{name}.key"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    for ca in ("ca", "stranger-ca"):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                f"{ca}.key", "-out", f"{ca}.pem", "-days", "3", "-subj", f"/CN={ca}", cwd=folder)
    here = "DNS:localhost,IP:127.0.0.1"
    return {
        "dir": folder,
        "ca": folder / "ca.pem",
        "good": issue(folder, "ca", "good", 2, here),
        "renewed": issue(folder, "ca", "renewed", 2, here),
        "other-host": issue(folder, "ca", "other-host", 2, "DNS:other.example"),
        "expired": issue(folder, "ca", "expired", -1, here),
        "unknown-issuer": issue(folder, "stranger-ca", "unknown-issuer", 2, here),
    }


def tls_server(tmp_path, pki, which="good", **kwargs):
    cert, key = pki[which]
    return Server(tmp_path / f"server-{which}", args=["--tls-cert", str(cert), "--tls-key", str(key)],
                  ca_file=str(pki["ca"]), **kwargs).start()


@pytest.fixture
def https(tmp_path, pki):
    s = tls_server(tmp_path, pki)
    yield s
    s.stop()


def make_project(server):
    status, p = server.call("POST", "/api/projects", {"name": "demo", "repoUrl": "https://example.com/r.git"})
    assert status == 201, p
    server.put_doc(p["id"], "CLAUDE.md", "# Project\n")
    _, write = server.call("POST", f"/api/projects/{p['id']}/api-keys", {"name": "lead", "scope": "write"})
    return p["id"], write["key"]


def workstation(tmp_path, url, key, pid, name="ws"):
    folder = tmp_path / name
    folder.mkdir()
    a = Aitk(folder, url, key, pid)
    for variable in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        a.env.pop(variable, None)
    return a


def served_certificate(port):
    """The PEM certificate a new connection to the server is shown (not verified)."""
    return ssl.get_server_certificate(("127.0.0.1", port))


@pytest.mark.parametrize("setting", ["AI_TOOLKIT_CA_FILE", ".env.ai-toolkit", "SSL_CERT_FILE"])
def test_every_command_works_over_https_with_the_ca_from_each_setting(tmp_path, https, pki, setting):
    pid, key = make_project(https)
    url = f"https://localhost:{https.port}"
    a = workstation(tmp_path, url, key, pid)
    if setting == ".env.ai-toolkit":
        (a.folder / ".env.ai-toolkit").write_text(f"AI_TOOLKIT_CA_FILE={pki['ca']}\n")
    else:
        a.env[setting] = str(pki["ca"])
    r = a("pull")
    assert r.returncode == 0, r.stderr
    assert (a.folder / ".docs" / "CLAUDE.md").read_text() == "# Project\n"
    assert a("status").returncode == 0
    assert a("lock", "acquire", "--reason", "tidy", "--as", "lead").returncode == 0
    edited = a.folder / "draft.md"
    edited.write_text("# Project, tidied\n")
    r = a("push", str(edited), "--name", "CLAUDE.md")
    assert r.returncode == 0 and "version 2" in r.stdout, r.stderr
    r = a("history", "CLAUDE.md")
    assert r.returncode == 0 and r.stdout.count("\n") == 3, r.stderr
    assert a("lock", "release").returncode == 0
    r = a("hook", "session-start")
    assert r.returncode == 0 and "WARNING" not in r.stdout, r.stdout


@pytest.mark.parametrize("which, reason, advice", [
    ("other-host", "hostname mismatch", "not for localhost"),
    ("expired", "certificate has expired", "renewed"),
    ("unknown-issuer", "unable to get local issuer certificate", "AI_TOOLKIT_CA_FILE"),
])
def test_a_certificate_that_fails_verification_is_refused_with_its_reason(tmp_path, pki, which, reason, advice):
    s = tls_server(tmp_path, pki, which)
    try:
        a = workstation(tmp_path, f"https://localhost:{s.port}", "sk_" + "0" * 64, "p")
        a.env["AI_TOOLKIT_CA_FILE"] = str(pki["ca"])
        r = a("status")
        assert r.returncode == 1
        assert reason in r.stderr and advice in r.stderr, r.stderr
    finally:
        s.stop()


def test_without_the_ca_the_certificate_is_refused_and_nothing_turns_that_off(tmp_path, https):
    pid, key = make_project(https)
    a = workstation(tmp_path, f"https://localhost:{https.port}", key, pid)
    r = a("pull")
    assert r.returncode == 1 and "not trusted" in r.stderr and "AI_TOOLKIT_CA_FILE" in r.stderr
    assert not (a.folder / ".docs").exists()
    for attempt in (["--insecure"], ["-k"], ["--no-verify"]):
        assert a("pull", *attempt).returncode != 0


def test_session_start_falls_back_to_the_cache_on_an_untrusted_certificate(tmp_path, https, pki):
    pid, key = make_project(https)
    a = workstation(tmp_path, f"https://localhost:{https.port}", key, pid)
    a.env["AI_TOOLKIT_CA_FILE"] = str(pki["ca"])
    assert a("pull").returncode == 0
    del a.env["AI_TOOLKIT_CA_FILE"]
    r = a("hook", "session-start")
    assert r.returncode == 0, r.stderr
    assert "WARNING" in r.stdout and "cached copy" in r.stdout and "not trusted" in r.stdout, r.stdout
    assert (a.folder / ".docs" / "CLAUDE.md").read_text() == "# Project\n"


def test_watch_resumes_over_tls_across_a_server_restart(tmp_path, https, pki):
    pid, key = make_project(https)  # seq 1: the put
    a = workstation(tmp_path, f"https://localhost:{https.port}", key, pid)
    a.env["AI_TOOLKIT_CA_FILE"] = str(pki["ca"])
    watcher = subprocess.Popen([os.environ["AITK_CLI"], "watch", "--since", "0", "--count", "4"],
                               cwd=a.folder, env=a.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        https.put_doc(pid, "a.md", "1")  # seq 2
        time.sleep(0.3)
        https.stop()
        time.sleep(0.8)
        https.start()
        https.put_doc(pid, "b.md", "2")  # seq 3
        https.put_doc(pid, "c.md", "3")  # seq 4
        out, err = watcher.communicate(timeout=30)
    finally:
        watcher.kill()
    assert watcher.returncode == 0, err
    assert [int(line.split()[0]) for line in out.splitlines()] == [1, 2, 3, 4]
    assert "reconnecting" in err


class Redirector(http.server.BaseHTTPRequestHandler):
    """Answers everything with a redirect to self.server.location + the path, and notes
    which requests carried an API key."""

    def do_GET(self):
        self.server.keys_seen.append(self.headers.get("X-API-Key"))
        self.send_response(301)
        self.send_header("Location", self.server.location + self.path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_GET

    def log_message(self, *args):
        pass


def serve(handler, **attributes):
    httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
    httpd.keys_seen = []
    for name, value in attributes.items():
        setattr(httpd, name, value)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def test_a_redirect_to_https_on_the_same_host_is_followed(tmp_path, https, pki):
    pid, key = make_project(https)
    redirector = serve(Redirector, location=f"https://localhost:{https.port}")
    try:
        a = workstation(tmp_path, f"http://localhost:{redirector.server_address[1]}", key, pid)
        a.env["AI_TOOLKIT_CA_FILE"] = str(pki["ca"])
        r = a("pull")
        assert r.returncode == 0, r.stderr
        assert (a.folder / ".docs" / "CLAUDE.md").read_text() == "# Project\n"
    finally:
        redirector.shutdown()


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}", "https://elsewhere.example:{port}"])
def test_no_other_redirect_carries_the_key(tmp_path, target):
    trap = serve(Redirector, location="http://127.0.0.1:1")  # records any key that reaches it
    redirector = serve(Redirector, location=target.format(port=trap.server_address[1]))
    try:
        a = workstation(tmp_path, f"http://127.0.0.1:{redirector.server_address[1]}", "sk_" + "7" * 64, "p")
        r = a("status")
        assert r.returncode != 0
        assert trap.keys_seen == []
    finally:
        redirector.shutdown()
        trap.shutdown()


def test_sighup_swaps_the_certificate_and_a_broken_pair_keeps_the_old(tmp_path, https, pki):
    cert, key = pki["good"]
    live_cert, live_key = tmp_path / "live.pem", tmp_path / "live.key"
    live_cert.write_bytes(cert.read_bytes())
    live_key.write_bytes(key.read_bytes())
    os.chmod(live_key, 0o600)
    s = Server(tmp_path / "server-live", args=["--tls-cert", str(live_cert), "--tls-key", str(live_key)],
               ca_file=str(pki["ca"])).start()
    try:
        assert served_certificate(s.port) == cert.read_text()
        # A key that does not belong to the certificate: refused, the old pair stays.
        live_cert.write_bytes(pki["renewed"][0].read_bytes())
        s.proc.send_signal(signal.SIGHUP)
        assert "kept the current TLS certificate" in s.wait_for_log("kept the current TLS certificate")
        assert served_certificate(s.port) == cert.read_text()
        assert s.call("GET", "/api/health")[0] == 200
        # The renewed pair: new handshakes get it.
        live_key.write_bytes(pki["renewed"][1].read_bytes())
        s.proc.send_signal(signal.SIGHUP)
        assert "reloaded the TLS certificate" in s.wait_for_log("reloaded the TLS certificate")
        assert served_certificate(s.port) == pki["renewed"][0].read_text()
    finally:
        s.stop()


def test_a_key_file_others_may_read_is_refused_at_start(tmp_path, pki):
    cert, key = pki["good"]
    loose = tmp_path / "loose.key"
    loose.write_bytes(key.read_bytes())
    os.chmod(loose, 0o644)
    r = subprocess.run([os.environ["AITK_SERVER"], "--data-dir", str(tmp_path / "d"), "--listen", "127.0.0.1:0",
                        "--tls-cert", str(cert), "--tls-key", str(loose)],
                       env=dict(os.environ, AITK_ADMIN_TOKEN="test-admin-token-0123456789"),
                       capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "mode 0644" in r.stderr and "chmod 600" in r.stderr, r.stderr


def test_plain_http_to_the_tls_port_gets_400(https):
    with socket.create_connection(("127.0.0.1", https.port), timeout=5) as c:
        c.sendall(b"GET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = c.recv(4096).decode()
    assert reply.startswith("HTTP/1.1 400") and "https://" in reply
