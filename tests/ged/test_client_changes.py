"""A client renames, or puts in the trash, a document it deposited itself, as long as nothing of
it has been sent to the cabinet's tools; otherwise it reads why not, in words that name no tool.
Staff keep all their rights. The rule, the API and the pages."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ged.models import Document
from ged.services.document_changes import document_change_refusal, document_change_refusals
from ged.services.documents import document_move, document_rename, document_trash
from partner_apps.models import Delivery, DeliveryStatus
from tests.conftest import api, browser
from tests.factories import ClientFactory
from tests.ged.api_helpers import document_url as api_document_url
from tests.ged.api_helpers import snapshot
from tests.ged.page_helpers import document_url, folder_url, names_listed
from tests.helpers.attention import HIDDEN_WORDS, automated_achats
from tests.helpers.documents import PDF, deposit, folder_at
from tests.pages import flashes, text_of

pytestmark = pytest.mark.django_db

ACHATS_FOLDER = "Dossier comptable annuel 2026/Achats"
SENT = (
    "Ce document a déjà été transmis à votre cabinet : demandez-lui de le renommer ou de le "
    "retirer."
)
LEAVING = (
    "Ce document est en cours de transmission à votre cabinet : demandez-lui de le renommer "
    "ou de le retirer."
)
NOT_THEIRS = (
    "Vous ne pouvez renommer ou mettre à la corbeille que les documents que vous avez déposés "
    "vous-même."
)
NO_MOVE = "Seul votre cabinet peut déplacer un document."


def colleague_of(tenant):
    """Another client of the same company."""
    return ClientFactory(
        cabinet=tenant.cabinet, email="comptable@alpha.fr", companies=[tenant.company]
    )


def in_automated_achats(tenant, name="facture.pdf", status=None, content=PDF):
    """A document the tenant's client deposited in the automated Achats folder: its delivery is
    pending, as the deposit planned it, or set to `status`."""
    document = deposit(automated_achats(tenant), name, content, by=tenant.client)
    if status is not None:
        Delivery.objects.filter(document=document).update(status=status)
    return document


# --- The rule ----------------------------------------------------------------------------------


def test_a_client_may_change_what_it_deposited_where_nothing_is_sent(world):
    document = deposit(folder_at(world.a.company, ACHATS_FOLDER), by=world.a.client)

    assert document_change_refusal(document=document, by=world.a.client) is None


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (DeliveryStatus.PENDING, LEAVING),
        (DeliveryStatus.RETRYING, LEAVING),
        (DeliveryStatus.SENDING, SENT),
        (DeliveryStatus.SENT, SENT),
        (DeliveryStatus.DELIVERED, SENT),
        (DeliveryStatus.BOUNCED, SENT),
        # Nothing left, nothing will leave unless staff act: the client may replace its file.
        (DeliveryStatus.SKIPPED, None),
        (DeliveryStatus.FAILED, None),
    ],
)
def test_what_left_or_is_leaving_is_the_cabinets(world, status, reason):
    document = in_automated_achats(world.a, status=status)

    assert document_change_refusal(document=document, by=world.a.client) == reason
    # Staff keep all their rights.
    for staff in (world.a.admin, world.a.collaborator):
        assert document_change_refusal(document=document, by=staff) is None


def test_a_client_may_not_change_what_someone_else_deposited(world):
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    by_colleague = deposit(achats, "a.pdf", by=colleague_of(world.a))
    by_staff = deposit(achats, "b.pdf", PDF + b"b", by=world.a.collaborator)
    by_email = deposit(achats, "c.pdf", PDF + b"c", by=None)

    refusals = document_change_refusals(
        documents=[by_colleague, by_staff, by_email], by=world.a.client
    )

    assert refusals == {d.pk: NOT_THEIRS for d in (by_colleague, by_staff, by_email)}


def test_the_reasons_name_no_tool(world):
    for reason in (SENT, LEAVING, NOT_THEIRS, NO_MOVE):
        assert not [word for word in HIDDEN_WORDS if word in reason.lower()]


def test_a_whole_page_of_documents_is_judged_in_one_query(world):
    achats = automated_achats(world.a)
    documents = [
        deposit(achats, f"f{n}.pdf", PDF + bytes([n]), by=world.a.client) for n in range(20)
    ]
    Delivery.objects.filter(document__in=documents[:10]).update(status=DeliveryStatus.SKIPPED)

    with CaptureQueriesContext(connection) as queries:
        refusals = document_change_refusals(documents=documents, by=world.a.client)

    assert len(queries) == 1
    assert set(refusals) == {d.pk for d in documents[10:]}


def test_the_services_refuse_a_client_and_change_nothing(world):
    document = in_automated_achats(world.a, status=DeliveryStatus.SENT)
    ventes = folder_at(world.a.company, "Dossier comptable annuel 2026/Ventes")
    before = snapshot()

    with pytest.raises(PermissionDenied, match=SENT):
        document_rename(document=document, name="autre.pdf", by=world.a.client)
    with pytest.raises(PermissionDenied, match=SENT):
        document_trash(document=document, by=world.a.client)
    with pytest.raises(PermissionDenied, match=NO_MOVE):
        document_move(document=document, folder=ventes, by=world.a.client)

    assert snapshot() == before


def test_the_services_let_the_depositor_rename_and_trash(world):
    document = deposit(folder_at(world.a.company, ACHATS_FOLDER), "scan.pdf", by=world.a.client)

    document_rename(document=document, name="Facture Minoterie.pdf", by=world.a.client)
    document_trash(document=document, by=world.a.client)

    document.refresh_from_db()
    assert document.name == "Facture Minoterie.pdf"
    assert (document.trashed_at is not None, document.trashed_by) == (True, world.a.client)


# --- The API -----------------------------------------------------------------------------------


def test_the_depositor_renames_then_trashes_through_the_api(world):
    document = deposit(folder_at(world.a.company, ACHATS_FOLDER), "scan.pdf", by=world.a.client)
    client = api(world.a.client)

    renamed = client.patch(api_document_url(document), {"name": "Loyer mars.pdf"}, format="json")
    trashed = client.delete(api_document_url(document))

    assert renamed.status_code == 200
    assert renamed.json()["name"] == "Loyer mars.pdf"
    assert trashed.status_code == 204
    assert client.get(api_document_url(document)).status_code == 404
    assert Document.objects.get(pk=document.pk).trashed_by == world.a.client


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_another_client_of_the_company_is_refused_with_the_reason(world, method):
    document = deposit(folder_at(world.a.company, ACHATS_FOLDER), by=world.a.client)
    before = snapshot()

    response = getattr(api(colleague_of(world.a)), method)(
        api_document_url(document), {"name": "x.pdf"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": NOT_THEIRS}
    assert snapshot() == before


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_once_sent_the_depositor_is_refused_with_the_reason(world, method):
    document = in_automated_achats(world.a, status=DeliveryStatus.SENT)
    before = snapshot()

    response = getattr(api(world.a.client), method)(
        api_document_url(document), {"name": "x.pdf"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": SENT}
    assert snapshot() == before


def test_a_client_never_moves_a_document_even_its_own(world):
    document = deposit(folder_at(world.a.company, ACHATS_FOLDER), by=world.a.client)
    ventes = folder_at(world.a.company, "Dossier comptable annuel 2026/Ventes")
    before = snapshot()

    response = api(world.a.client).patch(
        api_document_url(document), {"folder": ventes.pk, "name": "x.pdf"}, format="json"
    )

    assert response.status_code == 403
    assert response.json() == {"detail": NO_MOVE}
    assert snapshot() == before


def test_staff_rename_and_trash_what_was_sent(world):
    document = in_automated_achats(world.a, status=DeliveryStatus.DELIVERED)
    staff = api(world.a.collaborator)

    renamed = staff.patch(api_document_url(document), {"name": "Facture.pdf"}, format="json")
    trashed = staff.delete(api_document_url(document))

    assert (renamed.status_code, trashed.status_code) == (200, 204)


@pytest.mark.parametrize("who", ["other_client", "other_cabinets_client"])
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_other_companies_documents_stay_not_found(world, who, method):
    document = deposit(folder_at(world.a.company, ACHATS_FOLDER), by=world.a.client)
    user = world.a.other_client if who == "other_client" else world.b.client
    before = snapshot()

    response = getattr(api(user), method)(
        api_document_url(document), {"name": "x.pdf"}, format="json"
    )

    assert response.status_code == 404
    assert snapshot() == before


# --- The pages ---------------------------------------------------------------------------------


def action_urls(response) -> set[str]:
    """The rename and trash forms a page offers."""
    page = response.content.decode()
    return {
        url
        for document in Document.objects.all()
        for url in (f"{document_url(document)}renommer/", f"{document_url(document)}supprimer/")
        if f'action="{url}"' in page
    }


def test_the_folder_offers_the_client_its_own_documents_that_were_not_sent(world):
    achats = automated_achats(world.a)
    own = deposit(achats, "photo.jpg", PDF + b"1", by=world.a.client)
    Delivery.objects.filter(document=own).update(status=DeliveryStatus.SKIPPED)
    sent = deposit(achats, "envoye.pdf", PDF + b"2", by=world.a.client)
    Delivery.objects.filter(document=sent).update(status=DeliveryStatus.SENT)
    deposit(achats, "du-cabinet.pdf", PDF + b"3", by=world.a.collaborator)

    page = browser(world.a.client).get(folder_url(achats))

    assert action_urls(page) == {
        f"{document_url(own)}renommer/",
        f"{document_url(own)}supprimer/",
    }
    text = text_of(page)
    assert "Mettre « photo.jpg » à la corbeille ?" in text
    # The htmx refresh after an upload offers the same.
    part = browser(world.a.client).get(folder_url(achats), HTTP_HX_REQUEST="true")
    assert action_urls(part) == action_urls(page)


def test_staff_manage_documents_from_their_page_not_from_the_list(world):
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    document = deposit(achats, by=world.a.client)

    assert action_urls(browser(world.a.admin).get(folder_url(achats))) == set()
    assert action_urls(browser(world.a.admin).get(document_url(document))) == {
        f"{document_url(document)}renommer/",
        f"{document_url(document)}supprimer/",
    }


def test_the_client_renames_from_the_folder_and_comes_back_to_it(world):
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    document = deposit(achats, "IMG_2041.jpg", by=world.a.client)

    response = browser(world.a.client).post(
        f"{document_url(document)}renommer/",
        {"name": "Ticket restaurant.jpg", "retour": "dossier"},
        follow=True,
    )

    assert response.redirect_chain == [(folder_url(achats), 302)]
    assert flashes(response, levels=True) == [("success", "Document renommé.")]
    assert names_listed(response) == ["Ticket restaurant.jpg"]


def test_the_client_renames_from_the_document_page_and_stays_there(world):
    document = deposit(folder_at(world.a.company, ACHATS_FOLDER), "IMG_2041.jpg", by=world.a.client)

    response = browser(world.a.client).post(
        f"{document_url(document)}renommer/", {"name": ""}, follow=True
    )

    assert response.redirect_chain == [(document_url(document), 302)]
    assert flashes(response, levels=True) == [("error", "Ce champ est obligatoire.")]
    assert Document.objects.get(pk=document.pk).name == "IMG_2041.jpg"


def test_the_client_puts_its_document_in_the_trash(world):
    achats = folder_at(world.a.company, ACHATS_FOLDER)
    document = deposit(achats, "doublon.pdf", by=world.a.client)
    client = browser(world.a.client)

    response = client.post(
        f"{document_url(document)}supprimer/", {"retour": "dossier"}, follow=True
    )

    assert response.redirect_chain == [(folder_url(achats), 302)]
    assert flashes(response, levels=True) == [
        (
            "success",
            "« doublon.pdf » est dans la corbeille : votre cabinet peut encore le restaurer.",
        )
    ]
    assert names_listed(response) == []
    assert client.get(document_url(document)).status_code == 404
    # Staff find it in the trash.
    trash = browser(world.a.admin).get(f"/ged/entreprises/{world.a.company.pk}/corbeille/")
    assert f"{document_url(document)}restaurer/" in trash.content.decode()


@pytest.mark.parametrize("action", ["renommer", "supprimer"])
def test_a_document_sent_meanwhile_is_refused_with_the_reason(world, action):
    document = in_automated_achats(world.a)
    Delivery.objects.filter(document=document).update(status=DeliveryStatus.SENT)
    before = snapshot()

    response = browser(world.a.client).post(
        f"{document_url(document)}{action}/", {"name": "x.pdf", "retour": "dossier"}, follow=True
    )

    assert response.redirect_chain == [(folder_url(document.folder), 302)]
    assert flashes(response, levels=True) == [("error", SENT)]
    assert snapshot() == before


def test_the_document_page_says_why_its_depositor_may_no_longer_change_it(world):
    sent = in_automated_achats(world.a, status=DeliveryStatus.DELIVERED)
    other = deposit(sent.folder, "autre.pdf", PDF + b"x", by=world.a.collaborator)
    client = browser(world.a.client)

    page = client.get(document_url(sent))

    assert SENT in text_of(page)
    assert action_urls(page) == set()
    # Of what someone else deposited, it is told nothing: it never could.
    page = client.get(document_url(other))
    assert action_urls(page) == set()
    assert NOT_THEIRS not in text_of(page)


@pytest.mark.parametrize("action", ["renommer", "supprimer"])
def test_another_companys_client_finds_nothing(world, action):
    document = deposit(folder_at(world.a.company, ACHATS_FOLDER), by=world.a.client)
    before = snapshot()

    response = browser(world.a.other_client).post(
        f"{document_url(document)}{action}/", {"name": "x.pdf"}
    )

    assert response.status_code == 404
    assert snapshot() == before


# --- The upload control ------------------------------------------------------------------------


def test_the_upload_control_is_a_labelled_button_that_offers_the_camera(world):
    page = text_of(
        browser(world.a.client).get(folder_url(folder_at(world.a.company, ACHATS_FOLDER)))
    )

    assert '<label for="upload-input" class="button button-primary upload-button">' in page
    [control] = [line for line in page.splitlines() if 'id="upload-input"' in line]
    assert 'type="file"' in control
    assert "multiple" in control
    accept = control.split('accept="', 1)[1].split('"', 1)[0].split(",")
    assert {"image/*", "application/pdf", ".heic", ".xlsx", ".csv"} <= set(accept)
    # A photo or a file: the phone lets its user choose.
    assert "capture" not in control
    assert "Glissez vos fichiers dans ce cadre" in page
    assert "Touchez pour prendre une photo ou choisir un fichier" in page
