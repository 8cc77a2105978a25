"""A company leaves its cabinet (RGPD): after an export and its name typed, a cabinet admin
deletes it with its documents, files and rows, and its clients lose access."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ged.models import Document, Folder, InboundAddress, InboundEmail, InboundPolicy, InboundStatus
from ged.services.documents import document_trash
from ged.services.export import company_export
from ged.services.folders import folder_trash
from ged.services.offboarding import company_offboard
from partner_apps.models import CompanyAuthorization, Delivery, FolderAutomation
from tests.conftest import api, browser, host_of
from tests.factories import PASSWORD, ClientFactory
from tests.helpers.attention import stopped_deliveries
from tests.helpers.documents import PDF, deposit, folder_at
from tests.pages import text_of
from welyb_portal.tenancy.models import AuditEntry, Company, Membership, Notification
from welyb_portal.tenancy.services.notifications import notifications_create


def offboard_url(company) -> str:
    return f"/reglages/entreprises/{company.pk}/supprimer/"


def exported(company, by=None) -> None:
    """The company's export, read to its end (it then writes `company.exported`)."""
    for _chunk in company_export(company=company, by=by):
        pass


def stored(name: str) -> Path:
    return Path(settings.MEDIA_ROOT) / name


def rows_of(company_id: int) -> dict[str, int]:
    """Every row that belongs to the company, model by model."""
    return {
        "company": Company.objects.filter(pk=company_id).count(),
        "documents": Document.objects.filter(company_id=company_id).count(),
        "folders": Folder.objects.filter(company_id=company_id).count(),
        "deliveries": Delivery.objects.filter(company_id=company_id).count(),
        "authorizations": CompanyAuthorization.objects.filter(company_id=company_id).count(),
        "automations": FolderAutomation.objects.filter(folder__company_id=company_id).count(),
        "inbound addresses": InboundAddress.objects.filter(company_id=company_id).count(),
        "inbound policies": InboundPolicy.objects.filter(company_id=company_id).count(),
        "inbound emails": InboundEmail.objects.filter(company_id=company_id).count(),
        "memberships": Membership.objects.filter(company_id=company_id).count(),
    }


@pytest.fixture
def leaving(world, django_capture_on_commit_callbacks):
    """Alpha's `company` with something of every kind: sent and stopped deliveries (with their
    notifications), documents in the trash, a trashed folder, a held email, its sole client and
    a client of two companies; exported after its last deposit."""
    alpha = world.a
    company = alpha.company
    stopped = stopped_deliveries(alpha, django_capture_on_commit_callbacks)
    trashed = document_trash(document=deposit(stopped.achats, "vieux.pdf", PDF + b"t"), by=None)
    old = folder_at(company, "Archives 2019")
    deposit(old, "archive.pdf", PDF + b"archive")
    folder_trash(folder=old, by=alpha.admin)
    InboundPolicy.objects.create(company=company, allowed_senders="@fournisseur.fr")
    held = InboundEmail.objects.create(
        key="esp:1",
        company=company,
        status=InboundStatus.HELD,
        sender="compta@fournisseur.fr",
        held_file=default_storage.save(
            f"inbound/held/{company.pk}/message.eml", ContentFile(b"Subject: facture\r\n\r\n")
        ),
    )
    notifications_create(
        cabinet=alpha.cabinet,
        kind="inbound.held",
        text="Un email attend",
        url="/",
        key=f"inbound:{held.pk}",
    )
    shared = ClientFactory(
        cabinet=alpha.cabinet, email="expert@holding.fr", companies=[company, alpha.other_company]
    )
    exported(company, by=alpha.admin)
    files = list(Document.objects.filter(company=company).values_list("file", flat=True))
    return {"company": company, "shared": shared, "held": held, "files": files, "trashed": trashed}


def test_the_admin_removes_the_company_and_everything_of_it(
    world, leaving, django_capture_on_commit_callbacks
):
    alpha = world.a
    company = leaving["company"]
    before = rows_of(company.pk)
    assert all(before.values()), before
    assert Notification.objects.filter(cabinet=alpha.cabinet).exists()
    assert all(stored(name).exists() for name in leaving["files"])
    kept = deposit(folder_at(alpha.other_company, "Banque"), "autre.pdf", PDF + b"other")
    admin = browser(alpha.admin)

    page = admin.get(f"/reglages/entreprises/{company.pk}/")
    assert "Supprimer l'entreprise et ses documents" in text_of(page)
    confirm = admin.get(offboard_url(company))
    assert confirm.status_code == 200
    words = text_of(confirm)
    documents = before["documents"]
    assert f"{documents} documents" in words
    assert "dont 2 dans la corbeille" in words
    assert "client@alpha.fr" in words  # deactivated
    assert "expert@holding.fr" in words  # keeps the other company
    with django_capture_on_commit_callbacks(execute=True):
        done = admin.post(offboard_url(company), {"confirmation": company.name})

    assert done.status_code == 302
    assert done["Location"] == "/reglages/entreprises/"
    assert "Boulangerie Alpha" in text_of(admin.get(done["Location"]))  # the success message
    assert rows_of(company.pk) == dict.fromkeys(before, 0)
    assert not any(stored(name).exists() for name in leaving["files"])
    assert not stored(leaving["held"].held_file).exists()
    assert not list((Path(settings.MEDIA_ROOT) / "documents" / str(company.pk)).glob("*"))
    # The notifications that named its documents and emails are gone; the rest is the cabinet's.
    assert not Notification.objects.filter(cabinet=alpha.cabinet).exists()
    assert Document.objects.filter(pk=kept.pk).exists()
    assert stored(kept.file.name).exists()
    entry = AuditEntry.objects.get(action="company.offboarded")
    assert entry.cabinet == alpha.cabinet
    assert entry.actor == alpha.admin
    assert entry.data["name"] == "Boulangerie Alpha"
    assert entry.data["siren"] == company.siren
    assert entry.data["documents"] == documents
    assert entry.data["bytes"] > 0
    assert (entry.data["clients_deactivated"], entry.data["clients_kept"]) == (1, 1)
    purged = AuditEntry.objects.get(action="documents.purged")
    assert purged.data["reason"] == "company_offboarded"
    assert purged.data["documents"] == documents


def test_the_sole_client_can_no_longer_log_in_nor_use_its_session_or_token(world, leaving):
    alpha = world.a
    client = alpha.client
    session = browser(client)
    token_client = api(client)
    assert token_client.get("/api/v1/companies/").status_code == 200

    browser(alpha.admin).post(
        offboard_url(leaving["company"]), {"confirmation": "Boulangerie Alpha"}
    )

    client.refresh_from_db()
    assert not client.is_active
    assert session.get("/").status_code == 302  # back to the login page
    assert token_client.get("/api/v1/companies/").status_code == 401
    login = Client(HTTP_HOST=host_of(alpha.cabinet)).post(
        "/connexion/", {"username": client.email, "password": PASSWORD}
    )
    assert login.status_code == 200
    assert "Identifiants invalides." in text_of(login)
    assert (
        api(cabinet=alpha.cabinet)
        .post("/api/v1/auth/token/", {"email": client.email, "password": PASSWORD})
        .status_code
        == 400
    )


def test_a_client_of_two_companies_keeps_the_other(world, leaving):
    alpha = world.a
    shared = leaving["shared"]
    browser(alpha.admin).post(
        offboard_url(leaving["company"]), {"confirmation": "Boulangerie Alpha"}
    )

    shared.refresh_from_db()
    assert shared.is_active
    assert list(shared.companies.all()) == [alpha.other_company]
    companies = api(shared).get("/api/v1/companies/").json()
    assert [c["name"] for c in companies["results"]] == ["Garage Alpha"]


@pytest.mark.parametrize("typed", ["", "boulangerie alpha", "Boulangerie", "Garage Alpha"])
def test_a_name_not_exactly_the_companys_is_refused_and_nothing_is_deleted(world, leaving, typed):
    company = leaving["company"]
    before = rows_of(company.pk)

    refused = browser(world.a.admin).post(offboard_url(company), {"confirmation": typed})

    assert refused.status_code == 400
    words = text_of(refused)
    assert (
        "Saisissez le nom de l'entreprise pour confirmer." in words
        if not typed
        else "Le nom saisi n'est pas exactement celui de l'entreprise." in words
    )
    assert rows_of(company.pk) == before
    assert all(stored(name).exists() for name in leaving["files"])
    assert not AuditEntry.objects.filter(action="company.offboarded").exists()


def test_a_company_never_exported_cannot_be_removed(world):
    company = world.a.company
    deposit(folder_at(company, "Banque"))
    admin = browser(world.a.admin)

    page = admin.get(offboard_url(company))
    assert "Les documents de l'entreprise n'ont jamais été exportés." in text_of(page)
    assert 'name="confirmation"' not in page.content.decode()
    refused = admin.post(offboard_url(company), {"confirmation": company.name})

    assert refused.status_code == 400
    assert Company.objects.filter(pk=company.pk).exists()
    assert Document.objects.filter(company=company).count() == 1


def test_a_deposit_after_the_last_export_calls_for_another(world):
    company = world.a.company
    banque = folder_at(company, "Banque")
    deposit(banque)
    exported(company)
    deposit(banque, "apres.pdf", PDF + b"after")
    admin = browser(world.a.admin)

    page = admin.get(offboard_url(company))
    assert "des documents ont été déposés depuis" in text_of(page)
    refused = admin.post(offboard_url(company), {"confirmation": company.name})

    assert refused.status_code == 400
    assert Document.objects.filter(company=company).count() == 2
    exported(company)
    assert admin.post(offboard_url(company), {"confirmation": company.name}).status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()


def test_a_deposit_made_while_the_export_streams_calls_for_another(world):
    company = world.a.company
    banque = folder_at(company, "Banque")
    deposit(banque)
    archive = iter(company_export(company=company, by=world.a.admin, batch_size=1))
    next(archive)  # the export has begun to read the documents
    deposit(banque, "pendant.pdf", PDF + b"during")
    for _chunk in archive:
        pass
    admin = browser(world.a.admin)

    assert "des documents ont été déposés depuis" in text_of(admin.get(offboard_url(company)))
    refused = admin.post(offboard_url(company), {"confirmation": company.name})
    assert refused.status_code == 400
    assert Document.objects.filter(company=company).count() == 2


def test_the_page_offers_the_export_then_the_confirmation(world):
    company = world.a.company
    deposit(folder_at(company, "Banque"))
    admin = browser(world.a.admin)

    page = admin.get(offboard_url(company)).content.decode()
    assert f'action="/ged/entreprises/{company.pk}/export/"' in page
    assert 'name="confirmation"' not in page
    archive = admin.post(f"/ged/entreprises/{company.pk}/export/")
    assert archive.status_code == 200
    b"".join(archive.streaming_content)

    assert 'name="confirmation"' in admin.get(offboard_url(company)).content.decode()


def test_a_company_without_documents_needs_no_export(world):
    company = world.a.other_company
    done = browser(world.a.admin).post(offboard_url(company), {"confirmation": "Garage Alpha"})
    assert done.status_code == 302
    assert not Company.objects.filter(pk=company.pk).exists()
    world.a.other_client.refresh_from_db()
    assert not world.a.other_client.is_active


def test_a_collaborator_is_refused_and_sees_no_button(world, leaving):
    company = leaving["company"]
    before = rows_of(company.pk)
    collaborator = browser(world.a.collaborator)

    assert "Supprimer l'entreprise" not in text_of(
        collaborator.get(f"/reglages/entreprises/{company.pk}/")
    )
    assert collaborator.get(offboard_url(company)).status_code == 403
    assert (
        collaborator.post(offboard_url(company), {"confirmation": company.name}).status_code == 403
    )
    assert rows_of(company.pk) == before


def test_a_client_and_another_cabinets_admin_find_nothing(world, leaving):
    company = leaving["company"]
    before = rows_of(company.pk)
    for user in (world.a.client, world.b.admin):
        visitor = browser(user)
        assert visitor.get(offboard_url(company)).status_code == 404
        assert (
            visitor.post(offboard_url(company), {"confirmation": company.name}).status_code == 404
        )
    # Beta's admin on alpha's host is anonymous: sent to the login page.
    replayed = browser(world.b.admin, cabinet=world.a.cabinet)
    assert replayed.post(offboard_url(company), {"confirmation": company.name}).status_code == 302
    assert rows_of(company.pk) == before


def test_a_storage_failure_leaves_no_row_behind_and_is_logged(
    world, leaving, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(storage, name):
        raise OSError("bucket unreachable")

    monkeypatch.setattr(FileSystemStorage, "delete", broken)
    company = leaving["company"]
    before = rows_of(company.pk)
    with django_capture_on_commit_callbacks(execute=True):
        done = browser(world.a.admin).post(offboard_url(company), {"confirmation": company.name})

    assert done.status_code == 302
    assert rows_of(company.pk) == dict.fromkeys(before, 0)
    # The files storage kept are orphans, named in the log for the operator.
    for name in [*leaving["files"], leaving["held"].held_file]:
        assert name in caplog.text


def test_removing_a_company_costs_the_same_queries_for_few_or_many_documents(world):
    alpha = world.a

    def filled(company, count: int):
        banque = folder_at(company, "Banque")
        for n in range(count):
            deposit(banque, f"{n}.pdf", PDF + company.name.encode() + bytes([n]))
        exported(company)
        return company

    few, many = filled(alpha.company, 1), filled(alpha.other_company, 6)
    with CaptureQueriesContext(connection) as small:
        company_offboard(company=few, by=alpha.admin, confirmation=few.name)
    with CaptureQueriesContext(connection) as large:
        company_offboard(company=many, by=alpha.admin, confirmation=many.name)
    assert len(large.captured_queries) == len(small.captured_queries)
