"""What the forwarding tests share: a company connected to Inqom the way the guide says, switches,
deposits whose sends really happen, and the emails read the way Inqom receives them."""

import email
import email.policy
import io
from dataclasses import dataclass

from django.core import mail

from ged.models import Channel, Document, Folder
from ged.services.deposit import document_deposit
from partner_apps.models import Delivery, FolderAutomation
from partner_apps.services.automations import automation_set
from tests.helpers.documents import PDF
from tests.helpers.store import CONNECTORS, app, authorize, install

ACHATS = "inqom-achats"
VENTES = "inqom-ventes"
NDF = "inqom-ndf"
ADMINISTRATIF = "inqom-administratif"
ANNUAL = "Dossier comptable annuel 2026"
ANYMAIL_TEST_BACKEND = "anymail.backends.test.EmailBackend"


def address(slug: str, name: str) -> str:
    """The collection address Inqom gives a company for a connector: achat.<name>@inqombox.com."""
    return f"{CONNECTORS[slug][1]}.{name}@inqombox.com"


def connect(tenant, company, *slugs: str, name: str) -> dict[str, str]:
    """Installs the connectors in the tenant's cabinet and authorises the company for each, with
    the addresses Inqom gave it; returns them by app."""
    install(tenant, *slugs)
    addresses = {}
    for slug in slugs:
        addresses[slug] = address(slug, name)
        authorize(tenant, company, slug, addresses[slug])
    return addresses


# Boulangerie Alpha's addresses, as Inqom gave them, and the refusal once it is not authorised.
ACHAT = address(ACHATS, "boulangerie-alpha")
ADMIN = address(ADMINISTRATIF, "boulangerie-alpha")
NOT_AUTHORISED = "L'entreprise n'est pas (ou plus) autorisée pour Inqom Achats."


def alpha_connected(world):
    """Cabinet Alpha has installed Inqom's connectors; Boulangerie Alpha is authorised for Inqom
    Achats and Inqom Administratif with the addresses Inqom gave it. Returns the tenant."""
    connect(world.a, world.a.company, ACHATS, ADMINISTRATIF, name="boulangerie-alpha")
    install(world.a, VENTES, NDF)
    return world.a


def switch_on(folder: Folder, slug: str, by) -> FolderAutomation:
    return automation_set(folder=folder, app=app(slug), enabled=True, by=by)


def switch_off(folder: Folder, slug: str, by) -> FolderAutomation:
    return automation_set(folder=folder, app=app(slug), enabled=False, by=by)


def deposit_and_send(
    capture,
    folder: Folder,
    name: str = "facture.pdf",
    content: bytes = PDF,
    *,
    by=None,
    channel: str = Channel.WEB,
) -> Document:
    """A deposit whose transaction commits, so that what it planned is sent (tasks run eagerly).
    `capture` is pytest-django's django_capture_on_commit_callbacks."""
    with capture(execute=True):
        document = document_deposit(
            folder=folder, file=io.BytesIO(content), name=name, by=by, channel=channel
        )
    document.refresh_from_db()
    return document


def delivery_of(document: Document, slug: str = ACHATS) -> Delivery:
    return Delivery.objects.get(document=document, app__slug=slug)


def deliveries_of(document: Document) -> list[tuple[str, str, str]]:
    """(app, status, reason) of each delivery of a document."""
    return list(
        Delivery.objects.filter(document=document)
        .order_by("app__position", "app__slug")
        .values_list("app__slug", "status", "reason")
    )


@dataclass
class Received:
    """An email as the collection address receives it: headers decoded, the attachment's bytes
    as they travel (Django's SMTP backend sends `message().as_bytes(linesep="\\r\\n")`)."""

    sender: str
    envelope_sender: str
    to: list[str]
    subject: str
    attachments: list[tuple[str, str, bytes]]  # (file name, type, bytes)

    @property
    def attachment(self) -> tuple[str, str, bytes]:
        [attachment] = self.attachments
        return attachment


def read(message) -> Received:
    wire = message.message().as_bytes(linesep="\r\n")
    parsed = email.message_from_bytes(wire, policy=email.policy.default)
    attachments = [
        (part.get_filename(), part.get_content_type(), part.get_payload(decode=True))
        for part in parsed.walk()
        if part.get_filename()
    ]
    return Received(
        sender=str(parsed["From"]),
        envelope_sender=message.from_email,
        to=[str(a.addr_spec) for a in parsed["To"].addresses],
        subject=str(parsed["Subject"]),
        attachments=attachments,
    )


def received(to: str | None = None) -> list[Received]:
    """Every email sent so far (to one address when given), oldest first."""
    emails = [read(message) for message in mail.outbox]
    return [e for e in emails if to is None or to in e.to]
