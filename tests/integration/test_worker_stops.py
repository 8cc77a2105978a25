"""A worker that stops while it sends: killed (SIGKILL, as an OOM kill or a hard deploy does) or
stopped warmly (SIGTERM, as a deploy does). « Instantané » is the promise: a crashed worker's
delivery leaves again within two minutes with nothing done by hand, and a warm stop leaves no
delivery « En cours d'envoi » and sends nothing twice.

The worker runs a prefork pool (its tasks in a child process, which the worker replaces when it
dies) with its embedded beat (the sweep, every second), and every SMTP exchange bounded by 3 s:
a live worker finishes or fails a send within 6 s, and a silent one's delivery is taken back
after 16 s (the lease the settings derive from EMAIL_TIMEOUT)."""

import os
import signal
import time

import pytest

from partner_apps.models import Delivery, DeliveryStatus
from tests.integration.forwarding import (
    assert_each_carries,
    deposit,
    outbox_listing,
    received_per_name,
    wait_until,
    wait_until_delivered,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

EMAIL_TIMEOUT_SECONDS = 3
# What the issue asks of a crashed worker's delivery, from the kill to its arrival.
CRASH_RECOVERY_SECONDS = 150


@pytest.fixture
def celery_worker_env() -> dict[str, str]:
    return {
        "DELIVERY_SWEEP_SECONDS": "1",
        "DELIVERY_RETRY_BASE_SECONDS": "1",
        "DELIVERY_MAX_ATTEMPTS": "20",
        "EMAIL_TIMEOUT": str(EMAIL_TIMEOUT_SECONDS),
    }


@pytest.fixture
def celery_worker_pool() -> str:
    return "prefork"


@pytest.fixture
def celery_worker_beat() -> bool:
    return True


def being_sent(documents) -> Delivery:
    """Waits until one of the documents' deliveries is « En cours d'envoi », and returns it."""
    return wait_until(
        lambda: Delivery.objects.filter(
            document_id__in=[d.id for d in documents], status=DeliveryStatus.SENDING
        ).first(),
        timeout=20,
        what=lambda: f"a delivery being sent:{outbox_listing(documents)}",
    )


def test_a_worker_process_killed_while_sending_sends_it_again_within_two_minutes(
    forwarding, smtp_sink, celery_worker
):
    # A server slow to accept: the worker is waiting for its reply when it is killed.
    smtp_sink.reply_delay = 2.0
    document = deposit(forwarding, "facture-oom.pdf")
    delivery = being_sent([document])
    _host, pid = delivery.claimed_by.rsplit(":", 1)
    assert int(pid) != celery_worker.process.pid, "the pool's child sends, not the main process"

    os.kill(int(pid), signal.SIGKILL)
    killed_at = time.monotonic()
    smtp_sink.reply_delay = 0

    [delivery] = wait_until_delivered([document], timeout=CRASH_RECOVERY_SECONDS)
    recovered = time.monotonic() - killed_at
    # Nothing done by hand: the same worker, with a new child, and its beat's sweep.
    assert celery_worker.alive
    assert delivery.attempts == 2
    # At least once: the server accepted the first message after its sender died. A copy sent
    # again carries the same Message-ID, so that the receiving side can tell.
    emails = smtp_sink.messages
    assert received_per_name(emails) in ({document.name: 1}, {document.name: 2})
    assert {email.message["Message-ID"] for email in emails} == {delivery.message_id}
    assert_each_carries(emails, [document])
    assert recovered < CRASH_RECOVERY_SECONDS
    print(f"\nworker process killed while sending: delivered again {recovered:.1f}s later")


def test_a_worker_stopped_warmly_finishes_its_send_and_leaves_nothing_sending(
    forwarding, smtp_sink, celery_worker
):
    smtp_sink.reply_delay = 1.0
    documents = [deposit(forwarding, f"arret-{number}.pdf") for number in (1, 2, 3)]
    in_flight = being_sent(documents)

    celery_worker.deploy_stop()  # SIGTERM to its main process; SIGKILL only after 20 s

    assert celery_worker.process.returncode == 0, "the worker did not stop by itself"
    assert not Delivery.objects.filter(status=DeliveryStatus.SENDING).exists(), outbox_listing(
        documents
    )
    in_flight.refresh_from_db()
    assert in_flight.status == DeliveryStatus.SENT
    smtp_sink.assert_nothing_more(within=1)
    stopped_with = received_per_name(smtp_sink.messages)
    assert set(stopped_with.values()) == {1}

    # The deploy's new worker sends the rest, and nothing twice.
    smtp_sink.reply_delay = 0
    celery_worker.start()
    wait_until_delivered(documents, timeout=30)
    smtp_sink.assert_nothing_more(within=2)
    assert received_per_name(smtp_sink.messages) == {d.name: 1 for d in documents}
    assert_each_carries(smtp_sink.messages, documents)


def test_a_worker_whose_processes_all_get_sigterm_gives_its_delivery_back_at_once(
    forwarding, smtp_sink, celery_worker
):
    """systemd's default (KillMode=control-group) signals every process of the worker, its
    child mid-send included: the child hands its delivery back as it exits, rather than
    leaving it « En cours d'envoi » until its lease runs out."""
    smtp_sink.reply_delay = 2.0
    document = deposit(forwarding, "facture-systemd.pdf")
    in_flight = being_sent([document])

    celery_worker.stop()  # SIGTERM to the whole process group

    in_flight.refresh_from_db()
    assert (in_flight.status, in_flight.detail) == (DeliveryStatus.RETRYING, "worker stopped")
    smtp_sink.reply_delay = 0
    celery_worker.start()
    [delivery] = wait_until_delivered([document], timeout=30)
    assert delivery.attempts == 2
