"""Every document holds its company's cabinet, whatever the channel it came by: the cabinet-wide
search reads it (`document_cabinet_date`). A database constraint cannot span two tables: this is
its check, over each channel, in two cabinets."""

import pytest
from anymail.inbound import AnymailInboundMessage
from django.core.exceptions import ValidationError
from django.db.models import F
from django.test import Client

from ged.models import Document
from ged.services.inbound_addresses import inbound_address_email, inbound_addresses_ensure
from ged.services.inbound_receiving import inbound_email_receive
from tests.conftest import api, browser
from tests.factories import SuperuserFactory
from tests.helpers.documents import deposit, folder_at, upload
from tests.helpers.inbound import build

pytestmark = pytest.mark.django_db

ACHATS = "Dossier comptable annuel 2026/Achats"


def deposit_everywhere(tenant, name: str, django_capture_on_commit_callbacks) -> None:
    """One document by each channel into the tenant's company: the page, the API, an email, the
    admin."""
    folder = folder_at(tenant.company, ACHATS)
    page = browser(tenant.client).post(
        f"/ged/dossiers/{folder.pk}/deposer/",
        {"file": upload(f"{name}-page.pdf")},
        HTTP_ACCEPT="application/json",
    )
    assert page.status_code == 201
    answer = api(tenant.admin).post(
        f"/api/v1/folders/{folder.pk}/documents/",
        {"file": upload(f"{name}-api.pdf")},
        format="multipart",
    )
    assert answer.status_code == 201
    address = next(
        a for a in inbound_addresses_ensure(company=tenant.company) if a.target == "achats"
    )
    raw = build(
        inbound_address_email(address),
        sender=tenant.admin.email,
        files=[(f"{name}-email.pdf", b"%PDF-1.4\n% " + name.encode() + b"\n%%EOF\n")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        inbound_email_receive(
            message=AnymailInboundMessage.parse_raw_mime_bytes(raw), event_id=None, esp="Mailgun"
        )
    support = Client(HTTP_HOST="localhost")
    support.force_login(SuperuserFactory())
    admin = support.post(
        "/admin/ged/document/add/",
        {"folder": folder.pk, "upload": upload(f"{name}-support.pdf"), "_save": "1"},
    )
    assert admin.status_code == 302


def test_a_document_holds_its_companys_cabinet_by_every_channel(
    world, settings, django_capture_on_commit_callbacks
):
    settings.INBOUND_EMAIL_DOMAIN = "depot.welyb.fr"
    deposit_everywhere(world.a, "alpha", django_capture_on_commit_callbacks)
    deposit_everywhere(world.b, "beta", django_capture_on_commit_callbacks)

    held = dict(Document.objects.values_list("name", "cabinet__slug"))
    assert held == {
        **{f"alpha-{c}.pdf": world.a.cabinet.slug for c in ("page", "api", "email", "support")},
        **{f"beta-{c}.pdf": world.b.cabinet.slug for c in ("page", "api", "email", "support")},
    }
    assert set(Document.objects.values_list("channel", flat=True)) == {
        "admin",
        "api",
        "email",
        "web",
    }
    assert not Document.objects.exclude(cabinet=F("company__cabinet")).exists()


def test_a_document_cannot_claim_another_cabinet_than_its_companys(world):
    document = deposit(folder_at(world.a.company, ACHATS), by=world.a.client)
    document.full_clean()
    document.cabinet = world.b.cabinet

    with pytest.raises(ValidationError) as refused:
        document.full_clean()

    assert refused.value.message_dict == {
        "cabinet": ["Un document appartient au cabinet de son entreprise."]
    }
