"""Email deposits as the email services post them: Mailgun's raw-MIME forward and Postmark's
inbound JSON, on the platform's host and on a cabinet's. The webhooks stay closed until a secret
is set, refuse whoever does not know it, file each event once, and answer 200 to an email they
cannot read (recorded as refused) so that the service does not post it again forever."""

import base64
import hashlib
import hmac
import json

import pytest
from django.core import mail
from django.utils import timezone

from ged.models import Channel, Document, DocumentStatus, InboundEmail, InboundStatus
from ged.services.tree import annual_folder_name
from tests.ged.webhook_helpers import (
    CABINET_HOST,
    PLATFORM_HOST,
    SECRET,
    SIGNING_KEY,
    UNREADABLE,
    achats_address,
    mailgun_payload,
    post,
    postmark_payload,
    raw_email,
)
from tests.ged.webhook_helpers import webhooks as webhooks  # autouse
from tests.helpers.documents import PDF, folder_at
from tests.helpers.forwarding import ACHATS, address, connect, received, switch_on

pytestmark = pytest.mark.django_db


def payload_of(esp: str, to: str, sender: str) -> dict:
    return (mailgun_payload if esp == "mailgun" else postmark_payload)(to, sender)


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Posts as the email service does, the request's transaction committing."""

    def deliver(esp: str, payload, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return post(esp, payload, **kwargs)

    return deliver


def assert_nothing_filed() -> None:
    assert not Document.objects.exists()


# --- Filed, on the platform's host and on a cabinet's ---------------------------------------------


@pytest.mark.parametrize("host", [PLATFORM_HOST, CABINET_HOST])
@pytest.mark.parametrize(("esp", "esp_name"), [("mailgun", "Mailgun"), ("postmark", "Postmark")])
def test_an_email_posted_by_the_email_service_is_filed(world, deliver, host, esp, esp_name):
    alpha = world.a
    to = achats_address(alpha.company)

    response = deliver(esp, payload_of(esp, to, alpha.client.email), host=host)

    assert response.status_code == 200
    [document] = Document.objects.all()
    assert (document.name, document.channel, document.deposited_by) == (
        "facture-farine.pdf",
        Channel.EMAIL,
        alpha.client,
    )
    assert document.company == alpha.company
    assert document.folder.name == "Achats"
    with document.file.open("rb") as stored:
        assert stored.read() == PDF
    record = InboundEmail.objects.get()
    assert (record.esp, record.status, record.company, record.recipient, record.sender) == (
        esp_name,
        InboundStatus.DEPOSITED,
        alpha.company,
        to,
        alpha.client.email,
    )
    assert record.subject == "Facture farine janvier"
    # The signature logo is not a document.
    assert sorted((item["name"], item["outcome"]) for item in record.items) == [
        ("facture-farine.pdf", "deposited"),
        ("logo.png", "ignored"),
    ]


@pytest.mark.parametrize("esp", ["mailgun", "postmark"])
def test_a_deposit_address_in_bcc_is_found_from_the_envelope(world, deliver, esp):
    """The client writes to their own accountant and puts the deposit address in Bcc: only the
    envelope (Mailgun's `recipient`, Postmark's `OriginalRecipient`) names it."""
    alpha = world.a
    to = achats_address(alpha.company)
    shown = "compta@boulangerie-alpha.fr"
    payload = payload_of(esp, to, alpha.client.email)
    if esp == "mailgun":
        payload["body-mime"] = raw_email(to, alpha.client.email, shown_to=shown).decode()
    else:
        payload.update(To=shown, ToFull=[{"Email": shown, "Name": "", "MailboxHash": ""}])
        payload.update(Bcc=to, BccFull=[{"Email": to, "Name": "", "MailboxHash": ""}])

    response = deliver(esp, payload)

    assert response.status_code == 200
    [document] = Document.objects.all()
    assert (document.company, document.deposited_by) == (alpha.company, alpha.client)
    assert InboundEmail.objects.get().recipient == to


@pytest.mark.parametrize("esp", ["mailgun", "postmark"])
def test_a_stranger_posted_by_the_email_service_is_refused_and_answered_200(world, deliver, esp):
    to = achats_address(world.a.company)

    response = deliver(esp, payload_of(esp, to, "inconnu@exemple.com"))

    assert response.status_code == 200
    assert_nothing_filed()
    record = InboundEmail.objects.get()
    assert record.status == InboundStatus.REFUSED
    assert record.reason.startswith("Expéditeur non autorisé")


@pytest.mark.parametrize("esp", ["mailgun", "postmark"])
def test_a_scan_of_several_megabytes_is_filed(world, deliver, esp):
    """Scanned invoices weigh megabytes; the email service posts them whole."""
    alpha = world.a
    to = achats_address(alpha.company)
    scan = PDF + bytes(3 * 1024 * 1024)
    payload = payload_of(esp, to, alpha.client.email)
    if esp == "mailgun":
        payload["body-mime"] = raw_email(to, alpha.client.email, pdf=scan).decode()
    else:
        payload["Attachments"][1]["Content"] = base64.b64encode(scan).decode()

    response = deliver(esp, payload)

    assert response.status_code == 200
    [document] = Document.objects.all()
    assert (document.name, document.size) == ("facture-farine.pdf", len(scan))


def test_an_email_into_an_automated_folder_goes_on_to_inqom(world, deliver):
    alpha = world.a
    connect(alpha, alpha.company, ACHATS, name="boulangerie-alpha")
    achats = folder_at(alpha.company, f"{annual_folder_name(timezone.localdate().year)}/Achats")
    switch_on(achats, ACHATS, alpha.admin)

    payload = payload_of("mailgun", achats_address(alpha.company), alpha.client.email)

    response = deliver("mailgun", payload)

    assert response.status_code == 200
    document = Document.objects.get()
    assert (document.folder, document.status) == (achats, DocumentStatus.VALIDATED)
    [sent] = received(to=address(ACHATS, "boulangerie-alpha"))
    assert sent.attachment == ("facture-farine.pdf", "application/pdf", PDF)


# --- Closed until a secret is set, and only for whoever knows it ---------------------------------


@pytest.mark.parametrize("credentials", [SECRET, None])
@pytest.mark.parametrize("esp", ["mailgun", "postmark"])
def test_without_a_secret_configured_the_webhooks_are_closed(
    world, deliver, settings, esp, credentials
):
    settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    to = achats_address(world.a.company)

    response = deliver(esp, payload_of(esp, to, world.a.client.email), credentials=credentials)

    assert response.status_code == 403
    assert_nothing_filed()
    assert not InboundEmail.objects.exists()


@pytest.mark.parametrize("credentials", ["user:wrong", "intrus:pass", None])
@pytest.mark.parametrize("host", [PLATFORM_HOST, CABINET_HOST])
@pytest.mark.parametrize("esp", ["mailgun", "postmark"])
def test_wrong_or_missing_credentials_are_refused(world, deliver, esp, host, credentials):
    to = achats_address(world.a.company)

    response = deliver(
        esp, payload_of(esp, to, world.a.client.email), host=host, credentials=credentials
    )

    assert response.status_code == 400
    assert_nothing_filed()
    assert not InboundEmail.objects.exists()
    assert mail.outbox == []


def test_a_mailgun_post_with_a_forged_signature_is_refused(world, deliver):
    to = achats_address(world.a.company)
    forged = mailgun_payload(to, world.a.client.email, signing_key="key-somebody-else")

    response = deliver("mailgun", forged)

    assert response.status_code == 400
    assert_nothing_filed()
    assert not InboundEmail.objects.exists()


# --- The same event twice -------------------------------------------------------------------------


@pytest.mark.parametrize("esp", ["mailgun", "postmark"])
def test_the_same_event_posted_twice_deposits_once(world, deliver, esp):
    alpha = world.a
    payload = payload_of(esp, achats_address(alpha.company), alpha.client.email)

    first = deliver(esp, payload)
    second = deliver(esp, payload)

    assert (first.status_code, second.status_code) == (200, 200)
    assert Document.objects.count() == 1
    assert InboundEmail.objects.count() == 1


@pytest.mark.parametrize("esp", ["mailgun", "postmark"])
def test_two_events_are_two_deposits(world, deliver, esp):
    alpha = world.a
    to = achats_address(alpha.company)
    if esp == "mailgun":
        first = mailgun_payload(to, alpha.client.email, token="a" * 50)
        second = mailgun_payload(to, alpha.client.email, token="b" * 50)
        second["body-mime"] = raw_email(to, alpha.client.email, message_id="<2@ex.fr>").decode()
    else:
        first = postmark_payload(to, alpha.client.email, message_id="00000000-0000-0000-0000-1")
        second = postmark_payload(to, alpha.client.email, message_id="00000000-0000-0000-0000-2")
        # Another message: its own Message-ID (the same one again would be a duplicate).
        for header in second["Headers"]:
            if header["Name"] == "Message-ID":
                header["Value"] = "<2@ex.fr>"

    deliver(esp, first)
    deliver(esp, second)

    assert Document.objects.count() == 2
    assert InboundEmail.objects.count() == 2


# --- Unreadable emails: answered 200, recorded, nothing filed -------------------------------------


def recorded_unreadable(*responses) -> InboundEmail:
    """Every post answered 200 (the ESP must not retry), nothing filed, and one record of the
    email, refused as unreadable; returns it."""
    assert [response.status_code for response in responses] == [200] * len(responses)
    assert_nothing_filed()
    record = InboundEmail.objects.get()
    assert record.status == InboundStatus.REFUSED
    assert record.reason.startswith(UNREADABLE), record.reason
    return record


@pytest.mark.parametrize("host", [PLATFORM_HOST, CABINET_HOST])
def test_a_broken_postmark_json_is_recorded_as_unreadable(world, deliver, host):
    alpha = world.a
    body = json.dumps(postmark_payload(achats_address(alpha.company), alpha.client.email))
    broken = body[: len(body) // 2]

    first = deliver("postmark", broken, host=host)
    again = deliver("postmark", broken, host=host)

    record = recorded_unreadable(first, again)
    assert record.esp.lower() == "postmark"


def test_a_postmark_attachment_that_is_not_base64_is_recorded_as_unreadable(world, deliver):
    alpha = world.a
    payload = postmark_payload(achats_address(alpha.company), alpha.client.email)
    # Cut short in transit: five characters, which no base64 decoder accepts.
    payload["Attachments"][1]["Content"] = base64.b64encode(PDF).decode()[:5]

    response = deliver("postmark", payload)

    recorded_unreadable(response)


GARBAGE = {
    # Not an email at all: no header, no part.
    "binary": "\x00\x01\x02\x89\xff\xfe garbage \x00" * 40,
    "prose": "Ceci n'est pas un email, juste du texte posté par erreur.\n" * 5,
    # Headers whose addresses no parser makes sense of.
    "headers": "From: <<<@@@>>>\nTo: ,,,@@\nSubject: ???\n\n\x00\x01",
}


@pytest.mark.parametrize("garbage", GARBAGE.values(), ids=GARBAGE.keys())
def test_a_garbage_mailgun_body_mime_is_recorded_as_unreadable(world, deliver, garbage):
    alpha = world.a
    payload = mailgun_payload(achats_address(alpha.company), alpha.client.email, body_mime=garbage)

    first = deliver("mailgun", payload)
    again = deliver("mailgun", payload)

    recorded_unreadable(first, again)
    assert mail.outbox == []


def test_a_mailgun_post_the_webhook_cannot_read_is_recorded_as_unreadable(world, deliver):
    """Signed, but its timestamp is no number: anymail's own view fails on it."""
    alpha = world.a
    payload = mailgun_payload(achats_address(alpha.company), alpha.client.email)
    payload["timestamp"] = "hier"
    payload["signature"] = hmac.new(
        SIGNING_KEY.encode(), f"hier{payload['token']}".encode(), hashlib.sha256
    ).hexdigest()

    first = deliver("mailgun", payload)
    again = deliver("mailgun", payload)

    record = recorded_unreadable(first, again)
    assert record.esp.lower() == "mailgun"


def test_an_unreadable_email_does_not_stop_the_next_one(world, deliver):
    alpha = world.a
    to = achats_address(alpha.company)
    deliver("mailgun", mailgun_payload(to, alpha.client.email, token="x" * 50, body_mime="?"))

    response = deliver("mailgun", mailgun_payload(to, alpha.client.email, token="y" * 50))

    assert response.status_code == 200
    assert Document.objects.count() == 1
    assert sorted(InboundEmail.objects.values_list("status", flat=True)) == [
        InboundStatus.DEPOSITED,
        InboundStatus.REFUSED,
    ]
