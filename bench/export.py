"""Export benchmark: the server that streams a company's export (« Exporter les documents
(zip) ») keeps the same memory whether the company holds 200 MB or 2 GB of documents.

    .venv/bin/python bench/export.py                   # SQLite file under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/welyb .venv/bin/python bench/export.py
                                                       # a fresh database "<name>_export"

It builds a cabinet with three companies: « Petite » (one file: the warm-up), « 200 Mo » (40
files of 5 MiB) and « 2 Go » (400 files of 5 MiB), their random bytes written to a file-system
storage under a temporary directory, spread over the six folders of the year's tree, each with
a delivery sent (so that the manifest has its sends). For each big company, a fresh
`runserver --noreload --nothreading` process first exports « Petite » (imports, templates, the
first queries), then its peak resident memory (VmHWM) is read: the baseline; then the export
is asked as the cabinet's admin (a POST with the session and CSRF cookies) and its stream read
over loopback by chunks of 1 MiB, counted and dropped, and VmHWM is read again. It prints the
archive's size, the time, the throughput, the baseline, the peak and its growth, and the ratio
of the 2 GB company's growth to the 200 MB one's: flat memory is a growth that does not move.
"""

import hashlib
import http.client
import os
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

from common import bench_database_url, django_setup, portal_server, vm_hwm_kb

FILE_MB = 5
COMPANIES = [("Petite", 1), ("200 Mo", 40), ("2 Go", 400)]
GROWTH_TARGET_MB = 30
HOST = "bench.localhost"
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway database
PDF_HEAD = b"%PDF-1.4\n%bench\n"
MEBIBYTE = 1024 * 1024


def build_world(media: Path):
    from django.utils import timezone

    from ged.models import Channel, Document
    from ged.services.folders import folder_path_ensure
    from partner_apps.models import Delivery, DeliveryStatus, PartnerApp
    from welyb_portal.tenancy.models import Role, User
    from welyb_portal.tenancy.services.cabinets import cabinet_create
    from welyb_portal.tenancy.services.companies import company_create

    started = time.time()
    cabinet = cabinet_create(
        slug="bench", name="Cabinet Bench", admin_email="admin@bench.fr", admin_password=PASSWORD
    )
    admin = User.objects.get(cabinet=cabinet, role=Role.ADMIN)
    connector = PartnerApp.objects.get(slug="inqom-achats")
    companies = {}
    for name, files in COMPANIES:
        company = company_create(cabinet=cabinet, name=f"Entreprise {name}", by=admin)
        folders = [
            folder_path_ensure(
                company=company, names=["Dossier comptable annuel 2026", sub], by=admin
            )
            for sub in ("Achats", "Ventes", "Notes de frais", "Banque", "Fiscal", "Social")
        ]
        documents = []
        for n in range(files):
            key = f"documents/{company.pk}/{uuid.uuid4().hex}"
            content = PDF_HEAD + secrets.token_bytes(FILE_MB * MEBIBYTE - len(PDF_HEAD))
            (media / key).parent.mkdir(parents=True, exist_ok=True)
            (media / key).write_bytes(content)
            documents.append(
                Document(
                    company=company,
                    cabinet_id=company.cabinet_id,
                    folder=folders[n % len(folders)],
                    file=key,
                    name=f"facture-{n:04d}.pdf",
                    extension="pdf",
                    size=len(content),
                    sha256=hashlib.sha256(content).hexdigest(),
                    content_type="application/pdf",
                    channel=Channel.WEB,
                    deposited_by=admin,
                    deposited_at=timezone.now() - timedelta(minutes=n),
                )
            )
        Document.objects.bulk_create(documents)
        Delivery.objects.bulk_create(
            Delivery(
                document=document,
                app=connector,
                company=company,
                cabinet_id=company.cabinet_id,
                target="achat.bench@inqombox.com",
                sha256=document.sha256,
                status=DeliveryStatus.SENT,
                sent_at=timezone.now(),
            )
            for document in documents
        )
        companies[name] = company
    print(
        f"built: {sum(n for _name, n in COMPANIES)} files of {FILE_MB} MiB"
        f" ({time.time() - started:.0f} s)"
    )
    return admin, companies


def session_of(admin) -> str:
    """The key of a session of the admin (the POST brings its own CSRF cookie and header)."""
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    client.force_login(admin)
    return client.cookies["sessionid"].value


def export(port: int, session: str, company_id: int) -> tuple[int, float]:
    """The export's stream, read by chunks of 1 MiB and dropped: (bytes, seconds)."""
    csrf = secrets.token_hex(16)  # 32 characters, as Django's CSRF secret
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    started = time.perf_counter()
    connection.request(
        "POST",
        f"/ged/entreprises/{company_id}/export/",
        headers={
            "Host": HOST,
            "Cookie": f"sessionid={session}; csrftoken={csrf}",
            "X-CSRFToken": csrf,
            "Content-Length": "0",
        },
    )
    response = connection.getresponse()
    assert response.status == 200, (response.status, response.read(500))
    total, tail = 0, b""
    while chunk := response.read(MEBIBYTE):
        total += len(chunk)
        tail = (tail + chunk)[-65536:]
    assert b"PK\x05\x06" in tail, "no end of central directory: the archive is cut"
    return total, time.perf_counter() - started


def bench_company(name, companies, session, database_url: str, media: Path) -> dict:
    with portal_server(database_url, media) as (server, port):
        export(port, session, companies["Petite"].pk)  # warm-up
        before = vm_hwm_kb(server.pid)
        size, elapsed = export(port, session, companies[name].pk)
        after = vm_hwm_kb(server.pid)
    result = {
        "name": name,
        "archive_mb": size / MEBIBYTE,
        "seconds": elapsed,
        "before_mb": before / 1024,
        "after_mb": after / 1024,
        "growth_mb": (after - before) / 1024,
    }
    print(
        f"{name:>7}: archive {result['archive_mb']:,.0f} MiB in {elapsed:.1f} s "
        f"({result['archive_mb'] / elapsed:.0f} MiB/s); server peak {result['before_mb']:.1f} MiB "
        f"-> {result['after_mb']:.1f} MiB (growth {result['growth_mb']:.1f} MiB)"
    )
    return result


def main() -> int:
    media = Path(tempfile.mkdtemp(prefix="bench-export-")) / "media"
    media.mkdir(parents=True)
    database_url = bench_database_url("export")
    try:
        os.environ.pop("REDIS_URL", None)
        django_setup(database_url, media)
        from django.db import connection

        print(f"database: {connection.vendor}")
        admin, companies = build_world(media)
        session = session_of(admin)
        small = bench_company("200 Mo", companies, session, database_url, media)
        big = bench_company("2 Go", companies, session, database_url, media)
    finally:
        shutil.rmtree(media.parent, ignore_errors=True)
    print(
        f"\n2 GB / 200 MB: archive x{big['archive_mb'] / small['archive_mb']:.1f}, "
        f"peak x{big['after_mb'] / small['after_mb']:.2f}, "
        f"growth {small['growth_mb']:.1f} MiB -> {big['growth_mb']:.1f} MiB"
    )
    failures = [
        f"{result['name']} grew the server by {result['growth_mb']:.1f} MiB"
        for result in (small, big)
        if result["growth_mb"] >= GROWTH_TARGET_MB
    ]
    print("\n" + ("FAILED: " + "; ".join(failures) if failures else "all targets met"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
