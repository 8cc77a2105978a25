"""GED benchmark: big folders stay usable, deposits cost the same at any depth, and uploads
stream instead of filling the server's memory.

    .venv/bin/python bench/ged.py                      # SQLite file under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/welyb .venv/bin/python bench/ged.py
                                                       # a fresh database "<name>_bench"

It builds a company with one folder of 10,000 documents and a branch 20 folders deep, then
prints:
- the queries and the time of the folder page and of the API listing at page 1 and page 200,
  and the ratio page 200 / page 1 (the machine is shared and noisy: ratios, not absolutes);
- the queries of one deposit at depth 1 and at depth 20 (they must be equal);
- the growth of the peak memory (VmHWM) of a real server process while a 200 MB file is
  uploaded through the API (target: under 30 MB), against the same process's peak before.
"""

import http.client
import io
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import bench_database_url, django_setup, portal_server, vm_hwm_kb

DOCUMENTS = 10_000
DEPTH = 20
UPLOAD_MB = 200
MEMORY_TARGET_MB = 30
REPEAT = 5
HOST = "bench.localhost"
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway database
PDF_HEAD = b"%PDF-1.4\n%bench\n"


def build_world():
    from ged.models import Channel, Document
    from ged.services.folders import folder_create
    from welyb_portal.tenancy.models import Company, Role, User
    from welyb_portal.tenancy.services.cabinets import cabinet_create
    from welyb_portal.tenancy.services.companies import company_create

    cabinet = cabinet_create(
        slug="bench", name="Cabinet Bench", admin_email="admin@bench.fr", admin_password=PASSWORD
    )
    admin = User.objects.get(cabinet=cabinet, role=Role.ADMIN)
    company: Company = company_create(cabinet=cabinet, name="Entreprise Bench", by=admin)
    big = folder_create(company=company, parent=None, name="Factures", by=admin)
    now = time.time()
    Document.objects.bulk_create(
        [
            Document(
                company=company,
                cabinet_id=company.cabinet_id,
                folder=big,
                file=f"documents/{company.pk}/{uuid.uuid4().hex}",
                name=f"facture-{i:05d}.pdf",
                extension="pdf",
                size=1000 + i,
                sha256=secrets.token_hex(32),
                content_type="application/pdf",
                channel=Channel.API,
                deposited_by=admin,
            )
            for i in range(DOCUMENTS)
        ],
        batch_size=1000,
    )
    parent = None
    branch = []
    for level in range(1, DEPTH + 1):
        parent = folder_create(company=company, parent=parent, name=f"Niveau {level}", by=admin)
        branch.append(parent)
    elapsed = time.time() - now
    print(f"built: {DOCUMENTS} documents in one folder, a branch {DEPTH} deep ({elapsed:.1f} s)")
    return admin, company, big, branch


def measure(client, url: str, **headers):
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    # The build filled the query log to its limit, and a full log counts nothing new.
    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        client.get(url, **headers)
        times.append(time.perf_counter() - start)
    return len(queries), statistics.median(times)


def bench_listings(admin, big) -> list[dict]:
    from django.test import Client
    from rest_framework.authtoken.models import Token

    browser = Client(HTTP_HOST=HOST)
    browser.force_login(admin)
    api = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin).key}")
    last = DOCUMENTS // 50
    rows = []
    for label, client, url in (
        ("folder page", browser, f"/ged/dossiers/{big.pk}/"),
        ("API listing", api, f"/api/v1/folders/{big.pk}/documents/"),
    ):
        q1, t1 = measure(client, f"{url}?page=1")
        q2, t2 = measure(client, f"{url}?page={last}")
        rows.append({"what": label, "q1": q1, "t1": t1, "q200": q2, "t200": t2})
    print(f"\n{'':14} {'queries p1':>10} {'p200':>6} {'time p1':>10} {'p200':>10} {'p200/p1':>8}")
    for row in rows:
        print(
            f"{row['what']:14} {row['q1']:>10} {row['q200']:>6} {row['t1'] * 1000:>8.1f}ms"
            f" {row['t200'] * 1000:>8.1f}ms {row['t200'] / row['t1']:>8.2f}"
        )
    return rows


def bench_deposit_queries(admin, branch) -> tuple[int, int]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from ged.models import Channel
    from ged.services.deposit import document_deposit

    counts = []
    for folder in (branch[0], branch[-1]):
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            document_deposit(
                folder=folder,
                file=io.BytesIO(PDF_HEAD + secrets.token_bytes(2048)),
                name="facture.pdf",
                by=admin,
                channel=Channel.API,
            )
        counts.append(len(queries))
    print(f"\ndeposit queries: depth 1 = {counts[0]}, depth {DEPTH} = {counts[1]}")
    return counts[0], counts[1]


def upload(port: int, token: str, folder_id: int, size: int, name: str) -> dict:
    """Streams a multipart upload of `size` bytes without building it in memory here."""
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    connection.putrequest("POST", f"/api/v1/folders/{folder_id}/documents/", skip_host=True)
    connection.putheader("Host", HOST)
    connection.putheader("Authorization", f"Token {token}")
    connection.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    connection.putheader("Content-Length", str(len(head) + size + len(tail)))
    connection.endheaders()
    connection.send(head + PDF_HEAD)
    chunk = secrets.token_bytes(1024 * 1024)
    remaining = size - len(PDF_HEAD)
    while remaining > 0:
        connection.send(chunk[: min(remaining, len(chunk))])
        remaining -= len(chunk)
    connection.send(tail)
    response = connection.getresponse()
    body = response.read()
    assert response.status == 201, (response.status, body[:500])
    return json.loads(body)


def bench_upload_memory(admin, folder, database_url: str, media: Path) -> tuple[float, float]:
    from rest_framework.authtoken.models import Token

    token = Token.objects.get_or_create(user=admin)[0].key
    limit = {"DOCUMENT_MAX_MB": str(UPLOAD_MB + 10)}
    with portal_server(database_url, media, **limit) as (server, port):
        # Warm up: the first upload imports and caches what every later one uses.
        upload(port, token, folder.pk, 1024 * 1024, "warmup.pdf")
        before = vm_hwm_kb(server.pid)
        started = time.perf_counter()
        document = upload(port, token, folder.pk, UPLOAD_MB * 1024 * 1024, "gros.pdf")
        elapsed = time.perf_counter() - started
        after = vm_hwm_kb(server.pid)
    growth = (after - before) / 1024
    print(
        f"\nupload of {UPLOAD_MB} MB in {elapsed:.1f} s: server peak memory {before / 1024:.1f} MB"
        f" -> {after / 1024:.1f} MB, growth {growth:.1f} MB (target < {MEMORY_TARGET_MB} MB);"
        f" stored size {document['size']} bytes"
    )
    return growth, elapsed


def main() -> int:
    media = Path(tempfile.mkdtemp(prefix="bench-ged-")) / "media"
    database_url = bench_database_url("bench")
    try:
        os.environ.pop("REDIS_URL", None)  # tasks in-process: this bench measures the GED alone
        django_setup(database_url, media)
        from django.db import connection

        print(f"database: {connection.vendor}")
        admin, _company, big, branch = build_world()
        bench_listings(admin, big)
        depth1, depth20 = bench_deposit_queries(admin, branch)
        growth, _elapsed = bench_upload_memory(admin, branch[0], database_url, media)
    finally:
        shutil.rmtree(media.parent, ignore_errors=True)
    failures = []
    if depth1 != depth20:
        failures.append("deposit queries differ with depth")
    if growth >= MEMORY_TARGET_MB:
        failures.append(f"upload grew the server by {growth:.1f} MB")
    print("\n" + ("FAILED: " + "; ".join(failures) if failures else "all targets met"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
