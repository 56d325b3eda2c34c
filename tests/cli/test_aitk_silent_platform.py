"""aitk against a platform that accepts a connection and never answers (a stuck server, a
dead proxy): each command fails at --timeout instead of waiting for ever."""

import os
import socket
import subprocess
import threading
import time

import pytest

from conftest import Aitk


@pytest.fixture
def silent_platform():
    """A listener that accepts connections and never answers (a stuck server or proxy)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except socket.timeout:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for c in held:
        c.close()
    listener.close()


@pytest.mark.parametrize("command", [["pull"], ["status"], ["hook", "session-start"]])
def test_a_platform_that_never_answers_fails_the_command_at_its_timeout(tmp_path, silent_platform, command):
    a = Aitk(tmp_path, silent_platform, "sk_x", "p1")
    started = time.monotonic()
    r = subprocess.run([os.environ["AITK_CLI"], "--timeout", "1", "--retries", "2", *command], cwd=tmp_path,
                       env=a.env, input="{}", capture_output=True, text=True, timeout=20)
    elapsed = time.monotonic() - started
    assert r.returncode == 1, r.stdout + r.stderr
    assert "no answer from " + silent_platform + " within 1 s (--timeout)" in r.stdout + r.stderr
    # One attempt: a server silent for a whole attempt is not asked again.
    assert elapsed < 4, elapsed
