"""The operator's view of a node: /readyz for the load balancer, /metrics for Prometheus, read
the way they read them (JSON, and Prometheus's text format)."""

import socket
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from partner_apps.models import Delivery, DeliveryStatus, ReasonCode
from tests.conftest import browser, host_of
from tests.helpers.documents import PDF, deposit, folder_at
from tests.helpers.forwarding import ACHATS, ANNUAL, connect, switch_on
from tests.helpers.metrics import (
    BARE,
    TOKEN,
    UNKNOWN_IP,
    sample,
    scrape,
)
from welyb_portal.operations import task_metrics

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.DELIVERY_SWEEP_SECONDS = 30


def closed_port() -> int:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        return listener.getsockname()[1]


def planned_deliveries(world, n: int, django_capture_on_commit_callbacks) -> list[Delivery]:
    """`n` deposits into an automated folder whose tasks never ran: pending in the outbox."""
    connect(world.a, world.a.company, ACHATS, name="boulangerie-alpha")
    folder = folder_at(world.a.company, f"{ANNUAL}/Achats")
    switch_on(folder, ACHATS, world.a.admin)
    with django_capture_on_commit_callbacks(execute=False):
        for i in range(n):
            deposit(folder, f"facture-{i}.pdf", PDF + bytes([i]), by=world.a.client)
    return list(Delivery.objects.order_by("id"))


def aged(delivery: Delivery, **fields) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(**fields)


# --- /readyz -----------------------------------------------------------------------------------


def test_readyz_reports_each_part_and_the_outbox_lag(
    world, settings, django_capture_on_commit_callbacks
):
    _fresh, late, retrying, later = planned_deliveries(world, 4, django_capture_on_commit_callbacks)
    now = timezone.now()
    # Pending for 5 minutes: its task was lost. Retrying since 2 minutes. Retrying in an hour.
    aged(late, updated_at=now - timedelta(minutes=5))
    aged(retrying, status=DeliveryStatus.RETRYING, next_attempt_at=now - timedelta(minutes=2))
    aged(later, status=DeliveryStatus.RETRYING, next_attempt_at=now + timedelta(hours=1))

    response = Client(HTTP_HOST=BARE).get("/readyz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == body["storage"] == "ok"
    assert body["broker"] == ("ok" if settings.REDIS_URL else "in-process")
    assert body["outbox"]["due"] == 2
    assert 300 <= body["outbox"]["oldest_due_seconds"] < 310


def test_readyz_answers_on_a_cabinet_host_and_an_unknown_one_alike_without_tenant_data(world):
    for host in (BARE, host_of(world.a.cabinet), UNKNOWN_IP):
        response = Client(HTTP_HOST=host).get("/readyz")
        assert response.status_code == 200, host
        assert response.json()["outbox"] == {"due": 0, "oldest_due_seconds": 0}
        assert "alpha" not in response.text.lower()
        assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_costs_two_queries(world):
    client = Client(HTTP_HOST=BARE)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/readyz").status_code == 200
    # SELECT 1, then the outbox's due count and oldest due, in one query.
    assert len(queries) == 2, [q["sql"] for q in queries]


def test_readyz_answers_503_naming_the_broker_when_redis_is_down(world, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"

    response = Client(HTTP_HOST=BARE).get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["broker"] == "error: ConnectionError"
    assert body["database"] == body["storage"] == "ok"
    assert body["outbox"] == {"due": 0, "oldest_due_seconds": 0}


def test_readyz_answers_503_naming_the_storage_when_its_directory_cannot_be_made(
    world, settings, tmp_path
):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": blocker / "media"},
        },
    }

    response = Client(HTTP_HOST=BARE).get("/readyz")

    assert response.status_code == 503
    assert response.json()["storage"] == "error: NotADirectoryError"
    assert response.json()["database"] == "ok"


def test_readyz_answers_503_naming_the_database_when_it_refuses_queries(world):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        response = Client(HTTP_HOST=BARE).get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["database"] == body["outbox"] == "error: OperationalError"
    assert body["storage"] == "ok"


def test_readyz_says_the_broker_is_in_process_without_redis_and_stays_ready(world, settings):
    settings.REDIS_URL = ""
    response = Client(HTTP_HOST=BARE).get("/readyz")
    assert response.status_code == 200
    assert response.json()["broker"] == "in-process"


# --- /metrics ----------------------------------------------------------------------------------


def test_metrics_is_not_found_while_no_token_is_set(world, settings):
    settings.METRICS_TOKEN = ""
    assert Client(HTTP_HOST=BARE).get("/metrics").status_code == 404
    response = Client(HTTP_HOST=BARE).get("/metrics", HTTP_AUTHORIZATION="Bearer ")
    assert response.status_code == 404


@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", f"Token {TOKEN}", f"Bearer {TOKEN}x", "Bearer"]
)
def test_metrics_refuses_a_missing_or_wrong_token(world, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    response = Client(HTTP_HOST=BARE).get("/metrics", **headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert b"portal_" not in response.content


def test_a_page_request_counts_under_its_route_name_not_its_path(world):
    folder = folder_at(world.a.company, f"{ANNUAL}/Achats")
    before = scrape()
    staff = browser(world.a.admin)
    assert staff.get(f"/ged/dossiers/{folder.pk}/").status_code == 200
    assert staff.get(f"/ged/dossiers/{10**9}/").status_code == 404
    after = scrape(host_of(world.b.cabinet))

    def count(samples, status):
        labels = {"route": "ged:folder", "method": "GET", "status": status}
        return sample(samples, "portal_http_requests_total", **labels)

    assert count(after, "2xx") - count(before, "2xx") == 1
    assert count(after, "4xx") - count(before, "4xx") == 1
    latency = {"route": "ged:folder", "method": "GET", "status": "2xx"}
    assert (
        sample(after, "portal_http_request_duration_seconds_count", **latency)
        - sample(before, "portal_http_request_duration_seconds_count", **latency)
        == 1
    )
    assert not any(str(folder.pk) in dict(labels).get("route", "") for _, labels in after)


def test_metrics_count_deliveries_by_status_and_reason_and_the_outbox_lag(
    world, django_capture_on_commit_callbacks
):
    late, skipped, failed = planned_deliveries(world, 3, django_capture_on_commit_callbacks)
    aged(late, updated_at=timezone.now() - timedelta(minutes=10))
    aged(skipped, status=DeliveryStatus.SKIPPED, reason_code=ReasonCode.DUPLICATE)
    aged(failed, status=DeliveryStatus.FAILED, reason_code=ReasonCode.SEND_FAILED)

    samples = scrape()

    assert sample(samples, "portal_deliveries", status="pending", reason_code="") == 1
    assert sample(samples, "portal_deliveries", status="skipped", reason_code="duplicate") == 1
    assert sample(samples, "portal_deliveries", status="failed", reason_code="send_failed") == 1
    # Every status has its series, at 0 when no delivery has it.
    assert ("portal_deliveries", (("reason_code", ""), ("status", "bounced"))) in samples
    assert sample(samples, "portal_outbox_due_deliveries") == 1
    assert 600 <= sample(samples, "portal_outbox_oldest_due_seconds") < 610
    assert sample(samples, "portal_inbound_emails", status="held") == 0
    assert sample(samples, "portal_ready", part="database") == 1
    assert sample(samples, "portal_ready", part="storage") == 1


def test_metrics_say_the_broker_is_not_ready_when_redis_is_down(world, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    samples = scrape()
    assert sample(samples, "portal_ready", part="broker") == 0
    assert sample(samples, "portal_ready", part="database") == 1


def test_metrics_cost_four_queries(world):
    client = Client(HTTP_HOST=BARE)
    with CaptureQueriesContext(connection) as queries:
        client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    # The probe's two, then one GROUP BY for the deliveries and one for the inbound emails.
    assert len(queries) == 4, [q["sql"] for q in queries]


def test_a_task_run_in_process_is_timed_and_its_failure_counted(world):
    """Without a worker (tasks in-process), the same signals count what ran."""
    from partner_apps.tasks import sweep_deliveries

    name = "partner_apps.tasks.sweep_deliveries"
    before = scrape()
    sweep_deliveries.delay()
    task_metrics.task_failure_record(task=name)
    after = scrape()
    runs = "portal_celery_task_duration_seconds_count"
    assert sample(after, runs, task=name) - sample(before, runs, task=name) == 1
    failures = "portal_celery_task_failures_total"
    assert sample(after, failures, task=name) - sample(before, failures, task=name) == 1
    inf = {"task": name, "le": "+Inf"}
    bucket = "portal_celery_task_duration_seconds_bucket"
    assert sample(after, bucket, **inf) == sample(after, runs, task=name)


def s3_storage(settings, endpoint: str) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "portal-documents",
                "endpoint_url": endpoint,
                "region_name": "eu-west-3",
                "access_key": "test-key",
                "secret_key": "test-secret",
            },
        },
    }


def test_readyz_names_the_storage_when_the_bucket_cannot_be_reached(world, settings):
    s3_storage(settings, f"http://127.0.0.1:{closed_port()}")

    response = Client(HTTP_HOST=BARE).get("/readyz")

    assert response.status_code == 503
    # Refused at once; but the process's first S3 client reads botocore's models, which on a
    # loaded machine can outlast the 2.5 s deadline: then the storage is named by its timeout.
    assert response.json()["storage"] in ("error: EndpointConnectionError", "error: timeout")
    assert response.json()["database"] == "ok"


def test_readyz_gives_up_on_a_bucket_that_never_answers(world, settings):
    # A server that takes the connection and never says a word: its timeouts end the check.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        s3_storage(settings, f"http://127.0.0.1:{silent.getsockname()[1]}")

        response = Client(HTTP_HOST=BARE).get("/readyz")

    assert response.status_code == 503
    assert response.json()["storage"] in ("error: ReadTimeoutError", "error: timeout")
    assert response.json()["database"] == "ok"
