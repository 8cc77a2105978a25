"""The GED pages: clients open their company's document space, browse, deposit, download and
create subfolders; staff also rename, move, trash and restore; big folders stay usable; admins
edit the cabinet's default tree."""

import html
import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ged.models import Channel, Document, Folder, FolderTemplate
from ged.models.folder import DEFAULT_ANNUAL_SUBFOLDERS
from ged.services.documents import document_trash
from ged.services.folders import folder_trash
from tests.conftest import browser
from tests.factories import ClientFactory
from tests.ged.page_helpers import (
    document_rows,
    document_url,
    folder_url,
    many_documents,
    names_listed,
    stored_files,
)
from tests.helpers.documents import CSV, PDF, PNG, deposit, folder_at, upload
from tests.pages import flashes, text_of

pytestmark = pytest.mark.django_db

ACHATS = "Dossier comptable annuel 2026/Achats"
VENTES = "Dossier comptable annuel 2026/Ventes"
JSON = {"HTTP_ACCEPT": "application/json"}
MEBIBYTE = 1024 * 1024
NOT_FOUND = "Page introuvable"


@pytest.fixture(autouse=True)
def _small_upload_limit(settings):
    settings.DOCUMENT_MAX_MB = 1


# --- Reading pages -----------------------------------------------------------------------------


def tree_of(response) -> list[tuple[int, str]]:
    """The folder tree of a GED page, as (depth, name) in order."""
    return [
        (int(depth), html.unescape(name))
        for depth, name in re.findall(
            r'<li data-depth="(\d+)"><a href="/ged/dossiers/\d+/"[^>]*>(.*?)</a></li>',
            response.content.decode(),
        )
    ]


def folder_cards(response) -> list[str]:
    return [
        html.unescape(name)
        for name in re.findall(
            r'<a class="folder-card" href="/ged/dossiers/\d+/">(.*?)</a>', response.content.decode()
        )
    ]


def company_url(company) -> str:
    return f"/ged/entreprises/{company.pk}/"


def upload_url(folder) -> str:
    return f"{folder_url(folder)}deposer/"


def create_url(company) -> str:
    return f"{company_url(company)}dossiers/"


def trash_url(company) -> str:
    return f"{company_url(company)}corbeille/"


def local_date(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def raw_upload(filename: str, content: bytes) -> dict:
    """A multipart body written by hand, so that the file name reaches the server as sent
    (the test client would strip its directories itself)."""
    boundary = "welyb-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


# --- A client finds their documents ------------------------------------------------------------


def test_client_opens_their_companys_ged_from_the_home_page(world):
    folder_at(world.a.company, ACHATS)
    folder_at(world.a.company, "Administratif/Contrats")
    client = browser(world.a.client)

    home = client.get("/")
    link = company_url(world.a.company)
    assert f'<a href="{link}">Boulangerie Alpha</a>' in home.content.decode()

    page = client.get(link)
    assert page.status_code == 200
    assert '<h1 class="ged-company">Boulangerie Alpha</h1>' in page.content.decode()
    assert folder_cards(page) == ["Administratif", "Dossier comptable annuel 2026"]


def test_client_browses_the_tree(world):
    achats = folder_at(world.a.company, ACHATS)
    folder_at(world.a.company, VENTES)
    folder_at(world.a.company, "Administratif/Juridique")
    annual = achats.parent
    client = browser(world.a.client)

    page = client.get(folder_url(annual))

    assert page.status_code == 200
    assert tree_of(page) == [
        (0, "Administratif"),
        (1, "Juridique"),
        (0, "Dossier comptable annuel 2026"),
        (1, "Achats"),
        (1, "Ventes"),
    ]
    assert folder_cards(page) == ["Achats", "Ventes"]
    assert f'<a href="{folder_url(annual)}" aria-current="page">' in page.content.decode()

    page = client.get(folder_url(achats))
    breadcrumb = re.search(r'<p class="breadcrumb">(.*?)</p>', page.content.decode())[1]
    assert re.sub(r"<[^>]+>", "", breadcrumb) == "Dossiers › Dossier comptable annuel 2026 › Achats"
    assert folder_cards(page) == []


def test_client_sees_a_folders_documents_with_name_date_size_and_status(world):
    folder = folder_at(world.a.company, ACHATS)
    invoice = deposit(folder, "Facture Minoterie.pdf", by=world.a.client)
    receipt = deposit(folder, "Reçu café.png", content=PNG, by=world.a.client)
    deposit(folder_at(world.a.company, VENTES), "Facture client.pdf")

    page = browser(world.a.client).get(folder_url(folder))

    assert page.status_code == 200
    assert document_rows(page) == [
        {
            "name": "Reçu café.png",
            "date": local_date(receipt.deposited_at),
            "size": f"{len(PNG)} octets",
            "status": "À traiter",
            "duplicate": False,
        },
        {
            "name": "Facture Minoterie.pdf",
            "date": local_date(invoice.deposited_at),
            "size": f"{len(PDF)} octets",
            "status": "À traiter",
            "duplicate": False,
        },
    ]
    assert 'Documents <span class="muted">(2)</span>' in page.content.decode()


def test_a_validated_document_reads_valide(world):
    folder = folder_at(world.a.company, ACHATS)
    document = deposit(folder)
    Document.objects.filter(pk=document.pk).update(status="validated")

    page = browser(world.a.client).get(folder_url(folder))

    assert [row["status"] for row in document_rows(page)] == ["Validé"]


def test_an_empty_folder_says_so(world):
    folder = folder_at(world.a.company, ACHATS)

    page = browser(world.a.client).get(folder_url(folder))

    assert document_rows(page) == []
    assert "Aucun document dans ce dossier." in text_of(page)


def test_the_document_page_shows_its_facts_to_a_client(world):
    folder = folder_at(world.a.company, ACHATS)
    document = deposit(folder, "Facture Minoterie.pdf", by=world.a.client)

    page = browser(world.a.client).get(document_url(document))

    text = text_of(page)
    assert page.status_code == 200
    assert "<h2>Facture Minoterie.pdf</h2>" in text
    assert "À traiter" in text
    assert f'href="{document_url(document)}telecharger/"' in text
    # What staff see of a document is not for clients.
    assert "Déposé par" not in text
    assert "Type détecté" not in text
    assert "Déplacer dans" not in text
    assert "/deplacer/" not in text


def test_the_htmx_refresh_gets_the_document_list_alone(world):
    folder = folder_at(world.a.company, ACHATS)
    deposit(folder, "Facture Minoterie.pdf")

    part = browser(world.a.client).get(folder_url(folder), HTTP_HX_REQUEST="true")

    assert part.status_code == 200
    assert part.content.decode().lstrip().startswith('<section id="documents"')
    assert "<main" not in part.content.decode()
    assert names_listed(part) == ["Facture Minoterie.pdf"]


# --- Uploads -----------------------------------------------------------------------------------


def test_client_uploads_one_file_and_gets_json(world):
    folder = folder_at(world.a.company, ACHATS)

    response = browser(world.a.client).post(
        upload_url(folder), {"file": upload("facture.pdf")}, **JSON
    )

    document = Document.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "documents": [{"id": document.pk, "name": "facture.pdf", "notices": []}],
        "errors": [],
    }
    assert document.folder == folder
    assert document.channel == Channel.WEB
    assert document.deposited_by == world.a.client
    assert document.content_type == "application/pdf"


def test_client_uploads_several_files_at_once(world):
    folder = folder_at(world.a.company, ACHATS)
    files = [upload("facture.pdf"), upload("ticket.png", PNG), upload("releve.csv", CSV)]

    response = browser(world.a.client).post(upload_url(folder), {"file": files}, **JSON)

    assert response.status_code == 201
    assert [d["name"] for d in response.json()["documents"]] == [
        "facture.pdf",
        "ticket.png",
        "releve.csv",
    ]
    assert response.json()["errors"] == []
    assert sorted(Document.objects.values_list("name", flat=True)) == [
        "facture.pdf",
        "releve.csv",
        "ticket.png",
    ]


def test_an_upload_without_script_comes_back_to_the_folder_with_french_messages(world):
    folder = folder_at(world.a.company, ACHATS)
    client = browser(world.a.client)

    response = client.post(
        upload_url(folder), {"file": [upload("facture.pdf"), upload("vide.pdf", b"")]}
    )

    assert response.status_code == 302
    assert response["Location"] == folder_url(folder)
    page = client.get(response["Location"])
    assert flashes(page, levels=True) == [
        ("success", "« facture.pdf » déposé."),
        ("error", "vide.pdf : Le fichier est vide."),
    ]
    assert names_listed(page) == ["facture.pdf"]


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Aucun fichier reçu."),
        ({"file": upload("vide.pdf", b"")}, "Le fichier est vide."),
        (
            {"file": upload("gros.pdf", PDF + b"0" * MEBIBYTE)},
            "Fichier trop volumineux (1 Mo maximum)",
        ),
    ],
    ids=["no file", "empty", "over the limit"],
)
def test_a_bad_upload_is_refused_in_french_and_stores_nothing(world, files, message):
    folder = folder_at(world.a.company, ACHATS)
    client = browser(world.a.client)
    name = files["file"].name if files else ""

    answer = client.post(upload_url(folder), files, **JSON)

    assert answer.status_code == 400
    assert answer.json() == {"documents": [], "errors": [{"name": name, "message": message}]}
    for file in files.values():
        file.seek(0)
    redirected = client.post(upload_url(folder), files, follow=True)
    assert flashes(redirected, levels=True) == [
        ("error", f"{name} : {message}" if name else message)
    ]
    assert Document.objects.count() == 0
    assert stored_files() == []


def test_a_file_of_exactly_the_limit_is_accepted(world):
    folder = folder_at(world.a.company, ACHATS)
    content = PDF + b"0" * (MEBIBYTE - len(PDF))

    response = browser(world.a.client).post(
        upload_url(folder), {"file": upload("limite.pdf", content)}, **JSON
    )

    assert response.status_code == 201
    assert Document.objects.get().size == MEBIBYTE


def test_good_and_bad_files_together_keep_the_good_ones(world):
    folder = folder_at(world.a.company, ACHATS)
    files = [upload("facture.pdf"), upload("vide.pdf", b"")]

    response = browser(world.a.client).post(upload_url(folder), {"file": files}, **JSON)

    assert response.status_code == 201
    assert [d["name"] for d in response.json()["documents"]] == ["facture.pdf"]
    assert response.json()["errors"] == [{"name": "vide.pdf", "message": "Le fichier est vide."}]
    assert len(stored_files()) == 1


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("../../etc/pass\x00wd.pdf", "passwd.pdf"),
        ("..\\..\\x.pdf", "x.pdf"),
        ("C:\\Users\\compta\\facture\x07 mars.pdf", "facture mars.pdf"),
        (".htaccess", "htaccess"),
    ],
)
def test_a_dangerous_file_name_is_stored_sanitised(world, sent, stored):
    folder = folder_at(world.a.company, ACHATS)

    response = browser(world.a.client).post(upload_url(folder), **raw_upload(sent, PDF), **JSON)

    assert response.status_code == 201
    document = Document.objects.get()
    assert document.name == stored
    assert response.json()["documents"] == [{"id": document.pk, "name": stored, "notices": []}]
    # The bytes are kept under a key of the portal's own, never under the name sent.
    [path] = stored_files()
    assert path.relative_to(settings.MEDIA_ROOT).parts[:2] == ("documents", str(world.a.company.pk))
    assert path.read_bytes() == PDF


def test_an_upload_into_a_trashed_folder_is_refused(world):
    folder = folder_at(world.a.company, ACHATS)
    folder_trash(folder=folder, by=world.a.admin)

    response = browser(world.a.client).post(upload_url(folder), {"file": upload()}, **JSON)

    assert response.status_code == 404
    assert Document.objects.count() == 0


# --- Downloads ---------------------------------------------------------------------------------


def test_client_downloads_a_document_under_its_name(world):
    document = deposit(folder_at(world.a.company, ACHATS), "facture.pdf")

    response = browser(world.a.client).get(f"{document_url(document)}telecharger/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="facture.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_a_download_keeps_an_accented_name(world):
    document = deposit(folder_at(world.a.company, ACHATS), "Reçu café.pdf")

    response = browser(world.a.client).get(f"{document_url(document)}telecharger/")

    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Re%C3%A7u%20caf%C3%A9.pdf"
    )
    assert b"".join(response.streaming_content) == PDF


def test_a_trashed_document_cannot_be_downloaded(world):
    document = deposit(folder_at(world.a.company, ACHATS))
    document_trash(document=document, by=world.a.admin)

    response = browser(world.a.client).get(f"{document_url(document)}telecharger/")

    assert response.status_code == 404


# --- Subfolders --------------------------------------------------------------------------------


def test_client_creates_a_subfolder(world):
    achats = folder_at(world.a.company, ACHATS)
    client = browser(world.a.client)

    response = client.post(
        create_url(world.a.company), {"parent": achats.pk, "name": "Fournisseurs"}, follow=True
    )

    created = Folder.objects.get(name="Fournisseurs")
    assert created.parent == achats
    assert created.company == world.a.company
    assert response.redirect_chain == [(folder_url(created), 302)]
    assert flashes(response, levels=True) == [("success", "Dossier « Fournisseurs » créé.")]
    assert (2, "Fournisseurs") in tree_of(response)


def test_client_cannot_create_a_root_folder(world):
    client = browser(world.a.client)

    response = client.post(create_url(world.a.company), {"name": "Mes papiers"})

    assert response.status_code == 403
    assert not Folder.objects.filter(name="Mes papiers").exists()
    # The page offers clients no such form either.
    assert "Nouveau dossier" not in text_of(client.get(company_url(world.a.company)))


def test_a_subfolder_name_clash_is_refused_in_french(world):
    achats = folder_at(world.a.company, ACHATS)
    folder_at(world.a.company, f"{ACHATS}/Fournisseurs")

    response = browser(world.a.client).post(
        create_url(world.a.company), {"parent": achats.pk, "name": "fournisseurs"}, follow=True
    )

    assert response.redirect_chain == [(folder_url(achats), 302)]
    assert flashes(response, levels=True) == [
        ("error", "Un dossier « fournisseurs » existe déjà ici.")
    ]
    assert Folder.objects.filter(parent=achats).count() == 1


def test_a_subfolder_without_a_name_is_refused_in_french(world):
    achats = folder_at(world.a.company, ACHATS)

    response = browser(world.a.client).post(
        create_url(world.a.company), {"parent": achats.pk, "name": "  "}, follow=True
    )

    assert flashes(response, levels=True) == [("error", "Donnez un nom au dossier.")]
    assert not Folder.objects.filter(parent=achats).exists()


def test_staff_create_a_root_folder(world):
    response = browser(world.a.collaborator).post(
        create_url(world.a.company), {"name": "Immobilier"}, follow=True
    )

    folder = Folder.objects.get(name="Immobilier")
    assert folder.parent is None
    assert flashes(response, levels=True) == [("success", "Dossier « Immobilier » créé.")]


# --- Which company ----------------------------------------------------------------------------


def test_a_client_with_two_companies_sees_the_switcher(world):
    user = ClientFactory(
        cabinet=world.a.cabinet, companies=[world.a.company, world.a.other_company]
    )
    client = browser(user)

    page = client.get(company_url(world.a.company))

    switcher = re.search(
        r'<form[^>]*class="company-switcher">(.*?)</form>', page.content.decode(), re.S
    )
    assert switcher is not None
    assert "Changer d'entreprise" in html.unescape(switcher[1])
    options = re.findall(r'<option value="(\d+)"( selected)?>(.*?)</option>', switcher[1])
    assert options == [
        (str(world.a.company.pk), " selected", "Boulangerie Alpha"),
        (str(world.a.other_company.pk), "", "Garage Alpha"),
    ]
    switched = client.get("/ged/entreprises/", {"company": world.a.other_company.pk})
    assert switched.status_code == 302
    assert switched["Location"] == company_url(world.a.other_company)


def test_a_client_with_one_company_has_no_switcher(world):
    page = browser(world.a.client).get(company_url(world.a.company))

    assert page.status_code == 200
    assert "company-switcher" not in page.content.decode()
    assert "Changer d'entreprise" not in text_of(page)


def test_staff_have_no_switcher(world):
    page = browser(world.a.admin).get(company_url(world.a.company))

    assert "company-switcher" not in page.content.decode()


@pytest.mark.parametrize("company", ["", "abc", "-1", "1e3"])
def test_the_switcher_with_a_bad_company_is_a_404(world, company):
    response = browser(world.a.client).get("/ged/entreprises/", {"company": company})

    assert response.status_code == 404


# --- What clients never see --------------------------------------------------------------------


def test_client_never_sees_staff_actions_nor_duplicates(world):
    folder = folder_at(world.a.company, ACHATS)
    deposit(folder, "facture.pdf")
    duplicate = deposit(folder, "facture-bis.pdf")
    assert duplicate.duplicate_of_id is not None

    client = browser(world.a.client)
    pages = [
        client.get(company_url(world.a.company)),
        client.get(folder_url(folder)),
        client.get(document_url(duplicate)),
    ]

    for page in pages:
        text = text_of(page)
        assert page.status_code == 200
        for word in ("Gérer ce dossier", "Corbeille", "corbeille", "Doublon possible", "Renommer"):
            assert word not in text, word
        assert "/corbeille/" not in text
    assert not any(row["duplicate"] for row in document_rows(pages[1]))


def test_client_never_sees_another_companys_folders(world):
    folder_at(world.a.company, ACHATS)
    other = folder_at(world.a.other_company, "Garage pièces détachées")
    deposit(other, "Facture pneus.pdf")
    client = browser(world.a.client)

    achats = Folder.objects.get(company=world.a.company, name="Achats")
    for path in (company_url(world.a.company), folder_url(achats)):
        text = text_of(client.get(path))
        assert "Garage pièces détachées" not in text
        assert "Garage Alpha" not in text
        assert folder_url(other) not in text


def other_company_urls(world) -> dict[str, tuple[str, str, dict]]:
    """Every GED page of alpha's `other_company`, as (method, path, data)."""
    folder = folder_at(world.a.other_company, "Garage pièces détachées")
    document = deposit(folder, "Facture pneus.pdf")
    own = folder_at(world.a.company, ACHATS)
    return {
        "company": ("get", company_url(world.a.other_company), {}),
        "switch": ("get", "/ged/entreprises/", {"company": world.a.other_company.pk}),
        "folder": ("get", folder_url(folder), {}),
        "document": ("get", document_url(document), {}),
        "download": ("get", f"{document_url(document)}telecharger/", {}),
        "upload": ("post", upload_url(folder), {"file": upload()}),
        "subfolder": (
            "post",
            create_url(world.a.other_company),
            {"parent": folder.pk, "name": "Intrus"},
        ),
        "subfolder under own company": (
            "post",
            create_url(world.a.company),
            {"parent": folder.pk, "name": "Intrus"},
        ),
        "subfolder of own folder, other company": (
            "post",
            create_url(world.a.other_company),
            {"parent": own.pk, "name": "Intrus"},
        ),
    }


def test_a_client_gets_404_for_another_company_of_the_same_cabinet(world):
    client = browser(world.a.client)
    urls = other_company_urls(world)
    documents = Document.objects.count()

    for what, (method, path, data) in urls.items():
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, what
        assert NOT_FOUND in text_of(response), what
        assert "Garage" not in text_of(response), what
    assert Document.objects.count() == documents
    assert not Folder.objects.filter(name="Intrus").exists()


def test_staff_cannot_create_a_subfolder_across_companies(world):
    other = folder_at(world.a.other_company, "Garage pièces détachées")

    response = browser(world.a.admin).post(
        create_url(world.a.company), {"parent": other.pk, "name": "Intrus"}
    )

    assert response.status_code == 404
    assert not Folder.objects.filter(name="Intrus").exists()


# --- Staff manage documents --------------------------------------------------------------------


def test_staff_rename_a_document(world):
    document = deposit(folder_at(world.a.company, ACHATS), "scan0001.pdf")

    response = browser(world.a.collaborator).post(
        f"{document_url(document)}renommer/", {"name": "Facture Minoterie mars.pdf"}, follow=True
    )

    document.refresh_from_db()
    assert document.name == "Facture Minoterie mars.pdf"
    assert response.redirect_chain == [(document_url(document), 302)]
    assert flashes(response, levels=True) == [("success", "Document renommé.")]


@pytest.mark.parametrize(("typed", "kept"), [("../../x.pdf", "x.pdf"), ("a\tb.pdf", "a b.pdf")])
def test_a_document_rename_is_cleaned_like_a_deposit(world, typed, kept):
    document = deposit(folder_at(world.a.company, ACHATS), "scan0001.pdf")

    browser(world.a.admin).post(f"{document_url(document)}renommer/", {"name": typed})

    document.refresh_from_db()
    assert document.name == kept


def test_a_document_rename_with_a_nul_is_refused(world):
    document = deposit(folder_at(world.a.company, ACHATS), "scan0001.pdf")

    response = browser(world.a.admin).post(
        f"{document_url(document)}renommer/", {"name": "a\x00b.pdf"}, follow=True
    )

    document.refresh_from_db()
    assert document.name == "scan0001.pdf"
    assert [level for level, _text in flashes(response, levels=True)] == ["error"]


def test_a_document_rename_without_a_name_is_refused_in_french(world):
    document = deposit(folder_at(world.a.company, ACHATS), "scan0001.pdf")

    response = browser(world.a.admin).post(
        f"{document_url(document)}renommer/", {"name": " .. "}, follow=True
    )

    document.refresh_from_db()
    assert document.name == "scan0001.pdf"
    assert flashes(response, levels=True) == [("error", "Donnez un nom au document.")]


def test_staff_move_a_document_within_the_company(world):
    document = deposit(folder_at(world.a.company, ACHATS))
    ventes = folder_at(world.a.company, VENTES)

    response = browser(world.a.collaborator).post(
        f"{document_url(document)}deplacer/", {"folder": ventes.pk}, follow=True
    )

    document.refresh_from_db()
    assert document.folder == ventes
    assert flashes(response, levels=True) == [("success", "Document déplacé.")]
    assert names_listed(browser(world.a.client).get(folder_url(ventes))) == ["facture.pdf"]


@pytest.mark.parametrize("where", ["other_company", "other_cabinet", "missing"])
def test_a_document_cannot_move_out_of_its_company(world, where):
    achats = folder_at(world.a.company, ACHATS)
    document = deposit(achats)
    target = {
        "other_company": lambda: folder_at(world.a.other_company, ACHATS).pk,
        "other_cabinet": lambda: folder_at(world.b.company, ACHATS).pk,
        "missing": lambda: 10**9,
    }[where]()

    response = browser(world.a.admin).post(
        f"{document_url(document)}deplacer/", {"folder": target}, follow=True
    )

    document.refresh_from_db()
    assert document.folder == achats
    assert flashes(response, levels=True) == [("error", "Dossier de destination introuvable.")]


def test_staff_trash_and_restore_a_document(world):
    folder = folder_at(world.a.company, ACHATS)
    document = deposit(folder, "facture.pdf")
    staff = browser(world.a.collaborator)

    trashed = staff.post(f"{document_url(document)}supprimer/", follow=True)

    assert trashed.redirect_chain == [(folder_url(folder), 302)]
    assert flashes(trashed, levels=True) == [("success", "« facture.pdf » est dans la corbeille.")]
    assert names_listed(trashed) == []
    assert staff.get(document_url(document)).status_code == 404
    assert browser(world.a.client).get(f"{document_url(document)}telecharger/").status_code == 404
    trash = staff.get(trash_url(world.a.company))
    assert "facture.pdf" in text_of(trash)
    assert f'action="{document_url(document)}restaurer/"' in trash.content.decode()

    restored = staff.post(f"{document_url(document)}restaurer/", follow=True)

    assert restored.redirect_chain == [(folder_url(folder), 302)]
    assert flashes(restored, levels=True) == [("success", "« facture.pdf » est restauré.")]
    assert names_listed(restored) == ["facture.pdf"]
    assert "La corbeille est vide." in text_of(staff.get(trash_url(world.a.company)))


# --- Staff manage folders ----------------------------------------------------------------------


def test_staff_rename_a_folder(world):
    achats = folder_at(world.a.company, ACHATS)

    response = browser(world.a.collaborator).post(
        f"{folder_url(achats)}renommer/", {"name": "Achats et frais"}, follow=True
    )

    achats.refresh_from_db()
    assert achats.name == "Achats et frais"
    assert flashes(response, levels=True) == [("success", "Dossier renommé.")]
    assert (1, "Achats et frais") in tree_of(response)


def test_a_folder_rename_that_clashes_is_refused_in_french(world):
    achats = folder_at(world.a.company, ACHATS)
    folder_at(world.a.company, VENTES)

    response = browser(world.a.admin).post(
        f"{folder_url(achats)}renommer/", {"name": "ventes"}, follow=True
    )

    achats.refresh_from_db()
    assert achats.name == "Achats"
    assert flashes(response, levels=True) == [("error", "Un dossier « ventes » existe déjà ici.")]


def test_a_folder_rename_with_a_slash_is_refused_in_french(world):
    achats = folder_at(world.a.company, ACHATS)

    response = browser(world.a.admin).post(
        f"{folder_url(achats)}renommer/", {"name": "Achats/2026"}, follow=True
    )

    achats.refresh_from_db()
    assert achats.name == "Achats"
    assert flashes(response, levels=True) == [
        ("error", "Le nom d'un dossier ne peut pas contenir « / » ni « \\ ».")
    ]


def test_staff_move_a_folder_with_its_content(world):
    minoterie = folder_at(world.a.company, f"{ACHATS}/Fournisseurs/Minoterie")
    fournisseurs = minoterie.parent
    document = deposit(minoterie)
    administratif = folder_at(world.a.company, "Administratif")

    response = browser(world.a.collaborator).post(
        f"{folder_url(fournisseurs)}deplacer/", {"parent": administratif.pk}, follow=True
    )

    fournisseurs.refresh_from_db()
    assert fournisseurs.parent == administratif
    assert flashes(response, levels=True) == [("success", "Dossier déplacé.")]
    assert tree_of(response) == [
        (0, "Administratif"),
        (1, "Fournisseurs"),
        (2, "Minoterie"),
        (0, "Dossier comptable annuel 2026"),
        (1, "Achats"),
    ]
    document.refresh_from_db()
    assert document.folder.path.startswith(administratif.path)


def test_staff_move_a_folder_to_the_root(world):
    achats = folder_at(world.a.company, ACHATS)

    response = browser(world.a.admin).post(
        f"{folder_url(achats)}deplacer/", {"parent": ""}, follow=True
    )

    achats.refresh_from_db()
    assert achats.parent is None
    assert achats.depth == 0
    assert flashes(response, levels=True) == [("success", "Dossier déplacé.")]


def test_a_folder_cannot_move_into_its_own_subfolder(world):
    deep = folder_at(world.a.company, f"{ACHATS}/Fournisseurs")
    annual = deep.parent.parent

    for target in (annual, deep):
        response = browser(world.a.admin).post(
            f"{folder_url(annual)}deplacer/", {"parent": target.pk}, follow=True
        )
        annual.refresh_from_db()
        assert annual.parent is None
        assert flashes(response, levels=True) == [("error", "Dossier de destination introuvable.")]


@pytest.mark.parametrize("where", ["other_company", "other_cabinet"])
def test_a_folder_cannot_move_to_another_company(world, where):
    achats = folder_at(world.a.company, ACHATS)
    tenant_company = world.a.other_company if where == "other_company" else world.b.company
    target = folder_at(tenant_company, "Dossier comptable annuel 2026")

    response = browser(world.a.admin).post(
        f"{folder_url(achats)}deplacer/", {"parent": target.pk}, follow=True
    )

    achats.refresh_from_db()
    assert achats.parent.name == "Dossier comptable annuel 2026"
    assert achats.parent.company == world.a.company
    assert flashes(response, levels=True) == [("error", "Dossier de destination introuvable.")]


def test_a_folder_move_that_clashes_is_refused_in_french(world):
    achats_factures = folder_at(world.a.company, f"{ACHATS}/Factures")
    ventes = folder_at(world.a.company, f"{VENTES}/Factures").parent

    response = browser(world.a.admin).post(
        f"{folder_url(achats_factures)}deplacer/", {"parent": ventes.pk}, follow=True
    )

    achats_factures.refresh_from_db()
    assert achats_factures.parent.name == "Achats"
    assert flashes(response, levels=True) == [("error", "Un dossier « Factures » existe déjà ici.")]


def test_staff_trash_a_folder_with_its_content_and_restore_it(world):
    achats = folder_at(world.a.company, ACHATS)
    sub = folder_at(world.a.company, f"{ACHATS}/Fournisseurs")
    deposit(achats, "facture.pdf")
    deposit(sub, "devis.pdf")
    annual = achats.parent
    staff = browser(world.a.collaborator)

    trashed = staff.post(f"{folder_url(achats)}supprimer/", follow=True)

    assert trashed.redirect_chain == [(folder_url(annual), 302)]
    assert flashes(trashed, levels=True) == [
        ("success", "« Achats » et son contenu sont dans la corbeille.")
    ]
    assert tree_of(trashed) == [(0, "Dossier comptable annuel 2026")]
    assert staff.get(folder_url(sub)).status_code == 404
    assert Document.objects.filter(trashed_at__isnull=True).count() == 0
    # The trash lists what can be restored: the folder, not each thing that left with it.
    trash = staff.get(trash_url(world.a.company))
    text = text_of(trash)
    assert "Dossier « Achats »" in text
    assert "Fournisseurs" not in text
    assert "devis.pdf" not in text
    assert trash.content.decode().count('class="link-button">Restaurer</button>') == 1

    restored = staff.post(f"{folder_url(achats)}restaurer/", follow=True)

    assert restored.redirect_chain == [(folder_url(achats), 302)]
    assert flashes(restored, levels=True) == [("success", "« Achats » est restauré.")]
    assert names_listed(restored) == ["facture.pdf"]
    assert folder_cards(restored) == ["Fournisseurs"]
    assert Document.objects.filter(trashed_at__isnull=True).count() == 2


def test_what_left_with_a_folder_comes_back_only_with_it(world):
    achats = folder_at(world.a.company, ACHATS)
    sub = folder_at(world.a.company, f"{ACHATS}/Fournisseurs")
    document = deposit(sub, "devis.pdf")
    folder_trash(folder=achats, by=world.a.admin)
    staff = browser(world.a.admin)

    response = staff.post(f"{folder_url(sub)}restaurer/", follow=True)
    assert flashes(response, levels=True) == [
        ("error", "Ce dossier est parti avec son dossier parent : restaurez le parent.")
    ]
    response = staff.post(f"{document_url(document)}restaurer/", follow=True)
    assert flashes(response, levels=True) == [
        ("error", "Ce document est parti avec le dossier « Achats » : restaurez ce dossier.")
    ]
    assert response.redirect_chain == [(trash_url(world.a.company), 302)]
    assert Folder.objects.filter(trashed_at__isnull=True).count() == 1


def test_a_folder_restore_that_clashes_is_refused_in_french(world):
    achats = folder_at(world.a.company, ACHATS)
    folder_trash(folder=achats, by=world.a.admin)
    folder_at(world.a.company, ACHATS)

    response = browser(world.a.admin).post(f"{folder_url(achats)}restaurer/", follow=True)

    achats.refresh_from_db()
    assert achats.trashed_at is not None
    assert flashes(response, levels=True) == [("error", "Un dossier « Achats » existe déjà ici.")]


def test_the_trash_page_lists_what_can_be_restored(world):
    achats = folder_at(world.a.company, ACHATS)
    ventes = folder_at(world.a.company, VENTES)
    kept = deposit(achats, "garde.pdf")
    loose = deposit(achats, "brouillon.pdf")
    deposit(ventes, "facture-vente.pdf")
    document_trash(document=loose, by=world.a.admin)
    folder_trash(folder=ventes, by=world.a.collaborator)
    folder_trash(
        folder=folder_at(world.a.other_company, "Garage pièces détachées"), by=world.a.admin
    )

    trash = browser(world.a.admin).get(trash_url(world.a.company))

    text = text_of(trash)
    assert trash.status_code == 200
    rows = re.findall(r"<tr><td>(.*?)</td>", text)
    assert [re.sub(r"<[^>]+>", "", row) for row in rows] == [
        "Dossier « Ventes »",
        "brouillon.pdf dans Achats",
    ]
    assert kept.name not in text
    assert "facture-vente.pdf" not in text
    assert "Garage" not in text


def test_the_trash_is_for_staff_only(world):
    assert browser(world.a.client).get(trash_url(world.a.company)).status_code == 404
    assert browser(world.a.collaborator).get(trash_url(world.a.company)).status_code == 200
    assert browser(world.a.admin).get(trash_url(world.b.company)).status_code == 404


def test_the_duplicate_badge_shows_to_staff_only(world):
    folder = folder_at(world.a.company, ACHATS)
    first = deposit(folder, "facture.pdf")
    second = deposit(folder, "facture-encore.pdf")
    deposit(folder, "autre.pdf", content=PNG)

    staff_page = browser(world.a.collaborator).get(folder_url(folder))
    client_page = browser(world.a.client).get(folder_url(folder))

    assert [(r["name"], r["duplicate"]) for r in document_rows(staff_page)] == [
        ("autre.pdf", False),
        ("facture-encore.pdf", True),
        ("facture.pdf", False),
    ]
    assert f"Mêmes octets que « {first.name} »" in text_of(staff_page)
    assert "Doublon possible" not in text_of(client_page)
    document_page = browser(world.a.collaborator).get(document_url(second))
    assert "Doublon possible" in text_of(document_page)
    assert "Doublon possible" not in text_of(browser(world.a.client).get(document_url(second)))


def test_staff_see_who_deposited_a_document(world):
    document = deposit(folder_at(world.a.company, ACHATS), by=world.a.client)

    text = text_of(browser(world.a.admin).get(document_url(document)))

    assert "Déposé par" in text
    assert "Portail" in text
    assert "application/pdf" in text


# --- Big folders -------------------------------------------------------------------------------


def test_a_folder_shows_50_documents_a_page(world):
    folder = folder_at(world.a.company, ACHATS)
    documents = many_documents(folder, 120)
    newest_first = sorted(documents, key=lambda d: (d.deposited_at, d.pk), reverse=True)
    client = browser(world.a.client)

    pages = [client.get(folder_url(folder), {"page": n}) for n in (1, 2, 3)]

    assert [len(document_rows(page)) for page in pages] == [50, 50, 20]
    assert [name for page in pages for name in names_listed(page)] == [d.name for d in newest_first]
    assert "Page 1 sur 3" in text_of(pages[0])
    assert 'Documents <span class="muted">(120)</span>' in pages[0].content.decode()
    assert 'rel="next"' in pages[0].content.decode()
    assert 'rel="prev"' not in pages[0].content.decode()
    assert 'rel="next"' not in pages[2].content.decode()


@pytest.mark.parametrize("page", ["abc", "0", "999", "-1", "1.5"])
def test_a_page_number_out_of_range_is_not_an_error(world, page):
    folder = folder_at(world.a.company, ACHATS)
    many_documents(folder, 60)

    response = browser(world.a.client).get(folder_url(folder), {"page": page})

    assert response.status_code == 200
    assert len(document_rows(response)) in (50, 10)


@pytest.mark.parametrize(
    ("sort", "key", "reverse"),
    [
        ("date", lambda d: (d.deposited_at, d.pk), True),
        ("-date", lambda d: (d.deposited_at, d.pk), False),
        ("name", lambda d: (d.name, d.pk), False),
        ("-name", lambda d: (d.name, d.pk), True),
    ],
)
def test_documents_sort_by_name_and_date_both_ways(world, sort, key, reverse):
    folder = folder_at(world.a.company, ACHATS)
    documents = many_documents(folder, 70)
    expected = [d.name for d in sorted(documents, key=key, reverse=reverse)]
    client = browser(world.a.client)

    first = client.get(folder_url(folder), {"sort": sort})
    second = client.get(folder_url(folder), {"sort": sort, "page": 2})

    assert names_listed(first) + names_listed(second) == expected
    assert f'<option value="{sort}" selected>' in first.content.decode()
    # The pagination keeps the sort.
    assert f'href="?sort={sort}&amp;q=&amp;page=2" rel="next"' in first.content.decode()


def test_an_unknown_sort_falls_back_to_newest_first(world):
    folder = folder_at(world.a.company, ACHATS)
    documents = many_documents(folder, 5)

    response = browser(world.a.client).get(folder_url(folder), {"sort": "size; DROP TABLE"})

    assert response.status_code == 200
    assert names_listed(response) == [
        d.name for d in sorted(documents, key=lambda d: (d.deposited_at, d.pk), reverse=True)
    ]


def test_documents_are_searched_by_name(world):
    folder = folder_at(world.a.company, ACHATS)
    many_documents(folder, 120)
    deposit(folder, "Relevé bancaire janvier.pdf")
    client = browser(world.a.client)

    found = client.get(folder_url(folder), {"q": "facture 01", "sort": "name"})
    assert names_listed(found) == [f"Facture {n:03d}.pdf" for n in range(10, 20)]
    assert 'value="facture 01"' in found.content.decode()

    assert names_listed(client.get(folder_url(folder), {"q": "  relevé "})) == [
        "Relevé bancaire janvier.pdf"
    ]
    nothing = client.get(folder_url(folder), {"q": "zzz"})
    assert names_listed(nothing) == []
    assert "Aucun document ne correspond à « zzz »." in text_of(nothing)


def test_the_search_is_confined_to_the_folder(world):
    achats = folder_at(world.a.company, ACHATS)
    deposit(achats, "facture achats.pdf")
    deposit(folder_at(world.a.company, f"{ACHATS}/Fournisseurs"), "facture fournisseur.pdf")
    deposit(folder_at(world.a.other_company, ACHATS), "facture garage.pdf")

    response = browser(world.a.admin).get(folder_url(achats), {"q": "facture"})

    assert names_listed(response) == ["facture achats.pdf"]


@pytest.mark.parametrize("query", ["fac\x00ture", "\x00", "%", "_", "' OR 1=1 --", "é" * 500])
def test_a_strange_search_is_not_an_error(world, query):
    folder = folder_at(world.a.company, ACHATS)
    deposit(folder, "facture.pdf")

    response = browser(world.a.client).get(folder_url(folder), {"q": query})

    assert response.status_code == 200
    assert 'id="document-search"' in response.content.decode()


def test_a_search_with_a_nul_is_not_sent_back_in_the_page(world):
    folder = folder_at(world.a.company, ACHATS)
    deposit(folder, "facture.pdf")

    response = browser(world.a.client).get(folder_url(folder), {"q": "fac\x00ture"})

    assert response.status_code == 200
    assert "\x00" not in response.content.decode()


def test_a_search_with_a_nul_finds_the_name_without_it(world):
    # Like the companies' search: control characters are dropped from what was typed.
    folder = folder_at(world.a.company, ACHATS)
    deposit(folder, "facture.pdf")
    deposit(folder, "devis.pdf")

    response = browser(world.a.client).get(folder_url(folder), {"q": "fact\x00ure"})

    assert response.status_code == 200
    assert names_listed(response) == ["facture.pdf"]


# --- Query counts: a bigger folder, a deeper folder, a later page cost no more -----------------


def measured(client, path, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, data or {})
    assert response.status_code == 200
    return len(queries)


# The folder page's queries, pinned: the cabinet, the session, the user, the folder, the tree,
# its ancestors, its subfolders, the count and the page of documents (with the duplicates they
# point at); for staff, the connectors the cabinet installed (the toolbar's "Automatisations",
# which stops there when there is none, as here), what the page's documents that did not reach
# a partner say beside their status, and the top bar's unread notifications, « Envois à
# régler » and « Emails à valider » counts; for a client, their companies (the switcher).
# What the section costs with connectors and switches is pinned in
# tests/partner_apps/test_automation_pages.py.
FOLDER_PAGE_MAX_QUERIES = {"collaborator": 14, "client": 10}


@pytest.mark.parametrize("who", ["collaborator", "client"])
def test_the_folder_page_costs_the_same_at_page_1_and_page_3(
    world, who, django_assert_num_queries, django_assert_max_num_queries
):
    folder = folder_at(world.a.company, ACHATS)
    many_documents(folder, 160, duplicates=True)
    client = browser(getattr(world.a, who))
    client.get(folder_url(folder))

    reference = measured(client, folder_url(folder), {"page": 1})

    with django_assert_num_queries(reference):
        page = client.get(folder_url(folder), {"page": 3})
    assert len(document_rows(page)) == 50
    with django_assert_max_num_queries(FOLDER_PAGE_MAX_QUERIES[who]):
        client.get(folder_url(folder), {"page": 1, "sort": "name", "q": "facture"})


@pytest.mark.parametrize("who", ["collaborator", "client"])
def test_the_folder_page_costs_the_same_at_depth_1_and_depth_10(
    world, who, django_assert_num_queries, django_assert_max_num_queries
):
    path = "/".join(f"Niveau {n}" for n in range(11))
    deepest = folder_at(world.a.company, path)
    chain = [*Folder.objects.filter(company=world.a.company).order_by("depth")]
    shallow = chain[1]
    assert (shallow.depth, deepest.depth) == (1, 10)
    for folder in (shallow, deepest):
        many_documents(folder, 60, duplicates=True)
    client = browser(getattr(world.a, who))
    client.get(folder_url(shallow))

    reference = measured(client, folder_url(shallow))

    with django_assert_num_queries(reference):
        page = client.get(folder_url(deepest))
    assert len(document_rows(page)) == 50
    assert len(tree_of(page)) == 11
    with django_assert_max_num_queries(FOLDER_PAGE_MAX_QUERIES[who]):
        client.get(folder_url(deepest))


# --- The cabinet's default tree ("Arborescence type") ------------------------------------------

TEMPLATE_URL = "/reglages/arborescence/"


def test_an_admin_reads_the_default_tree(world):
    page = browser(world.a.admin).get(TEMPLATE_URL)

    text = text_of(page)
    assert page.status_code == 200
    assert "<h1>Arborescence type</h1>" in text
    textarea = re.search(
        r'<textarea[^>]*name="annual_subfolders"[^>]*>(.*?)</textarea>', text, re.S
    )
    assert textarea[1].strip().splitlines() == DEFAULT_ANNUAL_SUBFOLDERS


def test_an_admin_edits_the_default_tree(world):
    admin = browser(world.a.admin)

    response = admin.post(
        TEMPLATE_URL,
        {
            "annual_subfolders": "Achats\r\nVentes\r\n\r\nImmobilisations\r\n",
            "permanent_folders": "Administratif/Juridique\r\nSocial/Contrats de travail",
        },
        follow=True,
    )

    assert response.redirect_chain == [(TEMPLATE_URL, 302)]
    assert flashes(response, levels=True) == [("success", "Arborescence type enregistrée.")]
    template = FolderTemplate.objects.get(cabinet=world.a.cabinet)
    assert template.annual_subfolders == ["Achats", "Ventes", "Immobilisations"]
    assert template.permanent_folders == ["Administratif/Juridique", "Social/Contrats de travail"]
    assert "Immobilisations" in text_of(response)
    assert not FolderTemplate.objects.filter(cabinet=world.b.cabinet).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"annual_subfolders": "Achats\nVentes/2026", "permanent_folders": ""},
            "Ligne 2 : Le nom d'un dossier ne peut pas contenir « / » ni « \\ ».",
        ),
        (
            {"annual_subfolders": "Achats", "permanent_folders": "Administratif//Contrats"},
            "Ligne 1 : Donnez un nom au dossier.",
        ),
        (
            {"annual_subfolders": "Achats\n\nBanque\n" + "x" * 101, "permanent_folders": ""},
            "Ligne 4 : Nom trop long (100 caractères au plus).",
        ),
    ],
    ids=["slash", "empty level", "too long"],
)
def test_a_bad_line_of_the_default_tree_is_refused_in_french(world, data, message):
    response = browser(world.a.admin).post(TEMPLATE_URL, data)

    assert response.status_code == 400
    assert message in text_of(response)
    assert not FolderTemplate.objects.exists()


def test_the_default_tree_page_is_for_admins_only(world):
    assert browser(world.a.collaborator).get(TEMPLATE_URL).status_code == 403
    assert browser(world.a.client).get(TEMPLATE_URL).status_code == 404
    response = browser(world.a.collaborator).post(TEMPLATE_URL, {"annual_subfolders": "X"})
    assert response.status_code == 403
    assert browser(world.a.client).post(TEMPLATE_URL, {"annual_subfolders": "X"}).status_code == 404
    assert not FolderTemplate.objects.exists()
