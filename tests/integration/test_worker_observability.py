"""The worker's side of observability, in a real `celery worker` process: under LOG_FORMAT=json
its log is JSON lines carrying each task's name and id (and the cabinet a delivery works for, the
id of the request that published it),
and with SENTRY_DSN a task that fails reaches Sentry (a real HTTP endpoint on loopback),
without what its message and arguments held."""

import json

import pytest
import sentry_sdk
from django.core.files.storage import default_storage

from ged.models import Document
from partner_apps.tasks import deliver
from tests.integration.forwarding import (
    COLLECTION_ADDRESS,
    deposit,
    wait_until,
    wait_until_delivered,
)
from tests.sentry_ingest import SentryIngest

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

DOCUMENT_NAME = "Relevé confidentiel Moulin.pdf"
ADDRESS = "jeanne.moulin@boulangerie-moulin.fr"


@pytest.fixture
def sentry_ingest():
    ingest = SentryIngest()
    ingest.start()
    yield ingest
    ingest.stop()


@pytest.fixture
def celery_worker_env(sentry_ingest) -> dict[str, str]:
    return {
        "LOG_FORMAT": "json",
        "SENTRY_DSN": sentry_ingest.dsn,
        "SENTRY_ENVIRONMENT": "worker-test",
    }


def json_records(worker) -> list[dict]:
    """Every line the worker's process logged (what is not JSON is the test fixture's own
    marker lines and Celery's start banner, printed before logging is set up)."""
    return [json.loads(line) for line in worker.log().splitlines() if line.startswith("{")]


def test_the_worker_logs_json_lines_with_its_task_and_cabinet(forwarding, smtp_sink, celery_worker):
    # The proxy's request id: the worker's lines for the deposit's delivery carry it too.
    document = deposit(forwarding, "facture-json.pdf", **{"X-Request-ID": "proxy-req-4242"})
    smtp_sink.wait_for(1, timeout=20)
    [delivery] = wait_until_delivered([document], timeout=10)

    def sent_line():
        return [
            r for r in json_records(celery_worker) if r["logger"] == "partner_apps.services.outbox"
        ]

    [line] = wait_until(sent_line, timeout=10, what=celery_worker.log)
    assert line["message"].startswith(f"delivery {delivery.pk} sent to ")
    assert line["task_name"] == "partner_apps.tasks.deliver"
    assert line["task_id"]
    assert line["request_id"] == "proxy-req-4242"
    assert line["cabinet"] == "alpha"
    assert line.keys() >= {"time", "level", "logger", "message"}
    # The worker's own lines are JSON too: Celery did not put its format back.
    assert any(r["message"].endswith(" ready.") for r in json_records(celery_worker))
    celery_format = [line for line in celery_worker.log().splitlines() if " INFO/" in line]
    assert not celery_format, celery_format


def test_a_failing_task_reaches_sentry_scrubbed(sentry_ingest, celery_worker):
    # A task given what is no id: it fails in the worker, its message and argument holding a
    # document's name and an address.
    deliver.delay(f"{DOCUMENT_NAME} {ADDRESS}")

    [received] = sentry_ingest.wait_for(1, timeout=30)
    # Django's ValueError, and the int() one it was raised from.
    assert received.exception_types == ["ValueError", "ValueError"]
    assert received.tags["task_name"] == "partner_apps.tasks.deliver"
    assert received.tags["task_id"]
    assert received.event["environment"] == "worker-test"
    body = received.body.decode()
    assert DOCUMENT_NAME not in body
    assert ADDRESS not in body
    assert not sentry_sdk.get_client().is_active(), "the test process itself sends nothing"


def test_a_delivery_s_error_in_the_worker_reaches_sentry_tagged_with_its_cabinet(
    forwarding, smtp_sink, sentry_ingest, celery_worker
):
    # The document's file goes missing from storage before the worker sends it.
    celery_worker.stop()
    document = deposit(forwarding, DOCUMENT_NAME)
    stored = Document.objects.get(pk=document.id).file.name
    default_storage.delete(stored)
    celery_worker.start()

    def logged_error():
        return [
            received
            for received in sentry_ingest.events
            if received.event.get("logger") == "partner_apps.attachments"
        ]

    [received] = wait_until(logged_error, timeout=30, what=celery_worker.log)
    assert received.tags["cabinet"] == "alpha"
    assert received.tags["task_name"] == "partner_apps.tasks.deliver"
    assert received.event["logentry"] == {
        "message": "document %s: its file %s is missing from storage"
    }
    body = received.body.decode()
    for secret in (DOCUMENT_NAME, COLLECTION_ADDRESS, stored, "Boulangerie Alpha"):
        assert secret not in body, secret
