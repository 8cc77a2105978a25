"""Every deposit is in the audit trail: who, which document, which folder, which channel, and
the support's page of the trail says it in French."""

import pytest
from django.test import Client

from ged.models import Document
from tests.conftest import api, browser
from tests.factories import SuperuserFactory
from tests.helpers.documents import deposit, folder_at, upload
from tests.pages import text_of
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

ACHATS = "Dossier comptable annuel 2026/Achats"


def test_a_client_deposit_on_the_page_is_recorded_with_who_what_where_and_how(world):
    folder = folder_at(world.a.company, ACHATS)

    response = browser(world.a.client).post(
        f"/ged/dossiers/{folder.pk}/deposer/",
        {"file": upload("facture-orange.pdf")},
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 201
    document = Document.objects.get()
    entry = AuditEntry.objects.get(action="document.deposited")
    assert entry.cabinet == world.a.cabinet
    assert entry.actor == world.a.client
    assert entry.actor_email == world.a.client.email
    assert (entry.target_id, entry.target_label) == (str(document.pk), "facture-orange.pdf")
    assert entry.data == {
        "company_id": world.a.company.pk,
        "company": world.a.company.name,
        "folder_id": folder.pk,
        "folder": ACHATS,
        "channel": "web",
        "channel_label": "Portail",
    }


def test_an_api_deposit_names_its_channel(world):
    folder = folder_at(world.a.company, "Achats")

    response = api(world.a.admin).post(
        f"/api/v1/folders/{folder.pk}/documents/", {"file": upload()}, format="multipart"
    )

    assert response.status_code == 201
    entry = AuditEntry.objects.get(action="document.deposited")
    assert (entry.actor, entry.data["channel"], entry.data["folder"]) == (
        world.a.admin,
        "api",
        "Achats",
    )


def test_a_refused_deposit_leaves_no_entry(world):
    folder = folder_at(world.a.company, "Achats")

    response = browser(world.a.client).post(
        f"/ged/dossiers/{folder.pk}/deposer/",
        {"file": upload("vide.pdf", b"")},
        HTTP_ACCEPT="application/json",
    )

    assert not Document.objects.exists()
    assert response.status_code == 400
    assert not AuditEntry.objects.filter(action="document.deposited").exists()


def test_the_folder_keeps_the_name_it_had_when_the_deposit_was_made(world):
    folder = folder_at(world.a.company, ACHATS)
    deposit(folder, by=world.a.client)

    folder.name = "Achats renommé"
    folder.save()

    assert AuditEntry.objects.get(action="document.deposited").data["folder"] == ACHATS


def test_the_support_reads_the_deposit_in_french_in_the_trail(world):
    deposit(folder_at(world.a.company, ACHATS), "facture-orange.pdf", by=world.a.client)
    support = Client(HTTP_HOST="localhost")
    support.force_login(SuperuserFactory())

    page = text_of(support.get("/admin/tenancy/auditentry/"))

    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert "Dépôt d'un document" in rows
    assert "document.deposited" not in rows
    sentence = f"« facture-orange.pdf » dans « {ACHATS} » ({world.a.company.name}), canal : Portail"
    assert sentence.split() == rows[rows.index("« facture") :].split("<")[0].split()
    filtered = text_of(support.get("/admin/tenancy/auditentry/", {"action": "company.created"}))
    assert "facture-orange.pdf" not in filtered
