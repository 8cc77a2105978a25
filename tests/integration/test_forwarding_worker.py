"""Documents deposited in a switched-on folder reach Inqom through the real chain: the API, the
outbox written in the deposit's transaction, Redis, a Celery worker process with its embedded
beat (the sweep), PostgreSQL and an SMTP server. Then the faults: the SMTP server down, the
broker down, the worker killed in the middle of a batch. Nothing committed is ever lost.

The worker runs with small delays (see `celery_worker_env`): retries after 1 s, 2 s, 4 s...,
a sweep every second, every SMTP exchange bounded by 3 s, hence a "sending" delivery taken back
after 16 s of silence (the lease the settings derive from EMAIL_TIMEOUT)."""

import re

import pytest
from django.db import connection

from ged.models import Document, DocumentStatus
from partner_apps.models import Delivery, DeliveryStatus
from tests.conftest import api
from tests.integration.forwarding import (
    COLLECTION_ADDRESS,
    assert_carries,
    assert_each_carries,
    deposit,
    deposit_batch,
    outbox_listing,
    outbox_of,
    received_per_name,
    wait_for_outbox,
    wait_until,
    wait_until_delivered,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Each SMTP exchange waits 3 s at most: a live worker finishes or fails a send within 6 s, and
# a "sending" delivery is taken back 16 s after its worker went silent (see the settings).
EMAIL_TIMEOUT_SECONDS = 3
SENDING_TIMEOUT_SECONDS = 2 * EMAIL_TIMEOUT_SECONDS + 5 + 5


@pytest.fixture
def celery_worker_env(request) -> dict[str, str]:
    return {
        "DELIVERY_SWEEP_SECONDS": "1",
        "DELIVERY_RETRY_BASE_SECONDS": "1",
        # Far more tries than a drill lasts: a delivery never ends "failed" here.
        "DELIVERY_MAX_ATTEMPTS": "20",
        "EMAIL_TIMEOUT": str(EMAIL_TIMEOUT_SECONDS),
        # A test may add its own (indirect parametrization).
        **getattr(request, "param", {}),
    }


@pytest.fixture
def celery_worker_beat() -> bool:
    # The sweep runs in every drill, as in production (Celery beat).
    return True


# --- The drills --------------------------------------------------------------------------------


def test_a_document_deposited_through_the_api_reaches_inqom_with_its_exact_bytes(
    forwarding, smtp_sink, celery_worker
):
    document = deposit(forwarding, "Facture Moulin n°42 – janvier.pdf")
    (email,) = smtp_sink.wait_for(1, timeout=20)
    assert_carries(email, document)

    [delivery] = wait_until_delivered([document], timeout=10)
    assert delivery.target == COLLECTION_ADDRESS
    assert delivery.attempts == 1
    assert delivery.message_id
    assert delivery.message_id == email.message["Message-ID"]

    # The client sees "Validé"; staff see the send with the id of the message Inqom got.
    response = api(forwarding.tenant.client).get(f"/api/v1/documents/{document.id}/")
    assert response.json()["status"] == "validated"
    response = api(forwarding.tenant.collaborator).get(
        f"/api/v1/documents/{document.id}/deliveries/"
    )
    [row] = response.json()
    assert (row["status"], row["message_id"]) == ("sent", email.message["Message-ID"])

    # Exactly one message, although the sweep ran meanwhile (every second).
    smtp_sink.assert_nothing_more(within=2)


def test_deposits_made_while_the_smtp_server_is_down_are_each_delivered_once_it_is_back(
    forwarding, smtp_sink, celery_worker
):
    # The worker sends a first document, and keeps its connection to the server open.
    before = deposit(forwarding, "avant-la-panne.pdf")
    smtp_sink.wait_for(1, timeout=20)
    wait_until_delivered([before], timeout=10)
    smtp_sink.clear()

    smtp_sink.stop()
    documents = deposit_batch(forwarding, "smtp-en-panne", 6)

    # Every delivery failed on the refused connection, and was tried again, with back-off.
    deliveries = wait_for_outbox(documents, DeliveryStatus.RETRYING, timeout=20, min_attempts=2)
    assert all(d.reason == "Le serveur d'envoi ne répond pas." for d in deliveries), outbox_listing(
        documents
    )
    assert not Document.objects.filter(
        pk__in=[d.id for d in documents], status=DocumentStatus.VALIDATED
    ).exists()

    smtp_sink.start()
    smtp_sink.wait_for(len(documents), timeout=30)
    wait_until_delivered(documents, timeout=15)
    # Once: no message twice, although retries and sweeps were queued meanwhile.
    smtp_sink.assert_nothing_more(within=2)
    emails = smtp_sink.messages
    assert received_per_name(emails) == {d.name: 1 for d in documents}
    assert_each_carries(emails, documents)


def test_a_deposit_made_while_redis_is_down_is_delivered_by_the_sweep_once_it_is_back(
    forwarding, private_redis, smtp_sink, celery_worker, caplog
):
    # The chain works on the private broker.
    before = deposit(forwarding, "avant-la-panne.pdf")
    smtp_sink.wait_for(1, timeout=20)
    wait_until_delivered([before], timeout=10)

    private_redis.stop()
    during = deposit(forwarding, "pendant-la-panne.pdf")
    assert during.seconds < 5, f"the deposit waited {during.seconds:.1f}s for the broker"
    [delivery] = outbox_of([during])
    assert delivery.status == DeliveryStatus.PENDING
    assert f"delivery {delivery.pk} not enqueued" in caplog.text
    # Nothing can go while the broker is down.
    smtp_sink.assert_nothing_more(within=2)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING

    # The broker comes back, empty: the outbox, not the broker, knew the deposit.
    log_offset = len(celery_worker.log())
    private_redis.start()
    emails = smtp_sink.wait_for(2, timeout=45)
    wait_until_delivered([during], timeout=10)
    # Handed over by the sweep (beat), the only one left that knew of it.
    assert re.search(
        r"sweep_deliveries\[[\w-]+\] succeeded in \S+: [1-9]", celery_worker.log()[log_offset:]
    ), "no sweep handed a delivery over after the broker came back"
    smtp_sink.assert_nothing_more(within=2)
    assert received_per_name(emails) == {before.name: 1, during.name: 1}
    assert_each_carries(emails, [before, during])
    print(f"\ndeposit while Redis was down answered 201 in {during.seconds:.2f}s")


def test_a_worker_killed_in_the_middle_of_a_batch_leaves_no_document_behind(
    forwarding, smtp_sink, celery_worker
):
    # A slow server: the worker spends most of its time waiting for its replies.
    smtp_sink.reply_delay = 0.2
    documents = deposit_batch(forwarding, "lot", 20)
    smtp_sink.wait_for(5, timeout=30)
    celery_worker.kill()

    # The kill landed in the middle of the batch.
    unsent = Delivery.objects.filter(document_id__in=[d.id for d in documents]).exclude(
        status=DeliveryStatus.SENT
    )
    assert unsent.exists(), "the batch was over before the kill"
    stuck = list(
        unsent.filter(status=DeliveryStatus.SENDING).values_list("document__name", flat=True)
    )
    assert len(stuck) <= 1, "a solo worker sends one message at a time"

    celery_worker.start()
    # What the dead worker was sending waits DELIVERY_SENDING_TIMEOUT_SECONDS for the sweep.
    wait_until_delivered(documents, timeout=30 + SENDING_TIMEOUT_SECONDS)
    smtp_sink.assert_nothing_more(within=2)

    counts = received_per_name(smtp_sink.messages)
    missing = {d.name for d in documents} - set(counts)
    assert not missing, f"never delivered: {sorted(missing)}"
    assert set(counts) == {d.name for d in documents}
    # At least once: the message the worker was sending when it died may have been accepted by
    # the server before the worker could record it, and is then sent again. At most that one.
    twice = {name: count for name, count in counts.items() if count > 1}
    assert len(twice) <= 1, counts
    assert all(count == 2 for count in twice.values()), counts
    assert set(twice) <= set(stuck), f"sent twice: {twice}, but {stuck} was the one in flight"
    assert_each_carries(smtp_sink.messages, documents)
    print(f"\nkilled mid-batch: {len(stuck)} stuck sending, delivered twice: {twice or 'none'}")


@pytest.mark.parametrize("celery_worker_env", [{"DELIVERY_BATCH_SIZE": "40"}], indirect=True)
def test_a_worker_killed_in_the_middle_of_a_drain_of_40_loses_none_and_sends_one_twice_at_most(
    forwarding, smtp_sink, celery_worker
):
    # The worker is away while 40 documents are deposited: when it comes back, one drain reads
    # all 40 at once, and sends them one after the other to a slow server.
    celery_worker.stop()
    documents = deposit_batch(forwarding, "quarante", 40)
    smtp_sink.reply_delay = 0.1
    celery_worker.start()
    smtp_sink.wait_for(10, timeout=30)
    celery_worker.kill()

    rows = Delivery.objects.filter(document_id__in=[d.id for d in documents])
    sent = rows.filter(status=DeliveryStatus.SENT).count()
    assert 0 < sent < 40, f"the kill did not land in the middle of the drain: {sent} sent"
    # Only the delivery on the wire was claimed; the rest of the batch waits, never tried.
    stuck = list(
        rows.filter(status=DeliveryStatus.SENDING).values_list("document__name", flat=True)
    )
    assert len(stuck) <= 1, stuck
    untried = rows.filter(status=DeliveryStatus.PENDING, attempts=0).count()
    assert untried == 40 - sent - len(stuck), outbox_listing(documents)

    smtp_sink.reply_delay = 0
    celery_worker.start()
    wait_until_delivered(documents, timeout=30 + SENDING_TIMEOUT_SECONDS)
    smtp_sink.assert_nothing_more(within=2)

    counts = received_per_name(smtp_sink.messages)
    assert set(counts) == {d.name for d in documents}
    # At least once: the message in flight when the worker died may have been accepted by the
    # server before the worker could record it; at most that one is sent twice.
    twice = {name: count for name, count in counts.items() if count > 1}
    assert set(twice) <= set(stuck), counts
    assert all(count == 2 for count in twice.values()), counts
    assert_each_carries(smtp_sink.messages, documents)
    print(f"\nkilled mid-drain of 40: {sent} sent before, {stuck} in flight, twice: {twice}")


# --- The worker's database sessions ------------------------------------------------------------


def worker_sessions(worker) -> list[tuple[int, object]]:
    """(pid, start) of the PostgreSQL sessions the worker holds (they carry its queue's name)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity WHERE application_name = %s",
            [worker.queue],
        )
        return sorted(cursor.fetchall())


@pytest.mark.parametrize("celery_worker_env", [{"CONN_MAX_AGE": "60"}], indirect=True)
def test_the_worker_keeps_its_database_session_from_one_delivery_to_the_next(
    forwarding, smtp_sink, celery_worker
):
    # As the web server does for requests: with CONN_MAX_AGE, one session serves every task
    # (Celery alone would open a new PostgreSQL session for each delivery, and close it).
    sessions = []
    for number in range(1, 4):
        document = deposit(forwarding, f"session-{number}.pdf")
        wait_until_delivered([document], timeout=20)
        sessions.append(
            wait_until(
                lambda: worker_sessions(celery_worker),
                timeout=5,
                what=lambda: "a database session of the worker, kept after the delivery",
            )
        )
    assert len(sessions[0]) == 1, sessions
    assert sessions[0] == sessions[1] == sessions[2]
    assert len(smtp_sink.messages) == 3


@pytest.mark.parametrize("celery_worker_env", [{"CONN_MAX_AGE": "0"}], indirect=True)
def test_without_conn_max_age_the_worker_closes_its_database_session_after_each_task(
    forwarding, smtp_sink, celery_worker
):
    document = deposit(forwarding, "sans-session-gardee.pdf")
    wait_until_delivered([document], timeout=20)
    wait_until(
        lambda: not worker_sessions(celery_worker),
        timeout=5,
        what=lambda: f"no session of the worker left, found {worker_sessions(celery_worker)}",
    )
