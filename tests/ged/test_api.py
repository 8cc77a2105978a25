"""The GED endpoints of the REST API (API.md): folders of a company, documents of a folder, one
document (read, rename, move, trash, download), with the exact fields promised, the role
refusals, the field errors, and the same 404 for what is foreign, missing or trashed."""

import hashlib
from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ged.models import Channel, Document, Folder
from ged.services.documents import document_trash
from ged.services.folders import folder_trash
from tests.conftest import api, browser
from tests.ged.api_helpers import (
    document_url,
    snapshot,
)
from tests.ged.page_helpers import many_documents, stored_files
from tests.helpers.documents import PDF, PNG, deposit, folder_at, upload

pytestmark = pytest.mark.django_db

ACHATS = "Dossier comptable annuel 2026/Achats"
VENTES = "Dossier comptable annuel 2026/Ventes"
MEBIBYTE = 1024 * 1024
MISSING_ID = 10**9

FOLDER_FIELDS = {"id", "name", "parent", "path"}
DOCUMENT_FIELDS = {
    "id",
    "name",
    "folder",
    "size",
    "sha256",
    "content_type",
    "status",
    "channel",
    "deposited_at",
}
# Staff also learn whether the same bytes were already in the company.
STAFF_DOCUMENT_FIELDS = {*DOCUMENT_FIELDS, "duplicate_of"}
PAGE_FIELDS = {"count", "next", "previous", "results"}


@pytest.fixture(autouse=True)
def _small_upload_limit(settings):
    settings.DOCUMENT_MAX_MB = 1


def folders_url(company_or_id) -> str:
    return f"/api/v1/companies/{getattr(company_or_id, 'pk', company_or_id)}/folders/"


def documents_url(folder_or_id) -> str:
    return f"/api/v1/folders/{getattr(folder_or_id, 'pk', folder_or_id)}/documents/"


def download_url(document_or_id) -> str:
    return f"{document_url(document_or_id)}download/"


# --- Folders of a company ----------------------------------------------------------------------


def some_tree(company) -> dict[str, Folder]:
    achats = folder_at(company, ACHATS)
    ventes = folder_at(company, VENTES)
    contrats = folder_at(company, "Administratif/Contrats")
    return {
        "annual": achats.parent,
        "achats": achats,
        "ventes": ventes,
        "administratif": contrats.parent,
        "contrats": contrats,
    }


@pytest.mark.parametrize("who", ["admin", "collaborator", "client"])
def test_every_folder_of_a_company_is_listed_with_its_path(world, who):
    tree = some_tree(world.a.company)
    folder_at(world.a.other_company, "Garage pièces détachées")

    response = api(getattr(world.a, who)).get(folders_url(world.a.company))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_FIELDS
    assert (body["count"], body["next"], body["previous"]) == (5, None, None)
    assert all(set(row) == FOLDER_FIELDS for row in body["results"])
    assert body["results"] == [
        {
            "id": tree["administratif"].pk,
            "name": "Administratif",
            "parent": None,
            "path": "Administratif",
        },
        {
            "id": tree["contrats"].pk,
            "name": "Contrats",
            "parent": tree["administratif"].pk,
            "path": "Administratif/Contrats",
        },
        {
            "id": tree["annual"].pk,
            "name": "Dossier comptable annuel 2026",
            "parent": None,
            "path": "Dossier comptable annuel 2026",
        },
        {
            "id": tree["achats"].pk,
            "name": "Achats",
            "parent": tree["annual"].pk,
            "path": "Dossier comptable annuel 2026/Achats",
        },
        {
            "id": tree["ventes"].pk,
            "name": "Ventes",
            "parent": tree["annual"].pk,
            "path": "Dossier comptable annuel 2026/Ventes",
        },
    ]


def test_trashed_folders_are_not_listed(world):
    tree = some_tree(world.a.company)
    folder_trash(folder=tree["administratif"], by=world.a.admin)

    response = api(world.a.client).get(folders_url(world.a.company))

    assert [row["path"] for row in response.json()["results"]] == [
        "Dossier comptable annuel 2026",
        "Dossier comptable annuel 2026/Achats",
        "Dossier comptable annuel 2026/Ventes",
    ]


def test_the_folder_list_is_paginated(world):
    for n in range(60):
        folder_at(world.a.company, f"Dossier {n:02d}")
    client = api(world.a.client)

    first = client.get(folders_url(world.a.company)).json()
    second = client.get(folders_url(world.a.company), {"page": 2}).json()

    assert (first["count"], len(first["results"]), first["previous"]) == (60, 50, None)
    assert first["next"].endswith(f"{folders_url(world.a.company)}?page=2")
    assert (len(second["results"]), second["next"]) == (10, None)
    assert [r["name"] for r in first["results"] + second["results"]] == [
        f"Dossier {n:02d}" for n in range(60)
    ]


def test_staff_create_a_subfolder(world):
    achats = folder_at(world.a.company, ACHATS)

    response = api(world.a.collaborator).post(
        folders_url(world.a.company), {"name": "Fournisseurs", "parent": achats.pk}, format="json"
    )

    assert response.status_code == 201
    created = Folder.objects.get(name="Fournisseurs")
    assert response.json() == {
        "id": created.pk,
        "name": "Fournisseurs",
        "parent": achats.pk,
        "path": "Dossier comptable annuel 2026/Achats/Fournisseurs",
    }
    assert (created.parent, created.company, created.created_by) == (
        achats,
        world.a.company,
        world.a.collaborator,
    )


def test_staff_create_a_root_folder(world):
    response = api(world.a.admin).post(
        folders_url(world.a.company), {"name": "Immobilier"}, format="json"
    )

    assert response.status_code == 201
    assert response.json() == {
        "id": Folder.objects.get(name="Immobilier").pk,
        "name": "Immobilier",
        "parent": None,
        "path": "Immobilier",
    }


def test_a_client_creates_a_subfolder(world):
    achats = folder_at(world.a.company, ACHATS)

    response = api(world.a.client).post(
        folders_url(world.a.company), {"name": "Tickets", "parent": achats.pk}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["path"] == "Dossier comptable annuel 2026/Achats/Tickets"
    assert Folder.objects.get(name="Tickets").parent == achats


@pytest.mark.parametrize("body", [{"name": "Mes papiers"}, {"name": "Mes papiers", "parent": None}])
def test_a_client_cannot_create_a_root_folder(world, body):
    before = snapshot()

    response = api(world.a.client).post(folders_url(world.a.company), body, format="json")

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("who", ["admin", "client"])
@pytest.mark.parametrize("where", ["other_company", "other_cabinet", "missing", "trashed"])
def test_a_parent_from_elsewhere_is_a_field_error(world, who, where):
    folder_at(world.a.company, ACHATS)
    parent = {
        "other_company": lambda: folder_at(world.a.other_company, ACHATS).pk,
        "other_cabinet": lambda: folder_at(world.b.company, ACHATS).pk,
        "missing": lambda: MISSING_ID,
        "trashed": lambda: (
            folder_trash(folder=folder_at(world.a.company, "Archives"), by=world.a.admin).pk
        ),
    }[where]()
    before = snapshot()

    response = api(getattr(world.a, who)).post(
        folders_url(world.a.company), {"name": "Intrus", "parent": parent}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"parent": ["Dossier parent introuvable."]}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("achats", "Un dossier « achats » existe déjà ici."),
        ("Achats/2026", "Le nom d'un dossier ne peut pas contenir « / » ni « \\ »."),
        ("\x07", "Donnez un nom au dossier."),
    ],
)
def test_a_bad_folder_name_is_a_field_error(world, name, message):
    annual = folder_at(world.a.company, ACHATS).parent
    before = snapshot()

    response = api(world.a.admin).post(
        folders_url(world.a.company), {"name": name, "parent": annual.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"name": [message]}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "name"), ({"name": ""}, "name"), ({"name": "X", "parent": "abc"}, "parent")],
)
def test_a_malformed_folder_is_a_field_error(world, body, field):
    before = snapshot()

    response = api(world.a.admin).post(folders_url(world.a.company), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert all(isinstance(m, str) and m for m in response.json()[field])
    assert snapshot() == before


# --- Documents of a folder ---------------------------------------------------------------------


def test_a_folders_documents_are_listed_newest_first_and_only_its_own(world):
    achats = folder_at(world.a.company, ACHATS)
    first = deposit(achats, "janvier.pdf")
    second = deposit(achats, "fevrier.png", content=PNG)
    trashed = deposit(achats, "brouillon.pdf", content=b"%PDF-1.4 brouillon")
    document_trash(document=trashed, by=world.a.admin)
    deposit(folder_at(world.a.company, f"{ACHATS}/Fournisseurs"), "sous-dossier.pdf")
    deposit(folder_at(world.a.company, VENTES), "vente.pdf")

    response = api(world.a.client).get(documents_url(achats))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_FIELDS
    assert body["count"] == 2
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
    assert all(set(row) == DOCUMENT_FIELDS for row in body["results"])


def test_staff_see_the_duplicate_mark_in_lists(world):
    achats = folder_at(world.a.company, ACHATS)
    first = deposit(achats, "facture.pdf")
    second = deposit(achats, "facture-bis.pdf")

    staff = api(world.a.collaborator).get(documents_url(achats)).json()["results"]
    client = api(world.a.client).get(documents_url(achats)).json()["results"]

    assert all(set(row) == STAFF_DOCUMENT_FIELDS for row in staff)
    assert [(row["id"], row["duplicate_of"]) for row in staff] == [
        (second.pk, first.pk),
        (first.pk, None),
    ]
    assert all("duplicate_of" not in row for row in client)


def test_the_document_list_is_paginated_50_a_page(world):
    achats = folder_at(world.a.company, ACHATS)
    documents = many_documents(achats, 120)
    newest_first = sorted(documents, key=lambda d: (d.deposited_at, d.pk), reverse=True)
    client = api(world.a.client)

    pages = [client.get(documents_url(achats), {"page": n}).json() for n in (1, 2, 3)]

    assert [len(page["results"]) for page in pages] == [50, 50, 20]
    assert [row["id"] for page in pages for row in page["results"]] == [d.pk for d in newest_first]
    assert pages[0]["count"] == 120
    assert pages[2]["next"] is None
    assert client.get(documents_url(achats), {"page": 4}).status_code == 404


# --- Uploads -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["collaborator", "client"])
def test_a_file_uploaded_through_the_api_is_a_document(world, who):
    achats = folder_at(world.a.company, ACHATS)
    user = getattr(world.a, who)

    response = api(user).post(documents_url(achats), {"file": upload("facture mars.pdf")})

    assert response.status_code == 201
    body = response.json()
    document = Document.objects.get()
    assert set(body) >= DOCUMENT_FIELDS
    assert {key: body[key] for key in DOCUMENT_FIELDS - {"deposited_at"}} == {
        "id": document.pk,
        "name": "facture mars.pdf",
        "folder": achats.pk,
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
        "content_type": "application/pdf",
        "status": "pending",
        "channel": "api",
    }
    assert datetime.fromisoformat(body["deposited_at"]) == document.deposited_at
    assert document.channel == Channel.API
    assert document.deposited_by == user
    assert [path.read_bytes() for path in stored_files()] == [PDF]


def test_a_client_gets_exactly_the_documented_fields_after_an_upload(world):
    achats = folder_at(world.a.company, ACHATS)

    response = api(world.a.client).post(documents_url(achats), {"file": upload()})

    # `notices`: what the depositor must know of the file; nothing for a PDF in a plain folder.
    assert set(response.json()) == {*DOCUMENT_FIELDS, "notices"}
    assert response.json()["notices"] == []


def test_the_type_is_sniffed_from_the_bytes_not_the_name(world):
    achats = folder_at(world.a.company, ACHATS)

    response = api(world.a.admin).post(documents_url(achats), {"file": upload("photo.pdf", PNG)})

    assert response.status_code == 201
    assert response.json()["content_type"] == "image/png"
    assert response.json()["name"] == "photo.pdf"


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"file": ["Aucun fichier reçu."]}),
        ({"file": upload("vide.pdf", b"")}, {"file": ["Le fichier est vide."]}),
        (
            {"file": upload("gros.pdf", PDF + b"0" * MEBIBYTE)},
            {"file": ["Fichier trop volumineux (1 Mo maximum)"]},
        ),
    ],
    ids=["no file", "empty", "over the limit"],
)
def test_a_bad_upload_is_a_400_that_stores_nothing(world, data, errors):
    achats = folder_at(world.a.company, ACHATS)
    before = snapshot()

    response = api(world.a.client).post(documents_url(achats), data)

    assert response.status_code == 400
    assert response.json() == errors
    assert snapshot() == before


def test_a_file_field_that_is_not_a_file_is_a_400(world):
    achats = folder_at(world.a.company, ACHATS)

    response = api(world.a.admin).post(documents_url(achats), {"file": "not a file"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["file"]
    assert Document.objects.count() == 0


def test_a_dangerous_name_is_sanitised_through_the_api_too(world):
    achats = folder_at(world.a.company, ACHATS)
    boundary = "welyb-api-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="../../etc/pass\x00wd"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )

    response = api(world.a.admin).generic(
        "POST",
        documents_url(achats),
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )

    assert response.status_code == 201
    assert response.json()["name"] == "passwd"


def test_an_upload_into_a_trashed_folder_is_a_404(world):
    achats = folder_at(world.a.company, ACHATS)
    folder_trash(folder=achats, by=world.a.admin)

    response = api(world.a.admin).post(documents_url(achats), {"file": upload()})

    assert response.status_code == 404
    assert Document.objects.count() == 0


# --- One document ------------------------------------------------------------------------------


def test_a_document_is_read_with_the_documented_fields(world):
    document = deposit(folder_at(world.a.company, ACHATS), "facture.pdf", by=world.a.client)

    as_client = api(world.a.client).get(document_url(document))
    as_staff = api(world.a.collaborator).get(document_url(document))

    assert as_client.status_code == as_staff.status_code == 200
    assert set(as_client.json()) == DOCUMENT_FIELDS
    assert set(as_staff.json()) == STAFF_DOCUMENT_FIELDS
    assert as_client.json()["channel"] == "web"
    assert as_client.json()["status"] == "pending"
    assert as_client.json()["id"] == document.pk


def test_staff_rename_a_document(world):
    document = deposit(folder_at(world.a.company, ACHATS), "scan0001.pdf")

    response = api(world.a.collaborator).patch(
        document_url(document), {"name": "Facture Minoterie.pdf"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Facture Minoterie.pdf"
    document.refresh_from_db()
    assert document.name == "Facture Minoterie.pdf"


def test_a_rename_is_cleaned_like_a_deposit(world):
    document = deposit(folder_at(world.a.company, ACHATS), "scan0001.pdf")

    response = api(world.a.admin).patch(
        document_url(document), {"name": "../../etc/facture.pdf"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["name"] == "facture.pdf"


def test_staff_move_a_document_within_its_company(world):
    document = deposit(folder_at(world.a.company, ACHATS))
    ventes = folder_at(world.a.company, VENTES)

    response = api(world.a.admin).patch(
        document_url(document), {"folder": ventes.pk}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["folder"] == ventes.pk
    document.refresh_from_db()
    assert document.folder == ventes
    assert [
        row["id"] for row in api(world.a.client).get(documents_url(ventes)).json()["results"]
    ] == [document.pk]


def test_staff_move_and_rename_at_once(world):
    document = deposit(folder_at(world.a.company, ACHATS), "scan0001.pdf")
    ventes = folder_at(world.a.company, VENTES)

    response = api(world.a.admin).patch(
        document_url(document), {"folder": ventes.pk, "name": "Facture 12.pdf"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["folder"], response.json()["name"]) == (ventes.pk, "Facture 12.pdf")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            {"name": "x.pdf"},
            "Vous ne pouvez renommer ou mettre à la corbeille que les documents que vous avez "
            "déposés vous-même.",
        ),
        ({"folder": "ventes"}, "Seul votre cabinet peut déplacer un document."),
    ],
)
def test_a_client_cannot_rename_what_it_did_not_deposit_nor_move(world, body, reason):
    # What a client may do of its own deposits: tests/ged/test_client_changes.py.
    document = deposit(folder_at(world.a.company, ACHATS), "scan0001.pdf")
    ventes = folder_at(world.a.company, VENTES)
    body = {key: ventes.pk if value == "ventes" else value for key, value in body.items()}
    before = snapshot()

    response = api(world.a.client).patch(document_url(document), body, format="json")

    assert response.status_code == 403
    assert response.json() == {"detail": reason}
    assert snapshot() == before


@pytest.mark.parametrize("where", ["other_company", "other_cabinet", "missing", "trashed"])
def test_a_move_out_of_the_company_is_a_field_error_and_the_document_stays(world, where):
    achats = folder_at(world.a.company, ACHATS)
    document = deposit(achats)
    target = {
        "other_company": lambda: folder_at(world.a.other_company, ACHATS).pk,
        "other_cabinet": lambda: folder_at(world.b.company, ACHATS).pk,
        "missing": lambda: MISSING_ID,
        "trashed": lambda: (
            folder_trash(folder=folder_at(world.a.company, "Archives"), by=world.a.admin).pk
        ),
    }[where]()
    before = snapshot()

    response = api(world.a.admin).patch(document_url(document), {"folder": target}, format="json")

    assert response.status_code == 400
    assert response.json() == {"folder": ["Dossier de destination introuvable."]}
    assert snapshot() == before


def test_a_refused_rename_does_not_move_the_document_half_way(world):
    # {folder, name} is one change: a name refused leaves the document where it was.
    achats = folder_at(world.a.company, ACHATS)
    document = deposit(achats, "scan0001.pdf")
    ventes = folder_at(world.a.company, VENTES)
    before = snapshot()

    response = api(world.a.admin).patch(
        document_url(document), {"folder": ventes.pk, "name": " .. "}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"name": ["Donnez un nom au document."]}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "detail"), ({"name": ""}, "name"), ({"folder": "abc"}, "folder")],
)
def test_a_malformed_patch_is_a_400(world, body, field):
    document = deposit(folder_at(world.a.company, ACHATS))
    before = snapshot()

    response = api(world.a.admin).patch(document_url(document), body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert snapshot() == before


def test_staff_send_a_document_to_the_trash(world):
    achats = folder_at(world.a.company, ACHATS)
    document = deposit(achats, "facture.pdf")
    client = api(world.a.collaborator)

    response = client.delete(document_url(document))

    assert response.status_code == 204
    assert client.get(document_url(document)).status_code == 404
    assert client.get(download_url(document)).status_code == 404
    assert client.get(documents_url(achats)).json()["count"] == 0
    document.refresh_from_db()
    assert document.trashed_at is not None
    assert document.trashed_by == world.a.collaborator
    # It waits in the trash, where staff can restore it.
    trash = browser(world.a.collaborator).get(f"/ged/entreprises/{world.a.company.pk}/corbeille/")
    assert f"/ged/documents/{document.pk}/restaurer/" in trash.content.decode()
    assert client.delete(document_url(document)).status_code == 404


def test_a_client_cannot_send_to_the_trash_what_it_did_not_deposit(world):
    document = deposit(folder_at(world.a.company, ACHATS), by=world.a.collaborator)
    before = snapshot()

    response = api(world.a.client).delete(document_url(document))

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("who", ["admin", "client"])
def test_a_document_is_downloaded_with_its_name(world, who):
    document = deposit(folder_at(world.a.company, ACHATS), "facture mars.pdf")

    response = api(getattr(world.a, who)).get(download_url(document))

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="facture mars.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF


# --- Foreign, missing and trashed ids: one and the same 404 ------------------------------------


def foreign_ids(world) -> dict[str, dict[str, int]]:
    """For each kind of id a GED endpoint takes, ids alpha's client may not reach."""
    beta_folder = folder_at(world.b.company, ACHATS)
    other_folder = folder_at(world.a.other_company, ACHATS)
    trashed_folder = folder_at(world.a.company, "Archives")
    trashed_document = deposit(folder_at(world.a.company, ACHATS), "ancien.pdf", content=PNG)
    document_trash(document=trashed_document, by=world.a.admin)
    folder_trash(folder=trashed_folder, by=world.a.admin)
    return {
        "company": {
            "other cabinet": world.b.company.pk,
            "other company": world.a.other_company.pk,
            "missing": MISSING_ID,
        },
        "folder": {
            "other cabinet": beta_folder.pk,
            "other company": other_folder.pk,
            "trashed": trashed_folder.pk,
            "missing": MISSING_ID,
        },
        "document": {
            "other cabinet": deposit(beta_folder, "beta.pdf").pk,
            "other company": deposit(other_folder, "garage.pdf").pk,
            "trashed": trashed_document.pk,
            "missing": MISSING_ID,
        },
    }


# Every GED endpoint, as (the kind of id it takes, how to call it).
ENDPOINTS = {
    "GET folders": ("company", lambda c, pk: c.get(folders_url(pk))),
    "POST folders": (
        "company",
        lambda c, pk: c.post(folders_url(pk), {"name": "Intrus"}, format="json"),
    ),
    "GET documents": ("folder", lambda c, pk: c.get(documents_url(pk))),
    "POST documents": ("folder", lambda c, pk: c.post(documents_url(pk), {"file": upload()})),
    "GET document": ("document", lambda c, pk: c.get(document_url(pk))),
    "PATCH document": (
        "document",
        lambda c, pk: c.patch(document_url(pk), {"name": "intrus.pdf"}, format="json"),
    ),
    "DELETE document": ("document", lambda c, pk: c.delete(document_url(pk))),
    "GET download": ("document", lambda c, pk: c.get(download_url(pk))),
}


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_foreign_missing_and_trashed_ids_get_the_same_404(world, endpoint):
    kind, call = ENDPOINTS[endpoint]
    ids = foreign_ids(world)
    before = snapshot()

    # Staff see every company of their cabinet: the other company hides from clients only.
    for who in ("client", "admin"):
        caller = api(getattr(world.a, who))
        answers = {
            what: call(caller, pk)
            for what, pk in ids[kind].items()
            if not (who == "admin" and what == "other company")
        }
        missing = answers.pop("missing")
        assert missing.status_code == 404, who
        for what, response in answers.items():
            assert (response.status_code, response.content) == (404, missing.content), (who, what)
    assert snapshot() == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/documents/abc/",
        "/api/v1/folders/1.5/documents/",
        "/api/v1/documents/-1/download/",
        "/api/v1/nulle-part/",
    ],
)
def test_an_id_that_is_not_a_number_gets_the_apis_json_404(world, url):
    # No route matches, so this 404 is Django's: it was the HTML page.
    missing = api(world.a.client).get(document_url(MISSING_ID))

    response = api(world.a.client).get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.content == missing.content == '{"detail":"Non trouvé."}'.encode()
    page = browser(world.a.client).get("/nulle-part/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


# --- Query counts: a later page, a deeper folder cost no more ----------------------------------

# The API listing's queries, pinned: the cabinet, the token with its user, the folder, the count
# and the page of documents.
API_LIST_MAX_QUERIES = 5


def measured(client, path, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, data or {})
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["collaborator", "client"])
def test_the_api_listing_costs_the_same_at_page_1_and_page_3(
    world, who, django_assert_num_queries, django_assert_max_num_queries
):
    achats = folder_at(world.a.company, ACHATS)
    many_documents(achats, 160, duplicates=True)
    client = api(getattr(world.a, who))
    client.get(documents_url(achats))

    reference = measured(client, documents_url(achats), {"page": 1})

    with django_assert_num_queries(reference):
        response = client.get(documents_url(achats), {"page": 3})
    assert len(response.json()["results"]) == 50
    with django_assert_max_num_queries(API_LIST_MAX_QUERIES):
        client.get(documents_url(achats), {"page": 4})


@pytest.mark.parametrize("who", ["collaborator", "client"])
def test_the_api_listing_costs_the_same_at_depth_1_and_depth_10(
    world, who, django_assert_num_queries, django_assert_max_num_queries
):
    deepest = folder_at(world.a.company, "/".join(f"Niveau {n}" for n in range(11)))
    shallow = Folder.objects.get(company=world.a.company, depth=1)
    assert deepest.depth == 10
    for folder in (shallow, deepest):
        many_documents(folder, 60, duplicates=True)
    client = api(getattr(world.a, who))
    client.get(documents_url(shallow))

    reference = measured(client, documents_url(shallow))

    with django_assert_num_queries(reference):
        response = client.get(documents_url(deepest))
    assert len(response.json()["results"]) == 50
    with django_assert_max_num_queries(API_LIST_MAX_QUERIES):
        client.get(documents_url(deepest))
