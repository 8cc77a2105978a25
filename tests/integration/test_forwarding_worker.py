"""Documents deposited in a switched-on folder reach Inqom through the real chain: the API, the
outbox written in the deposit's transaction, Redis, a Celery worker process with its embedded
beat (the sweep), PostgreSQL and an SMTP server. Then the faults: the SMTP server down, the
broker down, the worker killed in the middle of a batch. Nothing committed is ever lost.

The worker runs with small delays (see `celery_worker_env`): retries after 1 s, 2 s, 4 s...,
a sweep every second, a "sending" delivery taken back after 5 s of silence."""

import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from ged.models import Document, DocumentStatus, Folder
from ged.services.tree import company_tree_create
from partner_apps.models import Delivery, DeliveryStatus
from tests.conftest import Tenant, api
from tests.integration.smtp_sink import ReceivedEmail

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ACHATS = "inqom-achats"
COLLECTION_ADDRESS = "achat.boulangerie-alpha@inqombox.com"
SENDING_TIMEOUT_SECONDS = 5


@pytest.fixture
def celery_worker_env(request) -> dict[str, str]:
    return {
        "DELIVERY_SWEEP_SECONDS": "1",
        "DELIVERY_RETRY_BASE_SECONDS": "1",
        # Far more tries than a drill lasts: a delivery never ends "failed" here.
        "DELIVERY_MAX_ATTEMPTS": "20",
        "DELIVERY_SENDING_TIMEOUT_SECONDS": str(SENDING_TIMEOUT_SECONDS),
        # A test may add its own (indirect parametrization).
        **getattr(request, "param", {}),
    }


@pytest.fixture
def celery_worker_beat() -> bool:
    # The sweep runs in every drill, as in production (Celery beat).
    return True


# --- The cabinet's set-up, through the API -----------------------------------------------------


@dataclass
class Forwarding:
    tenant: Tenant
    folder: Folder  # "Dossier comptable annuel <year>/Achats", Inqom Achats switched on


@pytest.fixture
def forwarding(world) -> Forwarding:
    """Cabinet Alpha installs Inqom, authorises its company with its collection address and
    switches Inqom Achats on the annual folder's Achats, as staff do through the API."""
    alpha = world.a
    year = timezone.localdate().year
    company_tree_create(company=alpha.company, year=year, by=alpha.admin)

    admin = api(alpha.admin)
    for slug in ("inqom", ACHATS):
        response = admin.post(f"/api/v1/apps/{slug}/install/")
        assert response.status_code == 200, response.content
    response = admin.put(
        f"/api/v1/apps/{ACHATS}/authorizations/{alpha.company.pk}/",
        {"enabled": True, "collection_email": COLLECTION_ADDRESS},
        format="json",
    )
    assert response.status_code == 200, response.content

    # The client finds the folder by its path, as any API user does.
    response = api(alpha.client).get(f"/api/v1/companies/{alpha.company.pk}/folders/")
    assert response.status_code == 200, response.content
    rows = response.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    path = f"Dossier comptable annuel {year}/Achats"
    [folder_id] = [row["id"] for row in rows if row["path"] == path]

    response = api(alpha.collaborator).put(
        f"/api/v1/folders/{folder_id}/automations/{ACHATS}/", {"enabled": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["enabled"] is True
    return Forwarding(tenant=alpha, folder=Folder.objects.get(pk=folder_id))


# --- Documents ---------------------------------------------------------------------------------


def pdf(label: str) -> bytes:
    """A small PDF of its own: its bytes (random, every value of a byte, CR and LF) differ
    from every other one's, so that none is judged a duplicate of another."""
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\r\n1 0 obj <</Title ("
        + label.encode()
        + b")>> endobj\nstream\n"
        + bytes(range(256))
        + os.urandom(4096)
        + b"\r\nendstream\ntrailer <<>>\n%%EOF\n"
    )


@dataclass
class Deposited:
    id: int
    name: str
    content: bytes
    seconds: float  # how long the API took to answer


def deposit(forwarding: Forwarding, name: str, content: bytes | None = None) -> Deposited:
    """The client deposits a file in the folder through the API; it must answer 201."""
    content = pdf(name) if content is None else content
    started = time.monotonic()
    response = api(forwarding.tenant.client).post(
        f"/api/v1/folders/{forwarding.folder.pk}/documents/",
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        format="multipart",
    )
    seconds = time.monotonic() - started
    assert response.status_code == 201, response.content
    assert response.json()["name"] == name
    return Deposited(id=response.json()["id"], name=name, content=content, seconds=seconds)


def deposit_batch(forwarding: Forwarding, prefix: str, count: int) -> list[Deposited]:
    return [deposit(forwarding, f"{prefix}-{number:02d}.pdf") for number in range(1, count + 1)]


# --- What arrived, what the outbox says --------------------------------------------------------


def attachment_of(email: ReceivedEmail) -> tuple[str, str, bytes]:
    """(file name, type, bytes) of the one attachment of a message."""
    attachments = list(email.message.iter_attachments())
    assert len(attachments) == 1, f"{email}: {len(attachments)} attachments"
    [part] = attachments
    return part.get_filename(), part.get_content_type(), part.get_payload(decode=True)


def received_per_name(emails: Iterable[ReceivedEmail]) -> Counter:
    return Counter(attachment_of(email)[0] for email in emails)


def wait_until(condition: Callable[[], object], *, timeout: float, what: Callable[[], str]):
    """Polls `condition` until it returns something true, and returns it; fails after
    `timeout` seconds, with `what()` saying what was seen instead."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g}s: {what()}")
        time.sleep(0.05)


def outbox_of(documents: list[Deposited]) -> list[Delivery]:
    return list(
        Delivery.objects.filter(document_id__in=[d.id for d in documents])
        .select_related("document")
        .order_by("document__name")
    )


def outbox_listing(documents: list[Deposited]) -> str:
    rows = outbox_of(documents)
    lines = [
        f"  - {d.document.name}: {d.status}, {d.attempts} attempt(s), "
        f"document {d.document.status}, {d.reason!r}"
        for d in rows
    ]
    missing = len(documents) - len(rows)
    if missing:
        lines.append(f"  ({missing} document(s) without a delivery)")
    return "\n" + "\n".join(lines)


def wait_for_outbox(
    documents: list[Deposited], status: str, *, timeout: float, min_attempts: int = 0
) -> list[Delivery]:
    """Waits until every document has its one delivery in `status` (and tried at least
    `min_attempts` times)."""

    def reached():
        rows = outbox_of(documents)
        done = len(rows) == len(documents) and all(
            d.status == status and d.attempts >= min_attempts for d in rows
        )
        return rows if done else None

    wanted = f"every delivery {status}" + (f", tried {min_attempts}+ times" * bool(min_attempts))
    return wait_until(
        reached, timeout=timeout, what=lambda: f"{wanted}:{outbox_listing(documents)}"
    )


def wait_until_delivered(documents: list[Deposited], *, timeout: float) -> list[Delivery]:
    """Waits until every delivery is sent and every document validated."""
    deliveries = wait_for_outbox(documents, DeliveryStatus.SENT, timeout=timeout)
    wait_until(
        lambda: (
            not Document.objects.filter(pk__in=[d.id for d in documents])
            .exclude(status=DocumentStatus.VALIDATED)
            .exists()
        ),
        timeout=5,
        what=lambda: f"every document validated:{outbox_listing(documents)}",
    )
    return deliveries


def assert_carries(email: ReceivedEmail, document: Deposited) -> None:
    """The message Inqom gets: from the sender it authorised, to the collection address, the
    company and the document named in its subject, the original file attached."""
    assert email.mail_from == settings.INQOM_SENDER_EMAIL
    assert email.rcpt_tos == (COLLECTION_ADDRESS,)
    assert [a.addr_spec for a in email.message["From"].addresses] == [settings.INQOM_SENDER_EMAIL]
    assert [a.addr_spec for a in email.message["To"].addresses] == [COLLECTION_ADDRESS]
    assert "Boulangerie Alpha" in email.subject
    assert document.name in email.subject
    name, content_type, content = attachment_of(email)
    assert (name, content_type) == (document.name, "application/pdf")
    assert content == document.content, "the attachment's bytes differ from the deposited file"


def assert_each_carries(emails: list[ReceivedEmail], documents: list[Deposited]) -> None:
    """Every message carries its document whole, and every document has its message."""
    by_name = {document.name: document for document in documents}
    assert {attachment_of(email)[0] for email in emails} == set(by_name)
    for email in emails:
        assert_carries(email, by_name[attachment_of(email)[0]])


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
    assert all("injoignable" in d.reason for d in deliveries), outbox_listing(documents)
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
