"""A company's inbound addresses as the pages and the API show them, and an email received on
one of them. Shared by the GED's inbound page and API tests."""

import itertools
import re
from email.message import EmailMessage

import pytest
from anymail.inbound import AnymailInboundMessage
from django.utils import timezone

from ged.models import InboundAddress, InboundEmail
from ged.services.inbound_addresses import inbound_addresses_ensure
from ged.services.inbound_receiving import inbound_email_receive
from ged.services.tree import annual_folder_name
from tests.helpers.documents import PDF
from tests.helpers.inbound import authentication_results

DOMAIN = "depot.welyb.test"
TARGETS = ["achats", "ventes", "ndf", "a-classer"]
LABELS = ["Achats", "Ventes", "Notes de frais", "À classer"]
STRANGER = "inconnu@ailleurs.fr"
MISSING_ID = 10**9
SENDER_LINE_ERROR = (
    "Ligne {n} : une adresse (compta@fournisseur.fr) ou un domaine (@fournisseur.fr) par ligne."
)
UNKNOWN_ADDRESS = "Adresse de dépôt inconnue (ou régénérée depuis)."
CSRF_TOKEN = re.compile(r"[A-Za-z0-9]{64}")


@pytest.fixture(autouse=True)
def _inbound_settings(settings):
    settings.INBOUND_EMAIL_DOMAIN = DOMAIN
    settings.DOCUMENT_MAX_MB = 1


def this_years_folder() -> str:
    """The annual folder the default addresses file into, as the portal names it today."""
    return annual_folder_name(timezone.localdate().year)


def default_paths() -> list[str]:
    annual = this_years_folder()
    return [f"{annual}/Achats", f"{annual}/Ventes", f"{annual}/Notes de frais", "À classer"]


# --- Emails as an ESP hands them over ----------------------------------------------------------

_event_ids = itertools.count(1)


def inbound_message(
    *, to: str, sender: str, subject: str = "Facture de mars", files=(("facture.pdf", PDF),)
) -> AnymailInboundMessage:
    """An email with its attachments, its sender authenticated by the receiving server
    (DMARC), parsed from its raw MIME bytes as anymail does."""
    message = EmailMessage()
    message["Authentication-Results"] = authentication_results(sender)
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Bonjour, vous trouverez la pièce en pièce jointe.")
    for name, content in files:
        message.add_attachment(
            content, maintype="application", subtype="octet-stream", filename=name
        )
    return AnymailInboundMessage.parse_raw_mime_bytes(message.as_bytes())


def receive(**kwargs) -> InboundEmail:
    """An email received on the webhook: filed (or refused) and recorded by the service."""
    return inbound_email_receive(
        message=inbound_message(**kwargs), event_id=f"pages-{next(_event_ids)}", esp="mailgun"
    )


def address_row(company, target: str = "achats") -> InboundAddress:
    return next(a for a in inbound_addresses_ensure(company=company) if a.target == target)


def address_of(company, target: str = "achats") -> str:
    return f"{address_row(company, target).local_part}@{DOMAIN}"
