"""Dashboard benchmark: the cabinet's home with 500 companies stays within 10 queries and
answers in under 100 ms (p95) of server time, whatever its sort.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/welyb .venv/bin/python bench/dashboard.py
                                                       # a fresh database "<name>_dashboard"
    .venv/bin/python bench/dashboard.py                # SQLite file under var/bench/

It builds a cabinet of 500 companies made the way the portal makes them (their folder tree and
deposit addresses), 400 authorised for Inqom Achats, 300 with the Achats folder on, 100
documents each (50,000 in all), and 3 failed sends in each of 100 companies. Then it asks each
view of the dashboard (by name, by last deposit, by what needs action, by connections, a
search, a page further on) and the company list of the settings (`/reglages/entreprises/`, a
plain paginated list, the baseline) in turns, REPEAT times each, through Django's test client
in this process: server time, without a network. It prints the queries, p50 and p95 of each,
and p95 / baseline p95 (the machine is shared and noisy: the ratio is what to compare).
"""

import datetime as dt
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from common import bench_database_url, django_setup, measure_in_turns, p95

COMPANIES = 500
AUTHORIZED = 400
AUTOMATED = 300
DOCUMENTS_EACH = 100
WITH_FAILURES = 100
FAILURES_EACH = 3
REPEAT = 40
QUERY_TARGET = 10
P95_TARGET_MS = 100
HOST = "bench.localhost"
PASSWORD = "bench-password-2026"  # noqa: S105 - a throwaway database
ACHATS = "inqom-achats"
URLS = [
    ("by name", "/"),
    ("by last deposit", "/?tri=-depot"),
    ("by needs action", "/?tri=-a-regler"),
    ("by connections", "/?tri=-connexions"),
    ("search « 42 »", "/?q=42"),
    ("page 15 by deposit", "/?tri=depot&page=15"),
]
BASELINE = ("company list (baseline)", "/reglages/entreprises/")


def build_world():
    from django.utils import timezone

    from ged.models import Channel, Document
    from ged.services.folders import folder_path_ensure
    from partner_apps.models import Delivery, DeliveryStatus, PartnerApp, ReasonCode
    from partner_apps.services.authorizations import authorization_set
    from partner_apps.services.automations import automation_set
    from partner_apps.services.store import app_install
    from welyb_portal.tenancy.models import Role, User
    from welyb_portal.tenancy.services.cabinets import cabinet_create
    from welyb_portal.tenancy.services.companies import company_create

    started = time.time()
    cabinet = cabinet_create(
        slug="bench", name="Cabinet Bench", admin_email="admin@bench.fr", admin_password=PASSWORD
    )
    admin = User.objects.get(cabinet=cabinet, role=Role.ADMIN)
    achats_app = PartnerApp.objects.get(slug=ACHATS)
    app_install(cabinet=cabinet, app=achats_app, by=admin)
    random.seed(2026)
    now = timezone.now()
    documents = []
    companies = []
    for number in range(COMPANIES):
        company = company_create(cabinet=cabinet, name=f"Société {number:03d}", by=admin)
        companies.append(company)
        achats = folder_path_ensure(
            company=company, names=["Dossier comptable annuel 2026", "Achats"], by=admin
        )
        if number < AUTHORIZED:
            authorization_set(
                company=company,
                app=achats_app,
                enabled=True,
                collection_email=f"achat.societe-{number}@inqombox.com",
                by=admin,
            )
        if number < AUTOMATED:
            automation_set(folder=achats, app=achats_app, enabled=True, by=admin)
        documents += [
            Document(
                company=company,
                cabinet_id=company.cabinet_id,
                folder=achats,
                file=f"documents/{company.pk}/{uuid.uuid4().hex}",
                name=f"facture-{number:03d}-{i:03d}.pdf",
                extension="pdf",
                size=1000 + i,
                sha256=secrets.token_hex(32),
                content_type="application/pdf",
                channel=Channel.API,
                deposited_by=admin,
                deposited_at=now - dt.timedelta(minutes=random.randrange(525_600)),
            )
            for i in range(DOCUMENTS_EACH)
        ]
    Document.objects.bulk_create(documents, batch_size=2000)
    failed = []
    for company in companies[:WITH_FAILURES]:
        for document in Document.objects.filter(company=company)[:FAILURES_EACH]:
            failed.append(
                Delivery(
                    document=document,
                    app=achats_app,
                    company=company,
                    cabinet_id=company.cabinet_id,
                    target="achat@inqombox.com",
                    sha256=document.sha256,
                    status=DeliveryStatus.FAILED,
                    reason_code=ReasonCode.SEND_FAILED,
                    reason="Échec d'envoi.",
                )
            )
    Delivery.objects.bulk_create(failed)
    print(
        f"built: {COMPANIES} companies, {len(documents)} documents, {len(failed)} failed sends"
        f" ({time.time() - started:.0f} s)"
    )
    return admin


def main() -> int:
    media = Path(tempfile.mkdtemp(prefix="bench-dashboard-")) / "media"
    database_url = bench_database_url("dashboard")
    try:
        django_setup(database_url, media)
        from django.db import connection
        from django.test import Client

        print(f"database: {connection.vendor}")
        admin = build_world()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")
        client = Client(HTTP_HOST=HOST)
        client.force_login(admin)
        pages = [*URLS, BASELINE]
        queries, times, _answers = measure_in_turns(
            [(url, client, url) for _label, url in pages], REPEAT
        )
    finally:
        shutil.rmtree(media.parent, ignore_errors=True)

    base = p95(times[BASELINE[1]])
    print(f"\n{'':26} {'queries':>8} {'p50':>9} {'p95':>9} {'p95/base':>9}")
    failures = []
    for label, url in pages:
        print(
            f"{label:26} {queries[url]:>8} {statistics.median(times[url]):>7.1f}ms"
            f" {p95(times[url]):>7.1f}ms {p95(times[url]) / base:>9.2f}"
        )
        if (label, url) != BASELINE:
            if queries[url] > QUERY_TARGET:
                failures.append(f"{label}: {queries[url]} queries (target {QUERY_TARGET})")
            if p95(times[url]) > P95_TARGET_MS:
                failures.append(f"{label}: p95 {p95(times[url]):.1f} ms (target {P95_TARGET_MS})")
    for failure in failures:
        print(f"MISSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
