"""The outbox, as support sees it: a delivery is sent once, failures come back later or end with
their reason, the document is "Validé" when everything reached Inqom, and the sweep sends what
nobody picked up (broker down, worker gone) without ever sending twice."""

import os
import smtplib
import threading
import time
from datetime import timedelta

import pytest
import requests
from anymail.exceptions import AnymailRequestsAPIError
from anymail.message import AnymailRecipientStatus
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.db import connection
from django.utils import timezone
from kombu.exceptions import OperationalError

import inqom_connector.emails
from ged.models import Channel, DocumentStatus
from inqom_connector.connectors import InqomConnector
from partner_apps import email_delivery, outbox_wake
from partner_apps.models import Delivery, DeliveryStatus
from partner_apps.services import outbox
from partner_apps.services.attention import delivery_retry
from partner_apps.services.outbox import deliveries_sweep, delivery_attempt, delivery_tracking
from partner_apps.tasks import deliver
from tests.helpers.documents import PDF, deposit, folder_at
from tests.helpers.forwarding import (
    ACHATS,
    ADMINISTRATIF,
    ANNUAL,
    ANYMAIL_TEST_BACKEND,
    NDF,
    address,
    connect,
    deliveries_of,
    delivery_of,
    deposit_and_send,
    received,
    switch_on,
)
from tests.helpers.store import authorize

pytestmark = pytest.mark.django_db

ACHAT = address(ACHATS, "boulangerie-alpha")
ADMIN = address(ADMINISTRATIF, "boulangerie-alpha")
BASE = 10
MAX_ATTEMPTS = 4
SWEEP = 60
SENDING_TIMEOUT = 600


@pytest.fixture(autouse=True)
def outbox_settings(settings):
    settings.EMAIL_BACKEND = ANYMAIL_TEST_BACKEND
    settings.DELIVERY_RETRY_BASE_SECONDS = BASE
    settings.DELIVERY_MAX_ATTEMPTS = MAX_ATTEMPTS
    settings.DELIVERY_SWEEP_SECONDS = SWEEP
    settings.DELIVERY_SENDING_TIMEOUT_SECONDS = SENDING_TIMEOUT


@pytest.fixture
def alpha(world):
    connect(world.a, world.a.company, ACHATS, ADMINISTRATIF, NDF, name="boulangerie-alpha")
    return world.a


@pytest.fixture
def achats(alpha):
    folder = folder_at(alpha.company, f"{ANNUAL}/Achats")
    switch_on(folder, ACHATS, alpha.admin)
    return folder


@pytest.fixture
def unsent(achats, alpha, django_capture_on_commit_callbacks):
    """A deposit committed, its task not run yet: the delivery waits in the outbox."""
    with django_capture_on_commit_callbacks(execute=False):
        document = deposit(achats, "facture.pdf", PDF, by=alpha.client, channel=Channel.API)
    delivery = delivery_of(document)
    assert delivery.status == DeliveryStatus.PENDING
    return delivery


class Clock:
    """The outbox's clock, moved by hand."""

    def __init__(self):
        self.value = timezone.now()

    def now(self):
        return self.value

    def at(self, moment):
        self.value = moment


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(outbox, "timezone", clock)
    return clock


class FakeSMTP:
    """An SMTP server answering what the test says: `refuse` on connection, then for each
    message the next of `answers` (an error to raise, or None to accept it)."""

    refuse: Exception | None = None
    answers: list = []
    accepted: list = []

    def __init__(self, host, port, **kwargs):
        if FakeSMTP.refuse is not None:
            raise FakeSMTP.refuse

    def sendmail(self, from_addr, to_addrs, msg, *args, **kwargs):
        answer = FakeSMTP.answers.pop(0) if FakeSMTP.answers else None
        if answer is not None:
            raise answer
        FakeSMTP.accepted.append((from_addr, to_addrs, msg))
        return {}

    def quit(self):
        pass

    def close(self):
        pass


@pytest.fixture
def smtp(settings, monkeypatch):
    """Django's SMTP backend, talking to FakeSMTP."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "smtp.test", 2525
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    monkeypatch.setattr(FakeSMTP, "refuse", None)
    monkeypatch.setattr(FakeSMTP, "answers", [])
    monkeypatch.setattr(FakeSMTP, "accepted", [])
    # The worker keeps its connection between sends: never one from another test.
    email_delivery._close_connection()
    yield FakeSMTP
    email_delivery._close_connection()


@pytest.fixture
def esp_answers(monkeypatch):
    """The ESP (anymail's test backend) answers each message with the given response."""
    responses = []
    build = inqom_connector.emails.inqom_email

    def inqom_email(delivery, attachment):
        message = build(delivery, attachment)
        if responses:
            message.anymail_test_response = responses.pop(0)
        return message

    monkeypatch.setattr(inqom_connector.emails, "inqom_email", inqom_email)
    return responses


def http_error(status: int, reason: str) -> AnymailRequestsAPIError:
    response = requests.Response()
    response.status_code, response.reason = status, reason
    response._content = b'{"Message": "%s"}' % reason.encode()
    return AnymailRequestsAPIError("ESP API response", response=response)


def refresh(delivery: Delivery) -> Delivery:
    delivery.refresh_from_db()
    return delivery


# --- Claiming ---------------------------------------------------------------------------------


def test_a_delivery_tried_twice_is_sent_once(unsent):
    assert delivery_attempt(delivery_id=unsent.pk) == DeliveryStatus.SENT
    assert delivery_attempt(delivery_id=unsent.pk) is None

    assert len(received(to=ACHAT)) == 1
    assert refresh(unsent).attempts == 1


def test_a_second_worker_cannot_take_a_delivery_while_the_first_sends_it(unsent, monkeypatch):
    send = InqomConnector.send
    second_worker = []

    def send_while_another_worker_tries(self, delivery, attachment):
        second_worker.append(delivery_attempt(delivery_id=delivery.pk))
        return send(self, delivery, attachment)

    monkeypatch.setattr(InqomConnector, "send", send_while_another_worker_tries)

    assert delivery_attempt(delivery_id=unsent.pk) == DeliveryStatus.SENT

    assert second_worker == [None]
    assert len(received(to=ACHAT)) == 1


def test_the_task_is_handed_the_delivery_id_never_the_file(
    achats, alpha, monkeypatch, django_capture_on_commit_callbacks
):
    handed = []
    task_class = type(deliver._get_current_object())
    monkeypatch.setattr(
        task_class, "apply_async", lambda self, args=None, **kw: handed.append(tuple(args))
    )

    document = deposit_and_send(django_capture_on_commit_callbacks, achats)

    assert handed == [(delivery_of(document).pk,)]


# --- Failures ---------------------------------------------------------------------------------


BUSY = "Le serveur d'envoi est momentanément indisponible."
SILENT = "Le serveur d'envoi ne répond pas."


@pytest.mark.parametrize(
    ("refuse", "answer", "reason", "detail"),
    [
        (
            None,
            smtplib.SMTPDataError(451, b"4.3.0 Mail server temporarily rejected message"),
            BUSY,
            "SMTP 451",
        ),
        (
            None,
            smtplib.SMTPRecipientsRefused({ACHAT: (450, b"4.2.1 Mailbox busy")}),
            BUSY,
            "SMTP 450",
        ),
        (
            None,
            smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
            BUSY,
            "SMTPServerDisconnected",
        ),
        (ConnectionRefusedError(111, "Connection refused"), None, SILENT, "ConnectionRefusedError"),
        (TimeoutError("timed out"), None, SILENT, "TimeoutError"),
    ],
    ids=["smtp_451", "smtp_450_rcpt", "disconnected", "connection_refused", "timeout"],
)
def test_a_transient_smtp_failure_is_tried_again_later(
    unsent, smtp, clock, refuse, answer, reason, detail
):
    smtp.refuse = refuse
    smtp.answers[:] = [answer, answer]

    assert delivery_attempt(delivery_id=unsent.pk) == DeliveryStatus.RETRYING

    delivery = refresh(unsent)
    assert (delivery.status, delivery.reason, delivery.detail, delivery.attempts) == (
        DeliveryStatus.RETRYING,
        reason,
        detail,
        1,
    )
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=BASE)
    # Staff read when it goes again, and nothing needs them yet.
    when = timezone.localtime(delivery.next_attempt_at)
    assert delivery.reason_display == (f"{reason} Nouvel essai le {when:%d/%m/%Y} à {when:%H:%M}.")
    assert (delivery.reason_code, delivery.needs_action, delivery.can_retry) == ("", False, True)
    assert smtp.accepted == []
    assert delivery.document.status == DocumentStatus.PENDING


@pytest.mark.parametrize(
    ("status", "reason"),
    [(429, "Too Many Requests"), (503, "Service Unavailable"), (500, "Internal Server Error")],
)
def test_a_busy_email_service_is_tried_again_later(unsent, esp_answers, clock, status, reason):
    esp_answers.append(http_error(status, reason))

    assert delivery_attempt(delivery_id=unsent.pk) == DeliveryStatus.RETRYING

    delivery = refresh(unsent)
    assert delivery.status == DeliveryStatus.RETRYING
    assert delivery.reason == "Le service d'envoi est momentanément indisponible."
    assert delivery.detail == f"HTTP {status}"
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=BASE)


def test_retries_back_off_exponentially_then_give_up_after_the_last_attempt(unsent, smtp, clock):
    smtp.answers[:] = [smtplib.SMTPDataError(451, b"4.3.0 Try again later")] * MAX_ATTEMPTS
    delays = []

    for attempt in range(1, MAX_ATTEMPTS):
        assert delivery_attempt(delivery_id=unsent.pk) == DeliveryStatus.RETRYING
        delivery = refresh(unsent)
        assert delivery.attempts == attempt
        delays.append((delivery.next_attempt_at - clock.now()).total_seconds())
        # Not taken again before its time.
        assert delivery_attempt(delivery_id=unsent.pk) is None
        clock.at(delivery.next_attempt_at)

    assert delays == [BASE * 2 ** (n - 1) for n in range(1, MAX_ATTEMPTS)] == [10, 20, 40]
    assert delivery_attempt(delivery_id=unsent.pk) == DeliveryStatus.FAILED
    delivery = refresh(unsent)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, MAX_ATTEMPTS)
    assert delivery.reason == (
        f"{BUSY} Abandon après {MAX_ATTEMPTS} essais : renvoyez-le une fois le service rétabli."
    )
    assert (delivery.reason_code, delivery.detail) == ("send_failed", "SMTP 451")
    assert smtp.accepted == []
    assert delivery_attempt(delivery_id=unsent.pk) is None
    assert delivery.can_retry
    assert delivery.needs_action


def test_a_delivery_that_failed_for_a_while_is_sent_when_the_server_is_back(unsent, smtp, clock):
    smtp.answers[:] = [smtplib.SMTPDataError(451, b"4.3.0 Try again later")]
    delivery_attempt(delivery_id=unsent.pk)
    clock.at(refresh(unsent).next_attempt_at)

    assert delivery_attempt(delivery_id=unsent.pk) == DeliveryStatus.SENT

    delivery = refresh(unsent)
    assert (delivery.status, delivery.reason, delivery.attempts) == (DeliveryStatus.SENT, "", 2)
    [(sender, recipients, _message)] = smtp.accepted
    assert (sender, recipients) == ("no-reply@welyb.fr", [ACHAT])
    assert delivery.document.status == DocumentStatus.VALIDATED


@pytest.mark.parametrize(
    ("answer", "reason", "detail"),
    [
        (
            smtplib.SMTPRecipientsRefused({ACHAT: (550, b"5.1.1 User unknown")}),
            "Le serveur d'envoi a refusé l'adresse de collecte : vérifiez-la.",
            "SMTP 550",
        ),
        (
            smtplib.SMTPDataError(554, b"5.7.1 Message rejected"),
            "Le serveur d'envoi a refusé le message.",
            "SMTP 554",
        ),
    ],
    ids=["recipient_refused_550", "message_rejected_554"],
)
def test_a_permanent_smtp_refusal_fails_at_once_with_its_reason(
    unsent, smtp, answer, reason, detail
):
    smtp.answers[:] = [answer]

    assert delivery_attempt(delivery_id=unsent.pk) == DeliveryStatus.FAILED

    delivery = refresh(unsent)
    assert (delivery.status, delivery.reason_code, delivery.reason, delivery.attempts) == (
        DeliveryStatus.FAILED,
        "send_failed",
        reason,
        1,
    )
    assert delivery.detail == detail
    assert delivery.next_attempt_at is None
    assert delivery.document.status == DocumentStatus.PENDING
    assert delivery_attempt(delivery_id=unsent.pk) is None


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (
            {
                "recipient_status": {
                    ACHAT: AnymailRecipientStatus(message_id=None, status="rejected")
                }
            },
            "Le service d'envoi a refusé l'adresse de collecte : vérifiez-la.",
        ),
        (http_error(400, "Bad Request"), "Le service d'envoi a refusé le message."),
        (http_error(422, "Unprocessable Entity"), "Le service d'envoi a refusé le message."),
    ],
    ids=["recipients_refused", "http_400", "http_422"],
)
def test_a_permanent_refusal_of_the_email_service_fails_at_once(
    unsent, esp_answers, response, reason
):
    esp_answers.append(response)

    assert delivery_attempt(delivery_id=unsent.pk) == DeliveryStatus.FAILED

    delivery = refresh(unsent)
    assert (delivery.status, delivery.reason) == (DeliveryStatus.FAILED, reason)
    assert delivery_attempt(delivery_id=unsent.pk) is None


def test_a_document_whose_file_is_gone_fails_at_once_instead_of_coming_back(unsent, caplog):
    unsent.document.file.delete(save=False)

    assert delivery_attempt(delivery_id=unsent.pk) == DeliveryStatus.FAILED

    delivery = refresh(unsent)
    assert (delivery.reason_code, delivery.detail) == ("send_failed", "file missing")
    assert delivery.reason.startswith("Le fichier du document est introuvable")
    assert f"document {delivery.document_id}: its file" in caplog.text
    assert deliveries_sweep() == 0


def test_renvoyer_sends_a_failed_delivery_again(
    unsent, smtp, alpha, django_capture_on_commit_callbacks
):
    smtp.answers[:] = [smtplib.SMTPRecipientsRefused({ACHAT: (550, b"5.1.1 User unknown")})]
    delivery_attempt(delivery_id=unsent.pk)
    assert refresh(unsent).status == DeliveryStatus.FAILED

    with django_capture_on_commit_callbacks(execute=True):
        delivery_retry(delivery=unsent, by=alpha.collaborator)

    delivery = refresh(unsent)
    assert (delivery.status, delivery.reason, delivery.attempts) == (DeliveryStatus.SENT, "", 1)
    assert len(smtp.accepted) == 1


# --- "Validé" -----------------------------------------------------------------------------------


@pytest.fixture
def two_connectors(alpha, django_capture_on_commit_callbacks):
    """A document deposited under Inqom Achats (on Achats) and Inqom Administratif (on the
    annual folder), and Inqom NDF (on the annual folder too) whose authorisation was revoked."""
    annual = folder_at(alpha.company, ANNUAL)
    achats = folder_at(alpha.company, f"{ANNUAL}/Achats")
    switch_on(achats, ACHATS, alpha.admin)
    switch_on(annual, ADMINISTRATIF, alpha.admin)
    switch_on(annual, NDF, alpha.admin)
    authorize(alpha, alpha.company, NDF, address(NDF, "boulangerie-alpha"), enabled=False)
    with django_capture_on_commit_callbacks(execute=False):
        document = deposit(achats, "facture.pdf", PDF, by=alpha.client)
    assert deliveries_of(document) == [
        (ACHATS, DeliveryStatus.PENDING, ""),
        (NDF, DeliveryStatus.SKIPPED, "L'entreprise n'est pas (ou plus) autorisée pour Inqom NDF."),
        (ADMINISTRATIF, DeliveryStatus.PENDING, ""),
    ]
    return document


def test_a_document_is_validated_once_every_delivery_not_skipped_is_sent(two_connectors):
    document = two_connectors

    delivery_attempt(delivery_id=delivery_of(document, ACHATS).pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING

    delivery_attempt(delivery_id=delivery_of(document, ADMINISTRATIF).pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.VALIDATED
    assert sorted(to for e in received() for to in e.to) == sorted([ACHAT, ADMIN])


def test_a_skipped_delivery_does_not_hold_the_document_back(
    alpha, achats, django_capture_on_commit_callbacks
):
    switch_on(folder_at(alpha.company, ANNUAL), ADMINISTRATIF, alpha.admin)
    authorize(alpha, alpha.company, ADMINISTRATIF, ADMIN, enabled=False)

    document = deposit_and_send(django_capture_on_commit_callbacks, achats)

    assert deliveries_of(document) == [
        (ACHATS, DeliveryStatus.SENT, ""),
        (
            ADMINISTRATIF,
            DeliveryStatus.SKIPPED,
            "L'entreprise n'est pas (ou plus) autorisée pour Inqom Administratif.",
        ),
    ]
    assert document.status == DocumentStatus.VALIDATED


def test_a_delivery_skipped_at_send_time_does_not_hold_the_document_back(two_connectors, alpha):
    document = two_connectors
    delivery_attempt(delivery_id=delivery_of(document, ACHATS).pk)
    authorize(alpha, alpha.company, ADMINISTRATIF, ADMIN, enabled=False)

    assert delivery_attempt(delivery_id=delivery_of(document, ADMINISTRATIF).pk) == (
        DeliveryStatus.SKIPPED
    )

    document.refresh_from_db()
    assert document.status == DocumentStatus.VALIDATED


def test_a_failed_delivery_keeps_the_document_a_traiter(two_connectors, esp_answers):
    document = two_connectors
    delivery_attempt(delivery_id=delivery_of(document, ACHATS).pk)
    esp_answers.append(http_error(400, "Bad Request"))

    delivery_attempt(delivery_id=delivery_of(document, ADMINISTRATIF).pk)

    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING


def test_a_bounce_takes_the_document_back_to_a_traiter(
    alpha, achats, django_capture_on_commit_callbacks
):
    document = deposit_and_send(django_capture_on_commit_callbacks, achats)
    assert document.status == DocumentStatus.VALIDATED
    delivery = delivery_of(document)

    delivery_tracking(message_id=delivery.message_id, event_type="bounced")

    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING
    delivery = refresh(delivery)
    assert delivery.status == DeliveryStatus.BOUNCED
    assert delivery.reason == (
        "Inqom a refusé l'envoi : vérifiez que no-reply@welyb.fr est autorisée dans Inqom › "
        "Paramètres › Emails d'envoi"
    )


# --- The sweep ----------------------------------------------------------------------------------


def age(delivery: Delivery, seconds: int, **fields) -> None:
    """Puts the delivery's last change `seconds` in the past, as if time had passed."""
    Delivery.objects.filter(pk=delivery.pk).update(
        updated_at=timezone.now() - timedelta(seconds=seconds), **fields
    )


def test_the_sweep_sends_a_pending_delivery_whose_task_was_lost_after_the_grace(unsent):
    assert deliveries_sweep() == 0
    assert mail.outbox == []

    age(unsent, SWEEP + 1)

    assert deliveries_sweep() == 1
    assert refresh(unsent).status == DeliveryStatus.SENT
    assert len(received(to=ACHAT)) == 1
    assert deliveries_sweep() == 0
    assert len(received(to=ACHAT)) == 1


def test_the_sweep_sends_a_retrying_delivery_once_it_is_due(unsent, esp_answers):
    esp_answers.append(http_error(503, "Service Unavailable"))
    delivery_attempt(delivery_id=unsent.pk)
    assert refresh(unsent).status == DeliveryStatus.RETRYING
    mail.outbox.clear()

    assert deliveries_sweep() == 0
    assert refresh(unsent).status == DeliveryStatus.RETRYING

    Delivery.objects.filter(pk=unsent.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )

    assert deliveries_sweep() == 1
    delivery = refresh(unsent)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(received(to=ACHAT)) == 1


def test_the_sweep_takes_back_a_delivery_stuck_in_sending_past_the_timeout(unsent):
    now = timezone.now()
    Delivery.objects.filter(pk=unsent.pk).update(
        status=DeliveryStatus.SENDING,
        attempts=1,
        claimed_at=now - timedelta(seconds=SENDING_TIMEOUT - 30),
    )

    assert deliveries_sweep() == 0
    assert refresh(unsent).status == DeliveryStatus.SENDING

    Delivery.objects.filter(pk=unsent.pk).update(
        claimed_at=now - timedelta(seconds=SENDING_TIMEOUT + 1)
    )

    assert deliveries_sweep() == 1
    delivery = refresh(unsent)
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(received(to=ACHAT)) == 1


def test_a_claim_says_which_worker_process_holds_the_delivery(unsent, monkeypatch):
    seen = []
    send = InqomConnector.send

    def send_and_look(self, delivery, attachment):
        seen.append(Delivery.objects.get(pk=delivery.pk).claimed_by)
        return send(self, delivery, attachment)

    monkeypatch.setattr(InqomConnector, "send", send_and_look)

    delivery_attempt(delivery_id=unsent.pk)

    assert seen == [outbox.worker_name()]
    assert seen[0].endswith(f":{os.getpid()}")


def test_a_send_cut_short_by_its_time_limit_is_tried_again_later(unsent, clock, monkeypatch):
    def too_slow(self, delivery, attachment):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(InqomConnector, "send", too_slow)

    assert delivery_attempt(delivery_id=unsent.pk) == DeliveryStatus.RETRYING

    delivery = refresh(unsent)
    assert (delivery.reason, delivery.detail) == (
        "Le serveur d'envoi a mis trop de temps à répondre.",
        "soft time limit",
    )
    assert delivery.next_attempt_at == clock.now() + timedelta(seconds=BASE)


def test_a_worker_stopping_gives_back_at_once_what_it_holds_and_only_that(unsent, achats, alpha):
    other = delivery_of(deposit(achats, "autre.pdf", PDF + b"autre", by=alpha.client))
    Delivery.objects.filter(pk=unsent.pk).update(
        status=DeliveryStatus.SENDING, claimed_by="worker-1:101", claimed_at=timezone.now()
    )
    Delivery.objects.filter(pk=other.pk).update(
        status=DeliveryStatus.SENDING, claimed_by="worker-2:202", claimed_at=timezone.now()
    )

    assert outbox.deliveries_release(worker="worker-1:101") == 1

    mine, theirs = refresh(unsent), refresh(other)
    assert (mine.status, mine.detail) == (DeliveryStatus.RETRYING, "worker stopped")
    assert mine.next_attempt_at <= timezone.now()
    assert theirs.status == DeliveryStatus.SENDING
    # Due at once: the next sweep hands it over without waiting for the lease.
    assert deliveries_sweep() == 1
    assert refresh(unsent).status == DeliveryStatus.SENT


@pytest.mark.parametrize(
    "status",
    [
        DeliveryStatus.SENT,
        DeliveryStatus.DELIVERED,
        DeliveryStatus.BOUNCED,
        DeliveryStatus.FAILED,
        DeliveryStatus.SKIPPED,
    ],
)
def test_the_sweep_never_sends_again_what_is_done(unsent, status):
    long_ago = timezone.now() - timedelta(days=2)
    age(
        unsent,
        2 * 24 * 3600,
        status=status,
        attempts=1,
        next_attempt_at=long_ago,
        claimed_at=long_ago,
    )

    assert deliveries_sweep() == 0

    assert mail.outbox == []
    assert refresh(unsent).status == status


def test_a_deposit_made_while_the_broker_is_down_is_sent_by_the_sweep(
    alpha, achats, monkeypatch, django_capture_on_commit_callbacks
):
    task_class = type(deliver._get_current_object())
    apply_async = task_class.apply_async
    broker = {"down": True}

    def apply_async_or_fail(self, *args, **kwargs):
        if broker["down"]:
            raise OperationalError("[Errno 111] Connection refused")
        return apply_async(self, *args, **kwargs)

    monkeypatch.setattr(task_class, "apply_async", apply_async_or_fail)

    document = deposit_and_send(
        django_capture_on_commit_callbacks, achats, by=alpha.client, channel=Channel.API
    )

    assert document.pk is not None
    delivery = delivery_of(document)
    assert delivery.status == DeliveryStatus.PENDING
    assert mail.outbox == []

    broker["down"] = False
    age(delivery, SWEEP + 1)
    assert deliveries_sweep() == 1

    assert refresh(delivery).status == DeliveryStatus.SENT
    [sent] = received(to=ACHAT)
    assert sent.attachment == ("facture.pdf", "application/pdf", PDF)
    document.refresh_from_db()
    assert document.status == DocumentStatus.VALIDATED


@pytest.mark.parametrize(
    ("status", "words"),
    [
        ("pending", "En attente"),
        ("sending", "En cours d'envoi"),
        ("retrying", "Nouvel essai prévu"),
        ("sent", "Envoyé"),
        ("delivered", "Reçu"),
        ("bounced", "Refusé par le destinataire"),
        ("failed", "Échec"),
        ("skipped", "Non envoyé"),
        # A status this code does not know yet (a row written by a newer release) shows as is.
        ("queued", "queued"),
    ],
)
def test_each_status_reads_in_french_as_the_pages_show_it(status, words):
    assert Delivery(status=status).get_status_display() == words


# --- Drains: a batch of due deliveries, each claimed and recorded on its own ----------------------


@pytest.fixture
def several(achats, alpha, django_capture_on_commit_callbacks):
    """Deposits committed, their drains not run yet: `several(n)` returns their deliveries,
    oldest first, all pending."""

    def several(count: int) -> list[Delivery]:
        with django_capture_on_commit_callbacks(execute=False):
            documents = [
                deposit(achats, f"facture-{n}.pdf", PDF + b"%d" % n, by=alpha.client)
                for n in range(count)
            ]
        return [delivery_of(document) for document in documents]

    return several


@pytest.fixture
def published(monkeypatch):
    """The drains published (the id each was given), none run."""
    calls: list[int | None] = []

    def publish(delivery_id, *, countdown=0):
        calls.append(delivery_id)
        return True

    monkeypatch.setattr(outbox, "_publish", publish)
    return calls


def statuses(deliveries: list[Delivery]) -> list[str]:
    return [refresh(delivery).status for delivery in deliveries]


def test_a_drain_sends_its_batch_over_one_connection_each_claimed_once(smtp, several):
    deliveries = several(3)
    opened = []
    monkeypatch_init = FakeSMTP.__init__

    def counting_init(self, host, port, **kwargs):
        opened.append(host)
        monkeypatch_init(self, host, port, **kwargs)

    FakeSMTP.__init__ = counting_init
    try:
        assert outbox.deliveries_drain(first=deliveries[0].pk) == 3
    finally:
        FakeSMTP.__init__ = monkeypatch_init

    assert statuses(deliveries) == [DeliveryStatus.SENT] * 3
    assert [refresh(d).attempts for d in deliveries] == [1, 1, 1]
    assert len(smtp.accepted) == 3
    assert opened == ["smtp.test"]
    # Nothing due is left: a second drain claims nothing.
    assert outbox.deliveries_drain() == 0
    assert len(smtp.accepted) == 3


def test_only_the_delivery_on_the_wire_is_sending_the_rest_wait_unclaimed(several, monkeypatch):
    deliveries = several(3)
    seen = []
    send = InqomConnector.send

    def send_and_look(self, delivery, attachment):
        seen.append([(d.status, d.attempts) for d in map(refresh, deliveries)])
        return send(self, delivery, attachment)

    monkeypatch.setattr(InqomConnector, "send", send_and_look)

    outbox.deliveries_drain()

    sending, pending, sent = (
        (DeliveryStatus.SENDING, 1),
        (DeliveryStatus.PENDING, 0),
        (DeliveryStatus.SENT, 1),
    )
    assert seen == [
        [sending, pending, pending],
        [sent, sending, pending],
        [sent, sent, sending],
    ]


def test_a_drain_takes_the_delivery_that_woke_it_first(several):
    deliveries = several(3)
    order = []
    send = InqomConnector.send

    def send_and_note(self, delivery, attachment):
        order.append(delivery.pk)
        return send(self, delivery, attachment)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(InqomConnector, "send", send_and_note)
        outbox.deliveries_drain(first=deliveries[2].pk)

    assert order == [deliveries[2].pk, deliveries[0].pk, deliveries[1].pk]


def test_one_refused_message_does_not_fail_the_others_of_its_batch(smtp, several):
    deliveries = several(3)
    smtp.answers[:] = [None, smtplib.SMTPDataError(554, b"5.7.1 Message rejected"), None]

    outbox.deliveries_drain()

    assert statuses(deliveries) == [
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
        DeliveryStatus.SENT,
    ]
    assert len(smtp.accepted) == 2


def test_a_connection_dropped_in_the_middle_of_a_batch_is_opened_again_once(smtp, several):
    deliveries = several(3)
    # The server drops the connection as the second message goes: it is sent again over a new
    # one, and the third follows it there.
    smtp.answers[:] = [None, smtplib.SMTPServerDisconnected("Connection unexpectedly closed")]

    outbox.deliveries_drain()

    assert statuses(deliveries) == [DeliveryStatus.SENT] * 3
    assert [refresh(d).attempts for d in deliveries] == [1, 1, 1]
    assert len(smtp.accepted) == 3


def break_the_send_of(broken: Delivery, monkeypatch) -> None:
    """A bug in the connector's send, for that delivery alone."""
    send = InqomConnector.send

    def broken_for_it(self, delivery, attachment):
        if delivery.pk == broken.pk:
            raise KeyError("a bug")
        return send(self, delivery, attachment)

    monkeypatch.setattr(InqomConnector, "send", broken_for_it)


def test_an_unexpected_error_on_one_delivery_leaves_none_sending(
    several, published, monkeypatch, caplog, clock
):
    deliveries = several(3)
    break_the_send_of(deliveries[1], monkeypatch)

    assert outbox.deliveries_drain() == 3

    assert statuses(deliveries) == [
        DeliveryStatus.SENT,
        DeliveryStatus.RETRYING,
        DeliveryStatus.SENT,
    ]
    broken = refresh(deliveries[1])
    assert (broken.reason, broken.detail, broken.attempts) == (
        "L'envoi a été interrompu par une erreur imprévue : il repart.",
        "KeyError",
        1,
    )
    assert broken.next_attempt_at == clock.now() + timedelta(seconds=BASE)
    assert f"delivery {broken.pk}: unexpected error while sending" in caplog.text
    # Its retry's own task.
    assert published == [broken.pk]


def test_the_delivery_that_woke_a_drain_broken_by_a_bug_is_recorded_and_the_batch_goes(
    several, published, monkeypatch, caplog
):
    deliveries = several(3)
    break_the_send_of(deliveries[0], monkeypatch)

    assert outbox.deliveries_drain(first=deliveries[0].pk) == 3

    assert statuses(deliveries) == [
        DeliveryStatus.RETRYING,
        DeliveryStatus.SENT,
        DeliveryStatus.SENT,
    ]
    assert refresh(deliveries[0]).detail == "KeyError"
    assert f"delivery {deliveries[0].pk}: unexpected error while sending" in caplog.text
    assert published == [deliveries[0].pk]


def test_a_drain_whose_time_runs_out_on_the_delivery_that_woke_it_hands_the_rest_over(
    several, published, monkeypatch
):
    deliveries = several(2)

    def too_slow_to_judge(delivery):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(outbox, "_refusal_now", too_slow_to_judge)

    assert outbox.deliveries_drain(first=deliveries[0].pk) == 1

    assert [(refresh(d).status, refresh(d).attempts) for d in deliveries] == [
        (DeliveryStatus.RETRYING, 1),
        (DeliveryStatus.PENDING, 0),
    ]
    # Its own retry, and a drain for the rest.
    assert published == [deliveries[0].pk, None]


def test_a_full_batch_wakes_another_drain_for_the_rest(settings, several, published):
    settings.DELIVERY_BATCH_SIZE = 2
    deliveries = several(3)

    assert outbox.deliveries_drain() == 2

    assert statuses(deliveries) == [
        DeliveryStatus.SENT,
        DeliveryStatus.SENT,
        DeliveryStatus.PENDING,
    ]
    assert published == [None]


def test_a_drain_starts_no_send_past_its_time_and_leaves_the_rest_unclaimed(
    settings, several, published, monkeypatch
):
    settings.DELIVERY_BATCH_SECONDS = 30
    deliveries = several(3)
    # The first send took 31 s of the drain's time.
    ticks = iter([1000.0, 1000.0, 1031.0])
    monkeypatch.setattr(outbox.time, "monotonic", lambda: next(ticks))

    assert outbox.deliveries_drain() == 1

    assert [(refresh(d).status, refresh(d).attempts) for d in deliveries] == [
        (DeliveryStatus.SENT, 1),
        (DeliveryStatus.PENDING, 0),
        (DeliveryStatus.PENDING, 0),
    ]
    # Another drain takes them, starting where this one stopped.
    assert published == [deliveries[1].pk]


def test_a_drain_skips_a_delivery_changed_since_it_read_its_batch(several, monkeypatch):
    deliveries = several(2)
    send = InqomConnector.send

    def send_while_another_drain_takes_the_second(self, delivery, attachment):
        if delivery.pk == deliveries[0].pk:
            assert delivery_attempt(delivery_id=deliveries[1].pk) == DeliveryStatus.SENT
        return send(self, delivery, attachment)

    monkeypatch.setattr(InqomConnector, "send", send_while_another_drain_takes_the_second)

    assert outbox.deliveries_drain() == 1

    assert statuses(deliveries) == [DeliveryStatus.SENT] * 2
    assert [refresh(d).attempts for d in deliveries] == [1, 1]
    assert len(received(to=ACHAT)) == 2


def test_the_sweep_hands_its_due_deliveries_to_one_drain_per_batch(settings, several, published):
    settings.DELIVERY_BATCH_SIZE = 2
    deliveries = several(5)
    for delivery in deliveries:
        age(delivery, SWEEP + 1)

    assert deliveries_sweep() == 5

    assert published == [deliveries[0].pk, deliveries[2].pk, deliveries[4].pk]


class FakeRedis:
    """The broker's Redis, for the wake flag: SET NX with an expiry, DEL."""

    def __init__(self):
        self.keys: dict[str, object] = {}

    def set(self, key, value, *, nx=False, ex=None):
        if nx and key in self.keys:
            return None
        self.keys[key] = value
        return True

    def delete(self, key):
        return int(self.keys.pop(key, None) is not None)


@pytest.fixture
def wake_flag(monkeypatch):
    redis = FakeRedis()
    monkeypatch.setattr(outbox_wake, "_flag", lambda: (redis, "outbox:wake:celery"))
    return redis


def test_a_burst_of_deposits_wakes_one_drain_and_one_after_a_drain_started_wakes_another(
    achats, alpha, wake_flag, published, django_capture_on_commit_callbacks
):
    # Ten deposits committed one after the other while no drain has started: one drain.
    for n in range(10):
        with django_capture_on_commit_callbacks(execute=True):
            deposit(achats, f"rafale-{n}.pdf", PDF + b"%d" % n, by=alpha.client)
    assert len(published) == 1

    # A drain starts (it clears the flag before it reads its batch): the next deposit, which it
    # may not see, wakes another.
    outbox.deliveries_drain()
    with django_capture_on_commit_callbacks(execute=True):
        deposit(achats, "apres.pdf", PDF + b"apres", by=alpha.client)
    assert len(published) == 2


def test_a_deposit_whose_drain_cannot_be_published_lets_the_next_one_try(
    achats, alpha, wake_flag, monkeypatch, django_capture_on_commit_callbacks
):
    tries = []

    def broker_down(delivery_id, *, countdown=0):
        tries.append(delivery_id)
        return False

    monkeypatch.setattr(outbox, "_publish", broker_down)
    for n in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            deposit(achats, f"panne-{n}.pdf", PDF + b"%d" % n, by=alpha.client)

    assert len(tries) == 2
    assert wake_flag.keys == {}


@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_never_send_the_same_delivery(
    settings, achats, alpha, published, monkeypatch
):
    # Two worker processes draining together, each with its own database session, on
    # PostgreSQL as in production (SQLite's shared in-memory test database refuses a second
    # writer instead of making it wait).
    if connection.vendor != "postgresql":
        pytest.skip("two sessions writing at once: PostgreSQL (DATABASE_URL)")
    settings.DELIVERY_BATCH_SIZE = 20
    documents = [
        deposit(achats, f"ensemble-{n}.pdf", PDF + b"%d" % n, by=alpha.client) for n in range(12)
    ]
    start = threading.Barrier(2)
    send = InqomConnector.send

    def slow_send(self, delivery, attachment):
        time.sleep(0.01)
        return send(self, delivery, attachment)

    monkeypatch.setattr(InqomConnector, "send", slow_send)
    claimed: list[int] = []

    def drain():
        try:
            start.wait()
            claimed.append(outbox.deliveries_drain())
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(claimed) == 12
    rows = [delivery_of(document) for document in documents]
    assert {(row.status, row.attempts) for row in rows} == {(DeliveryStatus.SENT, 1)}
    assert sorted(r.attachment[0] for r in received(to=ACHAT)) == sorted(d.name for d in documents)
