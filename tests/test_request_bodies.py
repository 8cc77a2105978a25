"""What the portal reads of a request's body: 2.5 Mo on every route, refused from the
Content-Length before a byte is read (413, a French page or the API's JSON, one line in the log);
more only where a route says so, for whom it trusts (the GED's deposits, tested in
tests/ged/test_upload_limits.py; the email services' inbound webhooks); and never a file written
for a visitor without a session.

The attacks seen: an anonymous 44 MiB JSON posted to the API's token endpoint grew a web process
by 263 MiB; an anonymous deposit of 200 MiB with a CSRF cookie was written to a temporary file
before the CSRF check refused it."""

import base64
import json
import logging
import re
from io import BytesIO

import pytest
from django.conf import global_settings
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test import Client

from tests.bodies import DEFAULT_MAX_BYTES, MEBIBYTE, multipart, unread
from tests.conftest import api, basic, browser, host_of, world_built_once, world_of_two_cabinets
from tests.helpers.documents import PDF, folder_at, upload
from tests.helpers.isolation import url_routes
from tests.pages import text_of
from welyb_portal.tenancy.upload_handlers import form_in_memory

pytestmark = pytest.mark.django_db
# The conftest's two cabinets, built once for the module's 540 tests.
world_of_the_module, world = world_built_once(world_of_two_cabinets)

TOO_LARGE = "Requête trop volumineuse (2,5 Mo maximum)."
PAGE_TITLE = "Envoi trop volumineux"
LOGGER = "welyb_portal.tenancy.request_bodies"
SECRET = "user:pass"
CSRF = "a" * 32  # a CSRF secret of the right shape: cookie and form agree
ROUTES = url_routes()
PLATFORM_PREFIXES = ("admin/", "anymail/")


def concrete_path(route) -> str:
    """A path the route matches: 1 for each parameter, a regex's first choice."""
    path = re.sub(r"\(\?P<\w+>([^)|]*)[^)]*\)", r"\1", route.path)
    path = re.sub(r"\([^)]*\)\?", "", path)
    path = re.sub(r"<(?:\w+:)?\w+>", "1", path)
    return "/" + path.replace("^", "").replace("$", "").replace(".*", "x")


def anonymous(route, **kwargs) -> Client:
    host = "localhost" if route.path.startswith(PLATFORM_PREFIXES) else "alpha.localhost"
    return Client(HTTP_HOST=host, **kwargs)


def refusal_lines(caplog) -> list[str]:
    """What the log says of the request, at warning level or above."""
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.WARNING]


def assert_refused_in_french(response) -> None:
    assert response.status_code == 413
    if response.wsgi_request.path.startswith("/api/"):
        assert response.json() == {"detail": TOO_LARGE}
    else:
        page = text_of(response)
        assert PAGE_TITLE in page
        assert TOO_LARGE in page


# --- Every route, for a visitor without a session ----------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_route_reads_an_anonymous_body_past_2_5_mo(world, route, caplog):
    path = concrete_path(route)

    response = anonymous(route).post(path, **unread(DEFAULT_MAX_BYTES + 1))

    assert_refused_in_french(response)
    assert refusal_lines(caplog) == [
        f"Body refused: POST {path} on {response.wsgi_request.get_host()}, a body of "
        f"{DEFAULT_MAX_BYTES + 1} bytes; {DEFAULT_MAX_BYTES} bytes at most here"
    ]


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_route_writes_an_anonymous_file_to_disk(world, route, spool):
    """A form with a file and the CSRF pair a visitor's browser holds: the CSRF check reads the
    form (every form view reads it too), and not a byte of its file reaches the disk."""
    client = anonymous(route, enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF
    body, content_type = multipart(
        {"csrfmiddlewaretoken": CSRF, "username": "inconnu@exemple.fr", "password": "x"},
        {"file": ("facture.pdf", PDF * 1000)},
    )

    response = client.post(concrete_path(route), body, content_type=content_type)

    assert response.status_code < 500
    assert spool.files == []


def test_an_anonymous_44_mib_json_to_the_token_endpoint_is_refused_unread(world):
    response = Client(HTTP_HOST=host_of(world.a.cabinet)).post(
        "/api/v1/auth/token/", **unread(44 * MEBIBYTE)
    )

    assert response.status_code == 413
    assert response.json() == {"detail": TOO_LARGE}


def test_an_anonymous_deposit_with_a_csrf_cookie_is_refused_before_the_check_reads_it(world, spool):
    achats = folder_at(world.a.company, "Achats")
    client = Client(HTTP_HOST=host_of(world.a.cabinet), enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF

    response = client.post(
        f"/ged/dossiers/{achats.pk}/deposer/",
        **unread(200 * MEBIBYTE, "multipart/form-data; boundary=x"),
    )

    assert_refused_in_french(response)
    assert spool.files == []


def test_a_small_anonymous_form_with_a_file_still_meets_the_csrf_check_and_writes_nothing(
    world, spool
):
    client = Client(HTTP_HOST=host_of(world.a.cabinet), enforce_csrf_checks=True)
    client.cookies["csrftoken"] = CSRF
    body, content_type = multipart(
        {"csrfmiddlewaretoken": "b" * 32, "username": "client@alpha.fr", "password": "x"},
        {"file": ("facture.pdf", PDF * 1000)},
    )

    response = client.post("/connexion/", body, content_type=content_type)

    assert response.status_code == 403
    assert "Formulaire expiré" in text_of(response)
    assert spool.files == []


# --- Signed-in users, away from the deposits ---------------------------------------------------


def test_a_signed_in_form_past_2_5_mo_on_an_ordinary_page_is_refused_unread(world):
    response = browser(world.a.admin).post(
        f"/ged/entreprises/{world.a.company.pk}/dossiers/",
        **unread(3 * MEBIBYTE, "application/x-www-form-urlencoded"),
    )

    assert_refused_in_french(response)


def test_a_token_holders_json_past_2_5_mo_is_refused_unread(world):
    achats = folder_at(world.a.company, "Achats")

    response = api(world.a.admin).post(
        f"/api/v1/companies/{world.a.company.pk}/folders/", **unread(3 * MEBIBYTE)
    )

    assert_refused_in_french(response)
    assert achats.children.count() == 0


@pytest.mark.parametrize("where", ["page", "api"])
def test_form_fields_past_2_5_mo_beside_a_document_are_a_413_too(world, where, caplog, spool):
    """Files may weigh DOCUMENT_MAX_MB on the deposit routes, their fields no more than any
    form's: Django stops reading them at 2.5 Mo, and the answer is the same 413."""
    achats = folder_at(world.a.company, "Achats")
    data = {"file": upload("facture.pdf"), "note": "x" * (DEFAULT_MAX_BYTES + 1)}
    if where == "page":
        response = browser(world.a.client).post(f"/ged/dossiers/{achats.pk}/deposer/", data)
    else:
        response = api(world.a.client).post(f"/api/v1/folders/{achats.pk}/documents/", data)

    assert_refused_in_french(response)
    [line] = refusal_lines(caplog)
    assert line.startswith(f"Body refused: POST {response.wsgi_request.path} ")
    assert "form fields past their cap" in line
    assert achats.documents.count() == 0


def test_the_default_read_is_djangos_own():
    from django.conf import settings

    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == global_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert DEFAULT_MAX_BYTES == global_settings.DATA_UPLOAD_MAX_MEMORY_SIZE


# --- The email services' webhooks --------------------------------------------------------------


@pytest.fixture
def webhooks(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def test_an_inbound_email_past_2_5_mo_is_read_for_the_service_that_knows_the_secret(
    world, webhooks
):
    """A 3 Mo body, not JSON: read whole, then recorded as unreadable (200)."""
    body = b"{" + b" " * (3 * MEBIBYTE)

    response = Client(HTTP_HOST="localhost").post(
        "/anymail/postmark/inbound/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=basic(SECRET),
    )

    assert response.status_code == 200
    assert response.content == b"unreadable, recorded"


@pytest.mark.parametrize("credentials", [None, "user:wrong"])
def test_an_inbound_body_past_2_5_mo_from_a_stranger_is_refused_unread(
    world, webhooks, credentials
):
    headers = {"HTTP_AUTHORIZATION": basic(credentials)} if credentials else {}

    response = Client(HTTP_HOST="localhost").post(
        "/anymail/postmark/inbound/", **unread(3 * MEBIBYTE), **headers
    )

    assert_refused_in_french(response)


def test_an_inbound_email_past_inbound_max_body_mb_is_refused_unread(world, webhooks, settings):
    settings.INBOUND_MAX_BODY_MB = 4

    response = Client(HTTP_HOST="localhost").post(
        "/anymail/mailgun/inbound/",
        HTTP_AUTHORIZATION=basic(SECRET),
        **unread(4 * MEBIBYTE + 1, "multipart/form-data; boundary=x"),
    )

    assert response.status_code == 413
    assert "Requête trop volumineuse (4 Mo maximum)." in text_of(response)


def test_a_tracking_event_keeps_the_default_read(world, webhooks):
    response = Client(HTTP_HOST="localhost").post(
        "/anymail/postmark/tracking/", HTTP_AUTHORIZATION=basic(SECRET), **unread(3 * MEBIBYTE)
    )

    assert_refused_in_french(response)


def test_the_webhooks_read_a_form_as_django_does_with_fields_as_large_as_the_body():
    """Mailgun posts a whole email in one field (body-mime); Django caps a field at 2.5 Mo."""
    body, content_type = multipart(
        {"recipient": "achats@depot.welyb.fr", "subject": "Facture été", "token": "t1"},
        {"attachment-1": ("Relevé.pdf", PDF), "attachment-2": ("logo.png", b"\x89PNG")},
    )
    boundary = content_type.split("boundary=")[1].encode()
    meta = {"CONTENT_TYPE": content_type, "CONTENT_LENGTH": str(len(body))}
    django_post, django_files = MultiPartParser(
        meta, BytesIO(body), [MemoryFileUploadHandler()], "utf-8"
    ).parse()

    post, files = form_in_memory(BytesIO(body), boundary, "utf-8")

    assert list(post.lists()) == list(django_post.lists())
    assert [(name, [(f.name, f.read()) for f in fs]) for name, fs in files.lists()] == [
        (name, [(f.name, f.read()) for f in fs]) for name, fs in django_files.lists()
    ]
    big_body, big_type = multipart({"body-mime": "x" * (3 * MEBIBYTE)}, {})
    big_boundary = big_type.split("boundary=")[1].encode()
    big_post, _files = form_in_memory(BytesIO(big_body), big_boundary, "utf-8")
    assert len(big_post["body-mime"]) == 3 * MEBIBYTE


def test_a_base64_field_of_a_webhook_form_is_decoded_as_django_decodes_it():
    boundary = "b0undary"
    encoded = base64.b64encode(json.dumps({"é": 1}).encode()).decode()
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="headers"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n--{boundary}--\r\n"
    ).encode()

    post, _files = form_in_memory(BytesIO(body), boundary.encode(), "utf-8")

    assert json.loads(post["headers"]) == {"é": 1}
