"""Request bodies against a real server: what an attacker's big bodies cost a web process.

    .venv/bin/python bench/bodies.py                   # this checkout, SQLite under var/bench/
    .venv/bin/python bench/bodies.py --code DIR        # the same attacks on another checkout
                                                       # (git archive <rev> | tar -x -C DIR)

Starts gunicorn as production does (`gunicorn welyb_portal.wsgi`, one sync worker), with
DOCUMENT_MAX_MB=100, its temporary upload files in a folder of their own; warms the worker up
with a login page and a small deposit; then sends, one after the other, each from a client that
streams its body and stops as soon as the server answers:

1. an anonymous 44 MiB JSON to the API's token endpoint;
2. an anonymous 200 MiB deposit with a CSRF cookie (the folder page's upload route);
3. a signed-in client's 150 MiB deposit through the API (past DOCUMENT_MAX_MB by its length);
4. the same client's deposit of DOCUMENT_MAX_MB + 32 KiB (past it by its bytes only).

For each: the answer's status, how much of the body the client had sent when it came, the
worker's resident memory (VmRSS) before and after and its peak (VmHWM), and the largest
temporary upload file seen (the folder is polled every 2 ms while the request runs).
"""

import argparse
import contextlib
import http.client
import os
import secrets
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from common import ROOT, bench_database_url, django_setup, free_port

HOST = "bench.localhost"
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway database
MEBIBYTE = 1024 * 1024
DOCUMENT_MAX_MB = 100
CHUNK = 256 * 1024
PDF_HEAD = b"%PDF-1.4\n%bench\n"


def build_world():
    from rest_framework.authtoken.models import Token

    from ged.services.folders import folder_create
    from welyb_portal.tenancy.models import Role, User
    from welyb_portal.tenancy.services.cabinets import cabinet_create
    from welyb_portal.tenancy.services.companies import company_create

    cabinet = cabinet_create(
        slug="bench", name="Cabinet Bench", admin_email="admin@bench.fr", admin_password=PASSWORD
    )
    admin = User.objects.get(cabinet=cabinet, role=Role.ADMIN)
    company = company_create(cabinet=cabinet, name="Entreprise Bench", by=admin)
    folder = folder_create(company=company, parent=None, name="Achats", by=admin)
    return folder.pk, Token.objects.get_or_create(user=admin)[0].key


def status_of(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def worker_of(master: int) -> int:
    deadline = time.time() + 30
    while time.time() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.1)
    raise RuntimeError("gunicorn started no worker")


class SpoolWatch:
    """The largest file seen in a folder while it runs (polled every 2 ms)."""

    def __init__(self, folder: Path):
        self.folder, self.largest, self._stop = folder, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for path in self.folder.iterdir():
                with contextlib.suppress(FileNotFoundError):
                    self.largest = max(self.largest, path.stat().st_size)
            time.sleep(0.002)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def send(
    port: int,
    path: str,
    headers: dict[str, str],
    head: bytes,
    size: int,
    tail: bytes,
    pattern: bytes = b"",
):
    """Streams a body of `size` bytes (head, `pattern` repeated or random bytes, tail), stopping
    as soon as the server answers; returns (status, bytes sent, seconds, answer's first bytes)."""
    length = len(head) + size + len(tail)
    lines = [f"POST {path} HTTP/1.1", f"Host: {HOST}", f"Content-Length: {length}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    sock = socket.create_connection(("127.0.0.1", port), timeout=600)
    started, sent = time.perf_counter(), 0
    filler = pattern * (CHUNK // len(pattern)) if pattern else secrets.token_bytes(CHUNK)
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        pieces = [head] + [filler] * (size // CHUNK) + [filler[: size % CHUNK], tail]
        for piece in pieces:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered: the rest is not needed
            sock.sendall(piece)
            sent += len(piece)
    except (BrokenPipeError, ConnectionResetError):
        pass
    answer = b""
    try:
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    except ConnectionResetError:
        pass
    elapsed = time.perf_counter() - started
    sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, sent, elapsed, answer


def multipart(fields: dict[str, str], name: str) -> tuple[bytes, bytes, str]:
    boundary = uuid.uuid4().hex
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode() + PDF_HEAD
    return head, f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def attacks(folder_id: int, token: str) -> list[tuple]:
    """(label, path, headers, head, filler's size, tail, filler's pattern)."""
    # A CSRF cookie of the right shape, and a form token that does not match it: a 403, once
    # the check has read the form.
    deposit_head, deposit_tail, deposit_type = multipart({"csrfmiddlewaretoken": "b" * 32}, "x.pdf")
    api_head, api_tail, api_type = multipart({}, "gros.pdf")
    token_header = {"Authorization": f"Token {token}", "Content-Type": api_type}
    return [
        (
            "anonymous 44 MiB JSON to the token endpoint",
            "/api/v1/auth/token/",
            {"Content-Type": "application/json"},
            b'{"username": "x@bench.fr", "password": "x", "padding": [',
            44 * MEBIBYTE,
            b"0]}",
            b"0,",
        ),
        (
            "anonymous 200 MiB deposit with a CSRF cookie",
            f"/ged/dossiers/{folder_id}/deposer/",
            {"Content-Type": deposit_type, "Cookie": "csrftoken=" + "a" * 32},
            deposit_head,
            200 * MEBIBYTE,
            deposit_tail,
            b"",
        ),
        (
            "signed-in 150 MiB deposit through the API",
            f"/api/v1/folders/{folder_id}/documents/",
            token_header,
            api_head,
            150 * MEBIBYTE,
            api_tail,
            b"",
        ),
        (
            f"signed-in deposit of {DOCUMENT_MAX_MB} MiB + 32 KiB through the API",
            f"/api/v1/folders/{folder_id}/documents/",
            token_header,
            api_head,
            DOCUMENT_MAX_MB * MEBIBYTE + 32 * 1024 - len(PDF_HEAD),
            api_tail,
            b"",
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout gunicorn runs")
    code = parser.parse_args().code.resolve()
    work = Path(tempfile.mkdtemp(prefix="bench-bodies-"))
    spool = work / "uploads"
    spool.mkdir()
    database_url = bench_database_url("bodies")
    os.environ.pop("REDIS_URL", None)
    django_setup(database_url, work / "media")
    folder_id, token = build_world()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VAR_DIR": str(work),
        "PORTAL_DOMAIN": "localhost",
        "DOCUMENT_MAX_MB": str(DOCUMENT_MAX_MB),
        "FILE_UPLOAD_TEMP_DIR": str(spool),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(code),
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "welyb_portal.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}"],
        cwd=code,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        worker = worker_of(server.pid)
        deadline = time.time() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/connexion/", headers={"Host": HOST})
                connection.getresponse().read()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        # Warm-up: a small deposit imports and caches what the later requests use.
        head, tail, content_type = multipart({}, "petit.pdf")
        warm = send(
            port,
            f"/api/v1/folders/{folder_id}/documents/",
            {"Authorization": f"Token {token}", "Content-Type": content_type},
            head,
            64 * 1024,
            tail,
        )
        assert warm[0] == 201, warm
        print(f"code: {code}\ndatabase: {database_url.split(':')[0]}")
        print(
            "| request | answer | body sent when it came | time | RSS before → after | "
            "peak (VmHWM) | largest temporary file |"
        )
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for label, path, headers, head, size, tail, pattern in attacks(folder_id, token):
            before = status_of(worker)
            with SpoolWatch(spool) as watch:
                status, sent, elapsed, _answer = send(
                    port, path, headers, head, size, tail, pattern
                )
            time.sleep(0.3)  # the worker finishes its request
            after = status_of(worker)
            print(
                f"| {label} | {status} | {sent / MEBIBYTE:.1f} MiB | {elapsed:.2f} s | "
                f"{before['VmRSS'] / 1024:.0f} → {after['VmRSS'] / 1024:.0f} MiB | "
                f"{after['VmHWM'] / 1024:.0f} MiB | {watch.largest / MEBIBYTE:.1f} MiB |"
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
