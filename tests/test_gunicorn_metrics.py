"""Under gunicorn, several worker processes answer requests: with PROMETHEUS_MULTIPROC_DIR,
/metrics adds up what every one of them served, those recycled since included, whichever
process answers the scrape."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.smtp_sink import free_loopback_port

# gunicorn and its worker processes start for real: `make test-all` (CI) runs it.
pytestmark = pytest.mark.slow

ROOT = Path(settings.BASE_DIR)
TOKEN = "g" * 40
STARTUP_SECONDS = 60


def get(port: int, path: str, **headers) -> tuple[int, str]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Host": "10.0.0.1", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def healthz_count(text: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "portal_http_requests_total" and sample.labels == {
                "route": "healthz",
                "method": "GET",
                "status": "2xx",
            }:
                return sample.value
    return 0.0


def test_metrics_add_up_every_gunicorn_worker_process(tmp_path):
    multiproc = tmp_path / "metrics"
    multiproc.mkdir()
    (multiproc / "counter_999999.db").write_bytes(b"left by the previous deploy")
    port = free_loopback_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "METRICS_TOKEN", "PROMETHEUS_MULTIPROC_DIR")
    }
    environment.update(
        VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        METRICS_TOKEN=TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(multiproc),
        DEBUG="false",
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    command = [str(gunicorn), "welyb_portal.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    # Each worker process is replaced after 3 requests: the figures of the gone ones count too.
    server = subprocess.Popen(
        [*command, "--max-requests", "3", "--max-requests-jitter", "0"],
        cwd=ROOT,  # gunicorn.conf.py
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        served = 0
        deadline = time.monotonic() + STARTUP_SECONDS
        while not served and time.monotonic() < deadline:
            try:
                served += get(port, "/healthz")[0] == 200
            except OSError:
                time.sleep(0.2)
        assert served, "gunicorn did not start"
        for _ in range(11):
            status, _body = get(port, "/healthz")
            assert status == 200
            served += 1

        assert get(port, "/metrics")[0] == 401
        scrapes = [get(port, "/metrics", Authorization=f"Bearer {TOKEN}") for _ in range(3)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)

    assert [status for status, _ in scrapes] == [200, 200, 200]
    assert [healthz_count(text) for _, text in scrapes] == [served] * 3
    pids = {re.search(r"_(\d+)\.db$", f.name).group(1) for f in multiproc.glob("*.db")}
    assert "999999" not in pids
    assert len(pids) >= 4, pids
