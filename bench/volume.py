"""Platform-scale benchmark: with 200 cabinets, 20,000 companies, a million documents and a
million deliveries in PostgreSQL, each page and query a cabinet uses every day stays within 10
queries and 100 ms (p95) of server time, and the outbox sweep's query under 20 ms.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/welyb REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/volume.py           # database "<name>_volume", seeded once
    ... bench/volume.py --reseed                   # seeded again from scratch
    ... bench/volume.py --scale 0.01               # a hundredth of it, to try the bench itself

The database "<name>_volume" is kept between runs: seeding (bench/seeding.py, in SQL) takes a
few minutes, and a run that finds the volume already there goes straight to measuring. The
bench cabinet (« bench ») holds 500 companies, three of them big (40,000, 20,000 and 10,000
documents); the 199 other cabinets share 19,500 companies unevenly.

Each ask is made once warm with its queries counted, then REPEAT times in turns, through
Django's test client in this process (server time: middleware, queries, template; no network).
The query that took longest in the counted run is then run again under EXPLAIN (ANALYZE,
BUFFERS), and its plan's nodes printed (which indexes it uses). The deposit is an API POST of a
small PDF into the biggest company's Achats folder (Inqom Achats on, the company authorised):
the deposit and its delivery's planning; with REDIS_URL the delivery's task is published to
that Redis and removed afterwards (no worker sends it), and the documents deposited are deleted
at the end so that the seed stays the same.
"""

import argparse
import gc
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from common import bench_database_url, django_setup, measure_in_turns, p95

CABINETS = 200
COMPANIES = 20_000
BIG_CABINET_COMPANIES = 500
DOCUMENTS = 1_000_000
BIG_COMPANIES = [40_000, 20_000, 10_000]
INBOUND_EMAILS = 100_000
REPEAT = 30
QUERY_TARGET = 10
P95_TARGET_MS = 100
SWEEP_TARGET_MS = 20
HOST = "bench.localhost"
PLAN_LINES = 14
EXPLAINABLE = ("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")


def seeded(scale: float, *, reseed: bool) -> dict:
    from seeding import platform_counts, platform_of, platform_seed

    documents = int(DOCUMENTS * scale)
    counts = platform_counts()
    if not reseed and counts["documents"] >= documents and counts["cabinets"] >= CABINETS:
        print(f"already seeded: {_counts_line(counts)}")
        return platform_of()
    if counts["cabinets"]:
        sys.exit("the database holds another volume: run with --reseed")
    platform = platform_seed(
        cabinets=CABINETS,
        companies=max(CABINETS * 2, int(COMPANIES * scale)),
        big_cabinet_companies=max(2, int(BIG_CABINET_COMPANIES * scale)),
        documents=documents,
        big_companies=[max(1, int(n * scale)) for n in BIG_COMPANIES],
        inbound_emails=int(INBOUND_EMAILS * scale),
    )
    print(f"seeded: {_counts_line(platform_counts())}")
    return platform


def _counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {label}" for label, n in counts.items())


def plan_summary(sql: str) -> list[str]:
    """EXPLAIN (ANALYZE, BUFFERS) of `sql`: its nodes (scans with their index) and timings."""
    from django.db import connection, transaction

    # ANALYZE runs the statement: a write is undone.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        lines = [row[0] for row in cursor.fetchall()]
        transaction.set_rollback(True)
    kept = [
        line.rstrip()
        for line in lines
        if "->" in line
        or line.lstrip().startswith(("Execution Time", "Planning Time"))
        or line == lines[0]
    ]
    return [re.sub(r"\s+\(cost=[^)]*\)", "", line) for line in kept]


def heaviest_query(client, url: str, *, method: str = "get", **kwargs) -> tuple[float, str]:
    """The slowest query of one request, in ms, with its SQL."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        getattr(client, method)(url, **kwargs)
    return _slowest(captured.captured_queries)


def _slowest(captured: list[dict]) -> tuple[float, str]:
    """The slowest statement that EXPLAIN can take (not a COMMIT, nor the planner's estimates a
    search asks for, which are plans already)."""
    statements = [q for q in captured if q["sql"].lstrip().upper().startswith(EXPLAINABLE)]
    slowest = max(statements, key=lambda q: float(q["time"]))
    return float(slowest["time"]) * 1000, slowest["sql"]


def measure_function(label: str, function, repeat: int) -> tuple[int, list[float]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    function()
    with CaptureQueriesContext(connection) as captured:
        function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return len(captured), times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reseed", action="store_true", help="drop the database and seed it")
    parser.add_argument("--scale", type=float, default=1.0, help="a fraction of the volume")
    parser.add_argument("--repeat", type=int, default=REPEAT)
    parser.add_argument(
        "--cold", action="store_true", help="measure without reading the tables in first"
    )
    arguments = parser.parse_args()
    suffix = "volume" if arguments.scale == 1 else "volume_small"
    database_url = bench_database_url(suffix, require_postgres=True, fresh=arguments.reseed)
    media = Path(tempfile.mkdtemp(prefix="bench-volume-")) / "media"
    try:
        django_setup(database_url, media)
        platform = seeded(arguments.scale, reseed=arguments.reseed)
        if not arguments.cold:
            warm_up()
        return measure(platform, arguments.repeat)
    finally:
        shutil.rmtree(media.parent, ignore_errors=True)


# What the asks read: read in whole before measuring (pg_prewarm), as a production server's
# memory holds its working set. Without it, this machine's disk answers each page its cache
# dropped in 0.1 to 0.6 ms, and one request in ten of a search waited seconds for it
# (docs/benchmarks.md, « Cold pages »).
WARM_TABLES = [
    "ged_document",
    "partner_apps_delivery",
    "tenancy_company",
    "ged_folder",
    "ged_inboundemail",
    "partner_apps_companyauthorization",
    "partner_apps_folderautomation",
]


def warm_up() -> None:
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        cursor.execute(
            "SELECT COALESCE(SUM(pg_prewarm(c.oid, 'read')), 0) FROM pg_class c"
            " WHERE c.oid IN (SELECT unnest(%s::regclass[]))"
            " OR c.oid IN (SELECT indexrelid FROM pg_index"
            " WHERE indrelid IN (SELECT unnest(%s::regclass[])))",
            [WARM_TABLES, WARM_TABLES],
        )
        (blocks,) = cursor.fetchone()
        cursor.execute("SHOW shared_buffers")
        (shared_buffers,) = cursor.fetchone()
    print(
        f"read in first: {blocks * 8 // 1024:,} MB of tables and indexes in "
        f"{time.perf_counter() - start:.1f} s (shared_buffers {shared_buffers})"
    )


def blocks_read() -> int:
    """Pages PostgreSQL read from outside its buffers in this database so far (the OS cache or
    the disk)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT blks_read FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def measure(platform: dict, repeat: int) -> int:
    from django.db import connection
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from ged.models import Folder
    from ged.selectors_inbound import held_emails
    from partner_apps.selectors.attention import deliveries_counted_for_action
    from partner_apps.selectors.outbox import deliveries_to_sweep
    from partner_apps.services.outbox import SWEEP_BATCH
    from welyb_portal.tenancy.selectors import counts_at_once, notifications_unread

    cabinet, admin = platform["cabinet"], platform["admin"]
    biggest, second = platform["companies_by_size"][:2]
    small = platform["companies_by_size"][len(platform["companies_by_size"]) // 2]
    achats = Folder.objects.get(company_id=biggest, name="Achats")
    token, _created = Token.objects.get_or_create(user=admin)
    api = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Token {token.key}")
    browser = Client(HTTP_HOST=HOST)
    browser.force_login(admin)
    print(f"load before measuring: {os.getloadavg()[0]:.1f}")
    asks = [
        ("folder page: the biggest company's Achats", browser, f"/ged/dossiers/{achats.pk}/"),
        ("folder page, page 100", browser, f"/ged/dossiers/{achats.pk}/?page=100"),
        ("home: dashboard of 500 companies", browser, "/"),
        ("home: by last deposit", browser, "/?tri=-depot"),
        ("search page, cabinet: a rare word", browser, "/ged/recherche/?q=fournisseur 0042"),
        ("search page, cabinet: a common word", browser, "/ged/recherche/?q=facture"),
        (
            "search page, 1 company: a rare word",
            browser,
            f"/ged/recherche/?q=fournisseur 0042&entreprise={second}",
        ),
        (
            "search page, 1 company: a common word",
            browser,
            f"/ged/recherche/?q=facture&entreprise={second}",
        ),
        ("API search, cabinet: a rare word", api, "/api/v1/documents/?search=fournisseur 0042"),
        ("send history", browser, "/reglages/applications/envois/"),
        ("send history: failed", browser, "/reglages/applications/envois/?status=failed"),
        ("send history: 1 app", browser, "/reglages/applications/envois/?app=inqom-ventes"),
        ("send history: big company", browser, f"/reglages/applications/envois/?company={biggest}"),
        ("send history: small company", browser, f"/reglages/applications/envois/?company={small}"),
        ("send history: page 50", browser, "/reglages/applications/envois/?page=50"),
        ("API deliveries: needs action", api, "/api/v1/deliveries/?needs_action=true"),
        ("API deliveries: skipped", api, "/api/v1/deliveries/?status=skipped"),
        ("API deliveries: summary", api, "/api/v1/deliveries/summary/"),
        ("« Envois à régler » page", browser, "/reglages/applications/a-regler/"),
        (
            "« Envois à régler »: one reason",
            browser,
            "/reglages/applications/a-regler/?motif=duplicate",
        ),
    ]
    # As each of gunicorn's workers does once booted (gunicorn.conf.py): what is loaded by now
    # stays out of the garbage collector's full passes.
    gc.freeze()
    read_before = blocks_read()
    queries, times, _answers = measure_in_turns(asks, repeat)
    read = blocks_read() - read_before
    print(f"pages read from outside PostgreSQL's buffers while asking: {read:,}")
    rows = [(label, queries[label], times[label]) for label, _client, _url in asks]
    plans = {label: heaviest_query(client, url) for label, client, url in asks}

    def needs_action_count():
        return deliveries_counted_for_action(cabinet=cabinet).count()

    def topbar_counts():
        return counts_at_once(
            {
                "needs action": deliveries_counted_for_action(cabinet=cabinet),
                "held": held_emails(cabinet=cabinet),
                "bell": notifications_unread(user=admin),
            }
        )

    for label, function in (
        ("needs-action count (« Envois à régler » badge)", needs_action_count),
        ("top bar: its three counts in one query", topbar_counts),
    ):
        count_queries, count_times = measure_function(label, function, repeat)
        rows.append((label, count_queries, count_times))
        plans[label] = (0.0, _sql_of(function))
    now = timezone.now()

    def sweep():
        return list(deliveries_to_sweep(now=now)[:SWEEP_BATCH])

    sweep_queries, sweep_times = measure_function("sweep", sweep, repeat)
    rows.append(("outbox sweep's query", sweep_queries, sweep_times))
    plans["outbox sweep's query"] = (0.0, _sql_of(sweep))
    print(f"due now: {len(sweep())}, top bar's counts: {topbar_counts()}")

    deposit_rows, deposit_plan = measure_deposits(api, achats, repeat)
    rows.append(("deposit: API POST into an automated folder", *deposit_rows))
    plans["deposit: API POST into an automated folder"] = deposit_plan
    print(f"load after measuring: {os.getloadavg()[0]:.1f}")

    print(f"\n{'':52} {'queries':>8} {'p50':>9} {'p95':>9}")
    failures = []
    for label, count, values in rows:
        print(f"{label:52} {count:>8} {statistics.median(values):>7.1f}ms {p95(values):>7.1f}ms")
        target = SWEEP_TARGET_MS if label.startswith("outbox") else P95_TARGET_MS
        if count > QUERY_TARGET:
            failures.append(f"{label}: {count} queries (target {QUERY_TARGET})")
        if p95(values) > target:
            failures.append(f"{label}: p95 {p95(values):.1f} ms (target {target})")
    print("\nThe heaviest query of each, EXPLAIN (ANALYZE, BUFFERS):")
    with connection.cursor():
        for label, (ms, sql) in plans.items():
            print(f"\n## {label}" + (f" (took {ms:.1f} ms in the request)" if ms else ""))
            print(f"   {sql[:300]}{'…' if len(sql) > 300 else ''}")
            for line in plan_summary(sql)[:PLAN_LINES]:
                print(f"   {line}")
    for failure in failures:
        print(f"MISSED: {failure}")
    return 1 if failures else 0


def _sql_of(function) -> str:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        function()
    return captured.captured_queries[-1]["sql"]


def measure_deposits(api, folder, repeat: int):
    """Deposits of distinct small PDFs; returns (queries, times) and the heaviest query; the
    documents, their deliveries and the tasks published are removed afterwards."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ged.models import Document
    from partner_apps.models import Delivery

    url = f"/api/v1/folders/{folder.pk}/documents/"
    made = []

    def deposit(number: int):
        pdf = f"%PDF-1.4\n% bench volume {time.time_ns()} {number}\n%%EOF\n".encode()
        answer = api.post(url, {"file": SimpleUploadedFile(f"facture-bench-{number}.pdf", pdf)})
        assert answer.status_code == 201, (answer.status_code, answer.content[:300])
        made.append(answer.json()["id"])

    try:
        deposit(0)
        with CaptureQueriesContext(connection) as captured:
            deposit(1)
        slowest = _slowest(captured.captured_queries)
        times = []
        for number in range(repeat):
            start = time.perf_counter()
            deposit(2 + number)
            times.append((time.perf_counter() - start) * 1000)
        planned = Delivery.objects.filter(document_id__in=made).count()
        print(f"deposits: {len(made)}, deliveries planned: {planned}")
    finally:
        Delivery.objects.filter(document_id__in=made).delete()
        Document.objects.filter(pk__in=made).delete()
        _purge_tasks()
    return (len(captured), times), slowest


def _purge_tasks() -> None:
    if os.environ.get("REDIS_URL"):
        from welyb_portal.celery import app

        app.control.purge()


if __name__ == "__main__":
    sys.exit(main())
