"""What the email service says after a send, through anymail's tracking webhooks: "Reçu", or
"Refusé par le destinataire" with what the cabinet must check in Inqom. The webhooks stay closed
until a secret is set, and refuse whoever does not know it."""

import hashlib
import hmac
import json

import pytest
from anymail import urls as anymail_urls
from django.core import mail
from django.test import Client
from django.urls import reverse

from ged.models import DocumentStatus
from partner_apps.models import Delivery, DeliveryStatus
from tests.conftest import basic
from tests.helpers.documents import PDF, folder_at
from tests.helpers.forwarding import (
    ACHATS,
    ANNUAL,
    ANYMAIL_TEST_BACKEND,
    address,
    connect,
    delivery_of,
    deposit_and_send,
    switch_on,
)

pytestmark = pytest.mark.django_db

ACHAT = address(ACHATS, "boulangerie-alpha")
SENDER = "no-reply@welyb.fr"
SECRET = "user:pass"
SIGNING_KEY = "key-mailgun-webhook-signing-key"
POSTMARK_ID = "883953f4-6105-42a2-a16a-000000000000"
POSTMARK = "/anymail/postmark/tracking/"
MAILGUN = "/anymail/mailgun/tracking/"
BOUNCED = (
    "Inqom a refusé l'envoi : vérifiez que {sender} est autorisée dans Inqom › Paramètres › "
    "Emails d'envoi"
)


@pytest.fixture(autouse=True)
def webhooks(settings):
    settings.INQOM_SENDER_EMAIL = SENDER
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def post(path: str, payload: dict, *, credentials: str | None = SECRET):
    """A call of the email service on the platform's host."""
    headers = {"HTTP_AUTHORIZATION": basic(credentials)} if credentials else {}
    return Client(HTTP_HOST="localhost").post(
        path, data=json.dumps(payload), content_type="application/json", **headers
    )


@pytest.fixture
def sent(world, django_capture_on_commit_callbacks):
    """Sends a document of Boulangerie Alpha to Inqom Achats; returns its delivery."""

    def send(name: str = "facture.pdf") -> Delivery:
        alpha = world.a
        connect(alpha, alpha.company, ACHATS, name="boulangerie-alpha")
        achats = folder_at(alpha.company, f"{ANNUAL}/Achats")
        if not achats.automations.filter(enabled=True).exists():
            switch_on(achats, ACHATS, alpha.admin)
        content = PDF + name.encode()
        document = deposit_and_send(django_capture_on_commit_callbacks, achats, name, content)
        assert document.status == DocumentStatus.VALIDATED
        delivery = delivery_of(document)
        assert delivery.status == DeliveryStatus.SENT
        return delivery

    return send


@pytest.fixture
def via_postmark(settings, monkeypatch, sent) -> Delivery:
    """Sent through an ESP's API (anymail's test backend), which answered with Postmark's
    message id."""
    settings.EMAIL_BACKEND = ANYMAIL_TEST_BACKEND
    monkeypatch.setattr(
        "anymail.backends.test.EmailBackend.get_esp_message_id",
        lambda self, message: f"883953f4-6105-42a2-a16a-{mail.outbox.index(message):012x}",
    )
    delivery = sent()
    assert delivery.message_id == POSTMARK_ID
    return delivery


@pytest.fixture
def via_mailgun_smtp(settings, sent) -> Delivery:
    """Sent through Mailgun's SMTP relay: the message id is the Message-ID header the portal set,
    which Mailgun keeps."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    delivery = sent()
    assert delivery.message_id.startswith("<")
    assert delivery.message_id.endswith("@welyb.fr>")
    return delivery


def postmark_delivery(message_id: str) -> dict:
    return {
        "RecordType": "Delivery",
        "ServerID": 23,
        "MessageStream": "outbound",
        "MessageID": message_id,
        "Recipient": ACHAT,
        "Tag": "",
        "DeliveredAt": "2026-01-05T16:33:54.9070259Z",
        "Details": "smtp;250 2.0.0 OK",
        "Metadata": {},
    }


def postmark_bounce(message_id: str) -> dict:
    return {
        "RecordType": "Bounce",
        "ID": 4323372036854775807,
        "Type": "HardBounce",
        "TypeCode": 1,
        "Name": "Hard bounce",
        "Tag": "",
        "MessageID": message_id,
        "Metadata": {},
        "ServerID": 23,
        "MessageStream": "outbound",
        "Description": "The server was unable to deliver your message (ex: unknown user, mailbox "
        "not found).",
        "Details": "smtp;550 5.7.1 Sender not allowed to send to this address",
        "Email": ACHAT,
        "From": SENDER,
        "BouncedAt": "2026-01-05T16:33:54.9070259Z",
        "DumpAvailable": False,
        "Inactive": True,
        "CanActivate": True,
        "Subject": "Boulangerie Alpha – facture.pdf",
    }


def mailgun_signature(timestamp: str, token: str, key: str = SIGNING_KEY) -> dict:
    signature = hmac.new(
        key=key.encode("ascii"), msg=f"{timestamp}{token}".encode("ascii"), digestmod=hashlib.sha256
    ).hexdigest()
    return {"timestamp": timestamp, "token": token, "signature": signature}


def mailgun_event(message_id: str, event: str, *, key: str = SIGNING_KEY, **extra) -> dict:
    """Mailgun's JSON webhook: the signature block and the event data. Mailgun gives the
    Message-ID header without its angle brackets."""
    timestamp, token = "1767630834", "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    return {
        "signature": mailgun_signature(timestamp, token, key),
        "event-data": {
            "event": event,
            "timestamp": 1767630834.329574,
            "id": "CPgfbmQMTCKtHW6uIWtuVe",
            "log-level": "info" if event == "delivered" else "error",
            "recipient": ACHAT,
            "recipient-domain": "inqombox.com",
            "envelope": {"sender": SENDER, "targets": ACHAT, "transport": "smtp"},
            "message": {
                "headers": {
                    "to": ACHAT,
                    "message-id": message_id.strip("<>"),
                    "from": SENDER,
                    "subject": "Boulangerie Alpha – facture.pdf",
                },
                "attachments": [],
                "size": 4096,
            },
            "flags": {"is-authenticated": True, "is-test-mode": False},
            "tags": [],
            "user-variables": {},
            **extra,
        },
    }


def mailgun_delivered(message_id: str, **kwargs) -> dict:
    return mailgun_event(
        message_id,
        "delivered",
        **{
            "delivery-status": {
                "tls": True,
                "mx-host": "mx.inqombox.com",
                "code": 250,
                "description": "",
                "message": "OK",
                "attempt-no": 1,
            }
        },
        **kwargs,
    )


def mailgun_failed(message_id: str, severity: str = "permanent") -> dict:
    return mailgun_event(
        message_id,
        "failed",
        severity=severity,
        reason="bounce" if severity == "permanent" else "generic",
        **{
            "delivery-status": {
                "code": 550 if severity == "permanent" else 452,
                "message": "5.7.1 Sender not allowed to send to this address",
                "description": "",
                "attempt-no": 1,
            }
        },
    )


def state(delivery: Delivery) -> tuple[str, str, str]:
    """(delivery status, its reason, the document's status), as staff see them."""
    delivery.refresh_from_db()
    delivery.document.refresh_from_db()
    return delivery.status, delivery.reason, delivery.document.status


SENT = (DeliveryStatus.SENT, "", DocumentStatus.VALIDATED)


# --- Postmark ---------------------------------------------------------------------------------


def test_postmark_delivery_event_marks_the_delivery_received(via_postmark):
    response = post(POSTMARK, postmark_delivery(POSTMARK_ID))

    assert response.status_code == 200
    assert state(via_postmark) == (DeliveryStatus.DELIVERED, "", DocumentStatus.VALIDATED)


def test_postmark_bounce_tells_the_cabinet_to_authorise_the_sender_in_inqom(via_postmark):
    response = post(POSTMARK, postmark_bounce(POSTMARK_ID))

    assert response.status_code == 200
    assert state(via_postmark) == (
        DeliveryStatus.BOUNCED,
        BOUNCED.format(sender=SENDER),
        DocumentStatus.PENDING,
    )
    assert via_postmark.can_retry


def test_the_bounce_message_names_the_configured_sender(via_postmark, settings):
    settings.INQOM_SENDER_EMAIL = "depots@portail-cabinet.fr"

    post(POSTMARK, postmark_bounce(POSTMARK_ID))

    assert state(via_postmark)[1] == BOUNCED.format(sender="depots@portail-cabinet.fr")


def test_a_bounce_after_the_delivery_event_still_marks_it_bounced(via_postmark):
    post(POSTMARK, postmark_delivery(POSTMARK_ID))

    post(POSTMARK, postmark_bounce(POSTMARK_ID))

    assert state(via_postmark)[::2] == (DeliveryStatus.BOUNCED, DocumentStatus.PENDING)


# --- Mailgun ----------------------------------------------------------------------------------


def test_mailgun_delivered_event_marks_the_delivery_received(via_mailgun_smtp):
    response = post(MAILGUN, mailgun_delivered(via_mailgun_smtp.message_id))

    assert response.status_code == 200
    assert state(via_mailgun_smtp) == (DeliveryStatus.DELIVERED, "", DocumentStatus.VALIDATED)


def test_mailgun_permanent_failure_marks_it_bounced_with_what_to_check(via_mailgun_smtp):
    response = post(MAILGUN, mailgun_failed(via_mailgun_smtp.message_id))

    assert response.status_code == 200
    assert state(via_mailgun_smtp) == (
        DeliveryStatus.BOUNCED,
        BOUNCED.format(sender=SENDER),
        DocumentStatus.PENDING,
    )


def test_mailgun_temporary_failure_changes_nothing(via_mailgun_smtp):
    response = post(MAILGUN, mailgun_failed(via_mailgun_smtp.message_id, severity="temporary"))

    assert response.status_code == 200
    assert state(via_mailgun_smtp) == SENT


def test_a_mailgun_call_with_a_wrong_signature_is_refused(via_mailgun_smtp):
    payload = mailgun_failed(via_mailgun_smtp.message_id)
    payload["signature"] = mailgun_signature("1767630834", "another-token", key="not-the-key")

    response = post(MAILGUN, payload)

    assert response.status_code == 400
    assert state(via_mailgun_smtp) == SENT


# --- Unknown messages, closed and guarded webhooks -----------------------------------------------


@pytest.mark.parametrize(
    ("path", "payload"),
    [
        (POSTMARK, postmark_bounce("00000000-0000-0000-0000-000000000000")),
        (POSTMARK, postmark_delivery("00000000-0000-0000-0000-000000000000")),
        (MAILGUN, mailgun_failed("<20260105163354.1.inconnu@welyb.fr>")),
        (MAILGUN, mailgun_delivered("<20260105163354.1.inconnu@welyb.fr>")),
    ],
    ids=["postmark_bounce", "postmark_delivery", "mailgun_failed", "mailgun_delivered"],
)
def test_an_event_for_an_unknown_message_changes_nothing(via_postmark, sent, path, payload):
    other = sent("autre-facture.pdf")

    response = post(path, payload)

    assert response.status_code == 200
    assert state(via_postmark) == SENT
    assert state(other) == SENT


def anymail_webhook_paths() -> list[str]:
    return [reverse(f"anymail:{pattern.name}") for pattern in anymail_urls.urlpatterns]


def test_every_webhook_answers_403_until_the_secret_is_set(via_postmark, settings):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    paths = anymail_webhook_paths()
    assert {POSTMARK, MAILGUN, "/anymail/postmark/inbound/"} <= set(paths)

    for path in paths:
        response = post(path, postmark_bounce(POSTMARK_ID))
        assert response.status_code == 403, path
    assert state(via_postmark) == SENT


@pytest.mark.parametrize("credentials", [None, "user:wrong", "intrus:pass", "user:pass:"])
def test_a_postmark_call_without_the_right_credentials_answers_400(via_postmark, credentials):
    response = post(POSTMARK, postmark_bounce(POSTMARK_ID), credentials=credentials)

    assert response.status_code == 400
    assert state(via_postmark) == SENT


@pytest.mark.parametrize("credentials", [None, "user:wrong"])
def test_a_mailgun_call_without_the_right_credentials_answers_400(via_mailgun_smtp, credentials):
    payload = mailgun_failed(via_mailgun_smtp.message_id)

    response = post(MAILGUN, payload, credentials=credentials)

    assert response.status_code == 400
    assert state(via_mailgun_smtp) == SENT
