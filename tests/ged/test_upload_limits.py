"""A document past DOCUMENT_MAX_MB is refused as soon as it passes it, with the deposit's words,
by every upload route (the folder page with and without script, the API, the admin): from the
request's Content-Length before a byte is read where the form holds one file, otherwise as its
bytes arrive, no more than DOCUMENT_MAX_MB of it ever written to disk. Nothing is stored."""

import pytest
from django.test import Client

from ged.models import Channel, Document
from tests.bodies import MEBIBYTE, unread
from tests.conftest import api, browser
from tests.factories import SuperuserFactory
from tests.ged.page_helpers import stored_files
from tests.helpers.documents import PDF, folder_at, upload
from tests.pages import flashes, text_of

pytestmark = pytest.mark.django_db

ACHATS = "Dossier comptable annuel 2026/Achats"
JSON = {"HTTP_ACCEPT": "application/json"}
TOO_LARGE = "Fichier trop volumineux (1 Mo maximum)"
# Past the 1 MiB limit, yet within the room the routes leave for the form around one file:
# refused by counting its bytes, not from the Content-Length.
JUST_PAST = PDF + bytes(MEBIBYTE + 10 * 1024 - len(PDF))
# A whole form over what a route takes, refused from its Content-Length.
FAR_PAST = 5 * MEBIBYTE


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.DOCUMENT_MAX_MB = 1
    settings.UPLOAD_MAX_REQUEST_MB = 3


@pytest.fixture
def achats(world):
    return folder_at(world.a.company, ACHATS)


def upload_url(folder) -> str:
    return f"/ged/dossiers/{folder.pk}/deposer/"


def api_url(folder) -> str:
    return f"/api/v1/folders/{folder.pk}/documents/"


def assert_nothing_kept(spool) -> None:
    assert Document.objects.count() == 0
    assert stored_files() == []
    assert spool.largest <= MEBIBYTE


# --- The folder page, with its script (one file per request, JSON) -------------------------------


def test_the_script_is_refused_a_file_too_large_from_its_length_before_it_is_read(
    world, achats, spool
):
    response = browser(world.a.client).post(
        upload_url(achats), **JSON, **unread(FAR_PAST, "multipart/form-data; boundary=x")
    )

    assert response.status_code == 413
    assert response.json() == {"documents": [], "errors": [{"name": "", "message": TOO_LARGE}]}
    assert spool.files == []
    assert_nothing_kept(spool)


def test_the_script_is_refused_a_file_just_past_the_limit_once_it_passes_it(world, achats, spool):
    response = browser(world.a.client).post(
        upload_url(achats), {"file": upload("scan.pdf", JUST_PAST)}, **JSON
    )

    assert response.status_code == 400
    assert response.json() == {
        "documents": [],
        "errors": [{"name": "scan.pdf", "message": TOO_LARGE}],
    }
    assert len(spool.files) == 1
    assert_nothing_kept(spool)


def test_a_file_of_exactly_the_limit_is_still_deposited(world, achats, spool):
    content = PDF + bytes(MEBIBYTE - len(PDF))

    response = browser(world.a.client).post(
        upload_url(achats), {"file": upload("limite.pdf", content)}, **JSON
    )

    assert response.status_code == 201
    assert Document.objects.get().size == MEBIBYTE
    assert spool.sizes == [MEBIBYTE]


# --- The folder page without script (every file in one request) ----------------------------------


def test_without_script_each_file_is_counted_on_its_own(world, achats, spool):
    client = browser(world.a.client)

    response = client.post(
        upload_url(achats),
        {
            "file": [
                upload("janvier.pdf", PDF + b"1"),
                upload("scan.pdf", JUST_PAST),
                upload("fevrier.pdf", PDF + b"2"),
            ]
        },
        follow=True,
    )

    assert flashes(response, levels=True) == [
        ("success", "« janvier.pdf » déposé."),
        ("success", "« fevrier.pdf » déposé."),
        ("error", f"scan.pdf : {TOO_LARGE}"),
    ]
    assert sorted(Document.objects.values_list("name", flat=True)) == [
        "fevrier.pdf",
        "janvier.pdf",
    ]
    assert len(spool.files) == 3
    assert spool.largest <= MEBIBYTE


def test_without_script_a_form_over_its_cap_is_refused_in_french_before_it_is_read(
    world, achats, spool
):
    response = browser(world.a.client).post(
        upload_url(achats), **unread(FAR_PAST, "multipart/form-data; boundary=x")
    )

    assert response.status_code == 413
    assert (
        "Envoi trop volumineux : 3 Mo au plus en une fois, 1 Mo par fichier. "
        "Déposez vos fichiers en plusieurs fois."
    ) in text_of(response)
    assert_nothing_kept(spool)


def test_the_form_without_script_may_weigh_more_than_one_file(world, achats, spool):
    """Two files of nearly 1 Mo each: more than the script's one file, within the form's cap."""
    files = [upload(f"{n}.pdf", PDF + bytes(MEBIBYTE - len(PDF) - n)) for n in (1, 2)]

    response = browser(world.a.client).post(upload_url(achats), {"file": files})

    assert response.status_code == 302
    assert Document.objects.count() == 2


# --- The API -----------------------------------------------------------------------------------


def test_the_api_is_refused_a_file_too_large_from_its_length_before_it_is_read(
    world, achats, spool
):
    response = api(world.a.client).post(
        api_url(achats), **unread(FAR_PAST, "multipart/form-data; boundary=x")
    )

    assert response.status_code == 413
    assert response.json() == {"file": [TOO_LARGE]}
    assert_nothing_kept(spool)


def test_the_api_refuses_a_file_just_past_the_limit_with_a_field_error(world, achats, spool):
    response = api(world.a.client).post(api_url(achats), {"file": upload("scan.pdf", JUST_PAST)})

    assert response.status_code == 400
    assert response.json() == {"file": [TOO_LARGE]}
    assert_nothing_kept(spool)


def test_the_api_from_a_browser_session_is_refused_alike(world, achats, spool):
    client = browser(world.a.client, enforce_csrf_checks=True)
    client.get(f"/ged/dossiers/{achats.pk}/")
    token = client.cookies["csrftoken"].value

    response = client.post(
        api_url(achats), {"file": upload("scan.pdf", JUST_PAST)}, HTTP_X_CSRFTOKEN=token
    )

    assert response.status_code == 400
    assert response.json() == {"file": [TOO_LARGE]}
    assert_nothing_kept(spool)


def test_only_a_multipart_form_may_weigh_a_document(world, achats, spool):
    """JSON is read whole in memory: on the upload route too, it keeps the default 2.5 Mo."""
    response = api(world.a.client).post(api_url(achats), **unread(2 * MEBIBYTE + MEBIBYTE))

    assert response.status_code == 413
    assert response.json() == {"detail": "Requête trop volumineuse (2,5 Mo maximum)."}


# --- The admin (platform support) --------------------------------------------------------------


def admin_add(client: Client, folder, file=None, **extra):
    data = {"folder": folder.pk, "_save": "1"}
    if file is not None:
        data["upload"] = file
    return client.post("/admin/ged/document/add/", data, **extra)


@pytest.fixture
def support():
    client = Client(HTTP_HOST="localhost")
    client.force_login(SuperuserFactory())
    return client


def test_support_deposits_a_document_through_the_admin(achats, support):
    response = admin_add(support, achats, upload("facture.pdf"))

    assert response.status_code == 302
    assert Document.objects.get().channel == Channel.ADMIN


def test_the_admin_is_refused_a_file_too_large_from_its_length_before_it_is_read(
    achats, support, spool
):
    response = support.post(
        "/admin/ged/document/add/", **unread(FAR_PAST, "multipart/form-data; boundary=x")
    )

    assert response.status_code == 413
    assert TOO_LARGE in text_of(response)
    assert_nothing_kept(spool)


def test_the_admin_says_a_file_just_past_the_limit_is_too_large(achats, support, spool):
    response = admin_add(support, achats, upload("scan.pdf", JUST_PAST))

    assert response.status_code == 200
    assert TOO_LARGE in text_of(response)
    assert "Ce champ est obligatoire" not in text_of(response)
    assert_nothing_kept(spool)
