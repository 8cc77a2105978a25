"""The README's first command: `make run` migrates, seeds the demo cabinet and serves it, on
the port it is given, and every link it prints or emails names that port."""

import os
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

from tests.integration.smtp_sink import free_loopback_port

# `make run` installs, migrates and seeds before it serves: `make test-all` (CI) runs it.
pytestmark = pytest.mark.slow

ROOT = Path(settings.BASE_DIR)
STARTUP_SECONDS = 90


def test_make_run_serves_the_demo_on_the_port_it_is_given(tmp_path):
    port = free_loopback_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "PORTAL_PORT", "DJANGO_SETTINGS_MODULE")
    }
    environment["VAR_DIR"] = str(tmp_path)
    server = subprocess.Popen(
        ["make", "--no-print-directory", "run", f"PORT={port}"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    printed = []
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            printed.append(line)
            if "Quit the server with" in line or server.poll() is not None:
                break
        output = "".join(printed)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/connexion/", headers={"Host": f"demo.localhost:{port}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            login_page = response.read().decode()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=10)

    links = re.findall(r"https?://[\w.]+(?::\d+)?/", output)
    assert links, output
    assert f"http://demo.localhost:{port}/" in links, output
    assert all(link.endswith(f":{port}/") for link in links), output
    assert "Se connecter" in login_page
