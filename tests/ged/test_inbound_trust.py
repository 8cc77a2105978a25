"""Deposit by email that can be trusted: an email whose `From` the email service does not
authenticate is held, never filed as that person's deposit, until staff accept it (its files
then go on as any deposit) or reject it; no receipt ever goes to its sender; and the envelope
recipient, not a header the sender wrote, picks the company."""

import pytest
from anymail.inbound import AnymailInboundMessage
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from ged.models import Channel, Document, InboundEmail, InboundStatus
from ged.services.inbound_addresses import inbound_address_email, inbound_addresses_ensure
from ged.services.inbound_receiving import (
    inbound_email_accept,
    inbound_email_receive,
    inbound_email_reject,
)
from ged.services.inbound_senders import inbound_policy_update
from partner_apps.models import DeliveryStatus
from tests.conftest import api, browser
from tests.helpers.documents import folder_at
from tests.helpers.forwarding import (
    ACHATS,
    address,
    connect,
    delivery_of,
    received,
    switch_on,
)
from tests.helpers.inbound import build, some_pdf
from tests.helpers.store import audit_actions
from tests.pages import page_of, text_of
from welyb_portal.tenancy.models import Notification

pytestmark = pytest.mark.django_db

DOMAIN = "depot.welyb.fr"
ACHAT = address(ACHATS, "boulangerie-alpha")
NOT_PROVED = "Rien ne prouve que cet email vient bien de client@alpha.fr"
EMAILS = "/ged/emails-recus/"


@pytest.fixture(autouse=True)
def inbound_domain(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN


def email_of(company, target: str = "achats") -> str:
    [found] = [a for a in inbound_addresses_ensure(company=company) if a.target == target]
    return inbound_address_email(found)


@pytest.fixture
def receive(django_capture_on_commit_callbacks):
    """Receives an email as the inbound webhook does (the envelope recipient as the service
    gives it), in a transaction that commits."""

    def receive(raw: bytes, *, envelope_to: str | None = None) -> InboundEmail:
        message = AnymailInboundMessage.parse_raw_mime_bytes(raw)
        message.envelope_recipient = envelope_to
        with django_capture_on_commit_callbacks(execute=True):
            record = inbound_email_receive(message=message, esp="Mailgun")
        record.refresh_from_db()
        return record

    return receive


@pytest.fixture
def automated(world):
    """Boulangerie Alpha's Achats folder sends to Inqom; its client wants a receipt."""
    alpha = world.a
    connect(alpha, alpha.company, ACHATS, name="boulangerie-alpha")
    switch_on(folder_at(alpha.company, "Dossier comptable annuel 2026/Achats"), ACHATS, alpha.admin)
    inbound_policy_update(
        company=alpha.company,
        accept_anyone=False,
        allowed_senders="",
        send_receipt=True,
        by=alpha.admin,
    )
    return alpha


@pytest.fixture
def held(automated, receive):
    """A forged email: the client's address in From, and no verdict that proves it."""
    return receive(
        build(
            email_of(automated.company),
            sender=automated.client.email,
            subject="Facture urgente : https://paiement.example/",
            files=[("facture.pdf", some_pdf("forged"))],
            verdict="fail",
        )
    )


# --- Held ----------------------------------------------------------------------------------------


def test_an_email_whose_sender_is_not_authenticated_is_held_and_files_nothing(automated, held):
    assert held.status == InboundStatus.HELD
    assert held.reason.startswith(NOT_PROVED)
    assert held.authentication["authenticated"] is False
    assert held.authentication["dmarc"] == "fail"
    assert not Document.objects.exists()
    # Nothing reaches Inqom, and no receipt goes to the real client with the forged subject.
    assert received(to=ACHAT) == []
    assert [m for m in mail.outbox if automated.client.email in m.to] == []
    assert default_storage.exists(held.held_file)


def test_staff_are_told_that_an_email_waits_for_them(automated, held):
    [notification] = Notification.objects.filter(user=automated.collaborator)

    assert notification.text.startswith(
        "Boulangerie Alpha : un email de client@alpha.fr attend votre validation"
    )
    # Not the forged subject, which staff read only on the page, for what it is.
    assert "paiement.example" not in notification.text
    assert notification.url == f"{EMAILS}?statut=held#email-{held.pk}"


def test_a_sender_nobody_allowed_is_refused_whatever_the_verdict(automated, receive):
    record = receive(
        build(email_of(automated.company), sender="inconnu@exemple.fr", verdict="fail")
    )

    assert record.status == InboundStatus.REFUSED
    assert record.held_file == ""


def test_accepting_files_the_attachments_as_the_senders_deposit_and_sends_them_on(
    automated, held, django_capture_on_commit_callbacks
):
    raw = held.held_file
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        inbound_email_accept(record=held, by=automated.collaborator)

    held.refresh_from_db()
    assert held.status == InboundStatus.DEPOSITED
    [document] = Document.objects.all()
    assert (document.name, document.deposited_by, document.channel) == (
        "facture.pdf",
        automated.client,
        Channel.EMAIL,
    )
    assert held.documents == [document.pk]
    assert delivery_of(document).status == DeliveryStatus.SENT
    assert len(received(to=ACHAT)) == 1
    # Still no receipt: its sender was never authenticated.
    assert [m for m in mail.outbox if automated.client.email in m.to] == []
    assert (held.decided_by, held.held_file) == (automated.collaborator, "")
    assert not default_storage.exists(raw)
    assert "inbound_email.accepted" in audit_actions(automated.cabinet)
    assert not Notification.objects.filter(key=f"inbound:{held.pk}", read_at__isnull=True)


def test_rejecting_files_nothing_and_deletes_the_message(
    automated, held, django_capture_on_commit_callbacks
):
    raw = held.held_file

    with django_capture_on_commit_callbacks(execute=True):
        inbound_email_reject(record=held, by=automated.admin)

    held.refresh_from_db()
    assert held.status == InboundStatus.REFUSED
    assert held.reason.startswith("Refusé par admin@alpha.fr : expéditeur non vérifié.")
    assert not Document.objects.exists()
    assert not default_storage.exists(raw)
    assert "inbound_email.rejected" in audit_actions(automated.cabinet)


def test_an_email_is_decided_once(automated, held):
    inbound_email_reject(record=held, by=automated.admin)

    with pytest.raises(ValidationError, match="Cet email n'attend pas de validation"):
        inbound_email_accept(record=held, by=automated.admin)


def test_an_authenticated_sender_gets_the_receipt(automated, receive):
    record = receive(build(email_of(automated.company), sender=automated.client.email))

    assert record.status == InboundStatus.DEPOSITED
    assert record.authentication["method"] == "dmarc"
    assert [m.to for m in mail.outbox if automated.client.email in m.to] == [
        [automated.client.email]
    ]


# --- The page and the API ----------------------------------------------------------------------


def test_staff_accept_a_held_email_from_emails_recus(automated, held):
    staff = browser(automated.collaborator)
    response = staff.get(EMAILS, {"statut": "held"})
    page = page_of(response)
    [row] = [li for li in page.find("li") if li.attrs.get("id") == f"email-{held.pk}"]
    assert page.buttons(inside=row) == ["Accepter", "Refuser"]
    assert NOT_PROVED in row.text
    assert "Emails à valider 1" in page.text

    response = staff.post(f"{EMAILS}{held.pk}/accepter/", {"next": f"{EMAILS}?statut=held"})

    assert response.status_code == 302
    after = staff.get(response["Location"])
    assert "Email de client@alpha.fr accepté : ses pièces jointes sont classées." in text_of(after)
    assert Document.objects.count() == 1


def test_the_api_lists_held_emails_and_decides_them(automated, held):
    client = api(automated.admin)

    listed = client.get("/api/v1/inbound-emails/", {"status": "held"})

    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert (row["id"], row["status"], row["documents"]) == (held.pk, "held", [])
    assert row["authentication"]["authenticated"] is False
    assert set(row) == {
        "id",
        "company",
        "address",
        "sender",
        "subject",
        "received_at",
        "status",
        "reason",
        "authentication",
        "documents",
    }
    rejected = client.post(f"/api/v1/inbound-emails/{held.pk}/reject/")
    assert (rejected.status_code, rejected.json()["status"]) == (200, "refused")
    again = client.post(f"/api/v1/inbound-emails/{held.pk}/accept/")
    assert again.status_code == 400
    assert again.json()["detail"][0].startswith("Cet email n'attend pas de validation")


def test_clients_and_the_other_cabinet_cannot_decide(world, automated, held):
    assert api(automated.client).post(f"/api/v1/inbound-emails/{held.pk}/accept/").status_code == (
        403
    )
    assert api(world.b.admin).post(f"/api/v1/inbound-emails/{held.pk}/accept/").status_code == 404
    assert browser(world.b.admin).post(f"{EMAILS}{held.pk}/accepter/").status_code == 404
    held.refresh_from_db()
    assert held.status == InboundStatus.HELD


# --- The envelope recipient --------------------------------------------------------------------


def test_the_envelope_recipient_picks_the_company_not_a_header(world, receive):
    ours, theirs = email_of(world.a.company), email_of(world.b.company)
    raw = build(ours, sender=world.b.admin.email, files=[("devis.pdf", some_pdf("cc"))])
    raw = raw.replace(f"To: {ours}".encode(), f"To: {ours}\nCc: {theirs}".encode(), 1)

    record = receive(raw, envelope_to=ours)

    # Another cabinet's staff member is a stranger to Alpha: refused there, nothing in Beta.
    assert record.company == world.a.company
    assert record.status == InboundStatus.REFUSED
    assert not Document.objects.filter(company=world.b.company).exists()


def test_without_an_envelope_the_headers_recipients_are_read(world, receive):
    record = receive(build(email_of(world.a.company), sender=world.a.client.email))

    assert (record.company, record.status) == (world.a.company, InboundStatus.DEPOSITED)
