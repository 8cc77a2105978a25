"""Forwarding benchmark: how fast deposits reach an Inqom collection address, against the floor
of a plain smtplib loop, on the same machine, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/welyb REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python bench/forward.py

With one Celery worker (the default prefork pool, a process per core), PostgreSQL (a fresh database
"<name>_forward"), Redis (a queue of its own) and an aiosmtpd sink on loopback, once 20 deposits
went through (every process past its first request or task):
(a) the floor: a plain smtplib loop sends one message's bytes (a 100 KB attachment), written out
    once before the clock starts, 300 times to the sink over one connection (and again with a
    connection per message); then, for comparison, the loop that also writes each message out:
    `send_message` of 300 messages, each its own Message-ID and file name, the same attachment;
(b) the portal: 300 deposits through the API of a real server (gunicorn, two processes), four
    at a time, into an automated folder, until the sink has received them all;
then the latency from each deposit's 201 to the sink receiving its message, over 100 sequential
deposits. Targets (issue 18): (b) at 0.5 of (a) or better, at most 18 ms of CPU per message
in all during (b), p95 latency under 30 ms. It also prints the CPU each part spent per message
during (a) and (b): where the time goes.

With `--stripped`, (b) and the latency run against a stripped stack instead of the portal: the
same gunicorn serving bench/stripped_app.py (the deposit with no middleware, URL resolver nor
DRF, two INSERTs) and the same worker running bench/stripped_worker.py (a drain that claims,
writes and records a batch in three statements): what is left of these parts once everything a
deposit and its delivery do not strictly need is gone, an upper bound for any rework of them.
Its lines say "(stripped stack)". FORWARD_MESSAGES=40 (say) makes a short run for development.
"""

import argparse
import email.policy
import http.client
import os
import secrets
import smtplib
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from common import ROOT, bench_database_url, django_setup, free_port, percentile
from cpu import CpuMeter

MESSAGES = int(os.environ.get("FORWARD_MESSAGES", "300"))
TARGET_RATIO = 0.5
TARGET_CPU_MS = 18.0
TARGET_P95_MS = 30.0
SEQUENTIAL = 100
# Deposits made and delivered before anything is measured: each web and worker process
# imports its views, templates and connectors on its first request or task.
WARM_UP = 20
ATTACHMENT_BYTES = 100 * 1024
CLIENTS = 4
HOST = "bench.localhost"
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway database
SINK_TIMEOUT = 300.0


def pdf_bytes(size: int) -> bytes:
    """A PDF-looking attachment of `size` bytes, different every time (the portal would skip
    the same bytes sent twice to the same address as a duplicate)."""
    head = b"%PDF-1.4\n%" + uuid.uuid4().hex.encode() + b"\n"
    return head + secrets.token_bytes(size - len(head))


def floor_messages() -> list[EmailMessage]:
    """300 messages like the portal's: each its own Message-ID and file name, the same 100 KB
    PDF attached."""
    attachment = pdf_bytes(ATTACHMENT_BYTES)
    messages = []
    for index in range(MESSAGES):
        message = EmailMessage()
        message["From"] = "no-reply@welyb.fr"
        message["To"] = "achat.bench@inqombox.com"
        message["Subject"] = f"Entreprise Bench – facture-{index:03d}.pdf"
        message["Message-ID"] = make_msgid(domain="welyb.fr")
        message.set_content("Document de l'entreprise Entreprise Bench.")
        message.add_attachment(
            attachment, maintype="application", subtype="pdf", filename=f"facture-{index:03d}.pdf"
        )
        messages.append(message)
    return messages


def floor(sink, message: EmailMessage, *, reuse: bool = True) -> float:
    """Messages per second of a plain smtplib loop: the message written out once, before the
    clock starts, then its bytes sent 300 times, over one connection (or one per message)."""
    payload = message.as_bytes(policy=email.policy.SMTP)
    sink.clear()
    started = time.perf_counter()
    if reuse:
        with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
            for _ in range(MESSAGES):
                smtp.sendmail(message["From"], [message["To"]], payload)
    else:
        for _ in range(MESSAGES):
            with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
                smtp.sendmail(message["From"], [message["To"]], payload)
    sink.wait_for(MESSAGES, timeout=SINK_TIMEOUT)
    return MESSAGES / (time.perf_counter() - started)


def floor_written_each(sink, messages: list[EmailMessage]) -> float:
    """The same loop when it writes each message out as it sends it (`send_message`), as every
    sender of distinct messages must, the portal included: for comparison."""
    sink.clear()
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", sink.port) as smtp:
        for message in messages:
            smtp.send_message(message)
    sink.wait_for(len(messages), timeout=SINK_TIMEOUT)
    return len(messages) / (time.perf_counter() - started)


def build_portal():
    """A cabinet whose company sends its Achats folder to Inqom Achats."""
    from rest_framework.authtoken.models import Token

    from ged.models import Folder
    from partner_apps.models import PartnerApp
    from partner_apps.services.authorizations import authorization_set
    from partner_apps.services.automations import automation_set
    from partner_apps.services.store import app_install
    from welyb_portal.tenancy.models import Role, User
    from welyb_portal.tenancy.services.cabinets import cabinet_create
    from welyb_portal.tenancy.services.companies import company_create

    cabinet = cabinet_create(
        slug="bench", name="Cabinet Bench", admin_email="admin@bench.fr", admin_password=PASSWORD
    )
    admin = User.objects.get(cabinet=cabinet, role=Role.ADMIN)
    company = company_create(cabinet=cabinet, name="Entreprise Bench", by=admin)
    achats = PartnerApp.objects.get(slug="inqom-achats")
    app_install(cabinet=cabinet, app=achats, by=admin)
    authorization_set(
        company=company,
        app=achats,
        enabled=True,
        collection_email="achat.bench@inqombox.com",
        by=admin,
    )
    folder = Folder.objects.get(company=company, name="Achats")
    automation_set(folder=folder, app=achats, enabled=True, by=admin)
    return Token.objects.create(user=admin).key, folder


class Portal:
    """The portal's API over HTTP, as an integration would call it."""

    def __init__(self, port: int, token: str, folder_id: int):
        self.port, self.token, self.folder_id = port, token, folder_id

    def deposit(self, name: str) -> None:
        boundary = uuid.uuid4().hex
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        )
        tail = f"\r\n--{boundary}--\r\n"
        body = head.encode() + pdf_bytes(ATTACHMENT_BYTES) + tail.encode()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request(
            "POST",
            f"/api/v1/folders/{self.folder_id}/documents/",
            body=body,
            headers={
                "Host": HOST,
                "Authorization": f"Token {self.token}",
                "Content-Type": f"multipart/form-data; boundary={boundary}",
            },
        )
        response = connection.getresponse()
        answer = response.read()
        connection.close()
        assert response.status == 201, (response.status, answer[:300])


def warm_up(portal: Portal, sink) -> None:
    sink.clear()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(portal.deposit, [f"echauffement-{i:02d}.pdf" for i in range(WARM_UP)]))
    sink.wait_for(WARM_UP, timeout=SINK_TIMEOUT)


def portal_throughput(portal: Portal, sink) -> float:
    sink.clear()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(portal.deposit, [f"facture-{i:03d}.pdf" for i in range(MESSAGES)]))
    deposited = time.perf_counter() - started
    sink.wait_for(MESSAGES, timeout=SINK_TIMEOUT)
    elapsed = time.perf_counter() - started
    print(f"  (the {MESSAGES} deposits took {deposited:.1f} s of the {elapsed:.1f} s)")
    return MESSAGES / elapsed


def latencies(portal: Portal, sink) -> list[float]:
    sink.clear()
    measured = []
    for index in range(SEQUENTIAL):
        portal.deposit(f"sequentielle-{index:03d}.pdf")
        answered = time.perf_counter()
        sink.wait_for(index + 1, timeout=SINK_TIMEOUT)
        measured.append(time.perf_counter() - answered)
    return measured


def start_server(port: int, env: dict, app: str = "welyb_portal.wsgi") -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            app,
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 30
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz", headers={"Host": "localhost"})
            if connection.getresponse().status == 200:
                return server
        except OSError:
            pass
        if time.time() > deadline or server.poll() is not None:
            server.kill()
            sys.exit("the server did not start")
        time.sleep(0.2)


def stripped_worker_class():
    """The harness's worker, importing the stripped drain as well."""
    from tests.integration.worker import CeleryWorker

    class StrippedWorker(CeleryWorker):
        @property
        def command(self) -> list[str]:
            return [*super().command, "--include=bench.stripped_worker"]

    return StrippedWorker


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stripped", action="store_true", help="against the stripped stack")
    stripped = parser.parse_args().stripped
    stack = " (stripped stack)" if stripped else ""
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        sys.exit("this benchmark needs REDIS_URL=redis://... (a real worker takes the deliveries)")
    sys.path.insert(0, str(ROOT))
    from tests.integration.smtp_sink import SmtpSink
    from tests.integration.worker import CeleryWorker

    workdir = Path(tempfile.mkdtemp(prefix="bench-forward-"))
    media = workdir / "media"
    queue = f"bench-forward-{uuid.uuid4().hex[:8]}"
    database_url = bench_database_url("forward", require_postgres=True)
    sink = SmtpSink()
    sink.start()
    django_setup(database_url, media, CELERY_TASK_DEFAULT_QUEUE=queue, LOG_LEVEL="WARNING")
    from welyb_portal import celery_app

    celery_app.conf.task_default_queue = queue
    token, folder = build_portal()
    worker = (stripped_worker_class() if stripped else CeleryWorker)(
        queue=queue,
        pool="prefork",
        # Celery's default: one pool process per core.
        concurrency=os.cpu_count() or 1,
        log_path=workdir / "worker.log",
        env={
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "EMAIL_URL": sink.url,
            "VAR_DIR": str(workdir),
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "CONN_MAX_AGE": "60",
            "PORTAL_DOMAIN": "localhost",
            "PYTHONPATH": str(ROOT),
        },
    )
    worker.start()
    port = free_port()
    app = "bench.stripped_app:application" if stripped else "welyb_portal.wsgi"
    server = start_server(port, {**worker.env, "EMAIL_URL": "dummymail://"}, app)
    try:
        portal = Portal(port, token, folder.pk)
        warm_up(portal, sink)
        meter = CpuMeter(
            processes={"benchmark (clients, SMTP sink)": os.getpid()},
            trees={"gunicorn": server.pid, "celery worker": worker.process.pid},
            names={"postgres": "postgres", "redis": "redis-server"},
        )
        messages = floor_messages()
        meter.start()
        floor_rate = floor(sink, messages[0])
        floor_cpu = meter.stop()
        floor_per_connection = floor(sink, messages[0], reuse=False)
        written_each_rate = floor_written_each(sink, messages)
        meter.start()
        portal_rate = portal_throughput(portal, sink)
        portal_cpu = meter.stop()
        waits = latencies(portal, sink)
    finally:
        server.terminate()
        server.wait(timeout=30)
        worker.stop()
        sink.stop()
    ratio = portal_rate / floor_rate
    p50, p95 = percentile(waits, 0.5) * 1000, percentile(waits, 0.95) * 1000
    print("CPU per message (user + system), floor over one connection:")
    print(CpuMeter.report(floor_cpu, MESSAGES, "message"))
    if stripped:
        print("(stripped stack)")
    print(f"CPU per message, portal{stack}:")
    print(CpuMeter.report(portal_cpu, MESSAGES, "message"))
    print(f"floor  (smtplib, one connection): {floor_rate:8.1f} messages/s")
    print(f"       (smtplib, a connection per message: {floor_per_connection:.1f} messages/s)")
    print(f"       (smtplib writing each message out: {written_each_rate:.1f} messages/s)")
    print(f"portal{stack} (API deposit → worker → SMTP): {portal_rate:8.1f} messages/s")
    print(f"ratio portal{stack} / floor: {ratio:.2f} (target ≥ {TARGET_RATIO:.2f})")
    written_each_ratio = portal_rate / written_each_rate
    print(f"      portal{stack} / the loop writing each message: {written_each_ratio:.2f}")
    print(
        f"latency{stack} 201 → received over {SEQUENTIAL} sequential deposits: p50 {p50:.0f} ms, "
        f"p95 {p95:.0f} ms (target p95 < {TARGET_P95_MS:.0f} ms)"
    )
    cpu_ms = sum(portal_cpu.values()) * 1000 / MESSAGES
    print(
        f"CPU per message, the portal{stack} in all: {cpu_ms:.1f} ms "
        f"(target ≤ {TARGET_CPU_MS:.0f} ms)"
    )
    failures = []
    if ratio < TARGET_RATIO:
        failures.append("throughput under half the floor")
    if cpu_ms > TARGET_CPU_MS:
        failures.append(f"over {TARGET_CPU_MS:.0f} ms of CPU per message")
    if p95 >= TARGET_P95_MS:
        failures.append(f"p95 latency over {TARGET_P95_MS:.0f} ms")
    print(f"FAILED{stack}: " + "; ".join(failures) if failures else f"all targets met{stack}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
