"""`make up`: the Procfile's stack (release, then gunicorn, a Celery worker and beat under
honcho) against the PostgreSQL, Redis and SMTP server the environment names. A document
deposited through the web process's API reaches the SMTP server through the worker; SIGTERM
to the stack stops every process it started, cleanly (no SIGKILL needed)."""

import contextlib
import json
import os
import re
import signal
import subprocess
import time
import uuid
from pathlib import Path
from urllib.error import URLError
from urllib.request import Request, urlopen

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from tests.integration.conftest import (
    RUN_ID,
    broker_queue_delete,
    portal_environment,
    wait_until_disconnected,
)
from tests.integration.forwarding import attachment_of, pdf
from tests.integration.smtp_sink import free_loopback_port
from tests.integration.worker import PROJECT_DIR

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def http(port: int, path: str, *, host: str, data: bytes | None = None, headers=None):
    request = Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers or {})
    request.add_header("Host", host)
    with urlopen(request, timeout=10) as response:  # noqa: S310 (a loopback URL of the test)
        return response.status, response.read()


def multipart(name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def descendants(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (honcho starts each of its processes in a session
    of its own: a process group would miss them)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = set(), {pid}
    while frontier:
        children = {child for child, parent in parents.items() if parent in frontier}
        frontier = children - found
        found |= children
    return found


def alive(pids: set[int]) -> set[int]:
    living = set()
    for pid in pids:
        with contextlib.suppress(OSError):
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z":
                living.add(pid)
    return living


def test_make_up_runs_the_procfile_stack_that_forwards_a_deposit(
    forwarding, smtp_sink, integration_services, tmp_path
):
    port = free_loopback_port()
    queue = f"welyb-up-{RUN_ID}"
    env = portal_environment(
        queue=queue,
        redis_url=integration_services,
        email_url=smtp_sink.url,
        media_root=Path(settings.MEDIA_ROOT),
        extra={
            "BEAT_SCHEDULE_FILE": str(tmp_path / "celerybeat-schedule"),
            "PORT": str(port),
            "LOG_FORMAT": "json",
        },
    )
    token, _ = Token.objects.get_or_create(user=forwarding.tenant.client)
    log_path = tmp_path / "make-up.log"
    with log_path.open("wb") as log:
        stack = subprocess.Popen(
            ["make", "--no-print-directory", "up", f"PORT={port}"],
            cwd=PROJECT_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_text() -> str:
        return log_path.read_text(errors="replace")

    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(URLError, ConnectionError, TimeoutError):
                if http(port, "/healthz", host="localhost")[0] == 200:
                    break
            assert stack.poll() is None, f"make up exited with {stack.returncode}:\n{log_text()}"
            assert time.monotonic() < deadline, f"no /healthz within 120 s:\n{log_text()}"
            time.sleep(0.2)

        content = pdf("make-up")
        body, content_type = multipart("facture-make-up.pdf", content)
        status, _ = http(
            port,
            f"/api/v1/folders/{forwarding.folder.pk}/documents/",
            host="alpha.localhost",
            data=body,
            headers={"Authorization": f"Token {token.key}", "Content-Type": content_type},
        )
        assert status == 201

        [email] = smtp_sink.wait_for(1, timeout=60)
        assert attachment_of(email) == ("facture-make-up.pdf", "application/pdf", content)
        started = descendants(stack.pid)
        assert len(started) >= 5, started  # honcho, gunicorn and its worker, celery, beat
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(stack.pid, signal.SIGTERM)
        try:
            stack.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(stack.pid, signal.SIGKILL)
            raise
        wait_until_disconnected(application_name=queue)
        broker_queue_delete(queue)

    deadline = time.monotonic() + 15
    while alive(started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(started), f"left running: {alive(started)}\n{log_text()}"
    text = log_text()
    assert re.search(r"release\.1\s+\| ", text), text
    assert "SIGKILL" not in text, text

    # gunicorn's lines and the portal's are all JSON, the deposit's with its cabinet and user.
    # honcho's lines: "HH:MM:SS web.1     | what the process wrote".
    web = [m[1] for m in re.finditer(r"^\S+ web\.1\s+\| (.*)$", text, flags=re.MULTILINE)]
    records = [json.loads(line) for line in web]
    assert any(r["logger"] == "gunicorn.error" for r in records), web
    [deposit_line] = [r for r in records if r["message"].startswith("POST /api/v1/folders/")]
    assert deposit_line["message"].startswith(
        f"POST /api/v1/folders/{forwarding.folder.pk}/documents/ 201 "
    )
    assert deposit_line["cabinet"] == "alpha"
    assert deposit_line["user_id"] == forwarding.tenant.client.pk
    assert deposit_line["request_id"]


def test_make_up_refuses_without_the_services(tmp_path):
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL"}
    }
    env["REDIS_URL"] = "redis://127.0.0.1:6379/2"
    done = subprocess.run(
        ["make", "--no-print-directory", "up"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "make up needs the real services: set DATABASE_URL EMAIL_URL" in done.stderr
