"""What keeps a page of the portal from running what it should not, read where a browser reads
it: the headers of every answer, the markup of every page (every page of the URL configuration,
as staff and as a client, with real objects), and the downloads of files whose bytes are a page
or a picture with a script in it."""

from html.parser import HTMLParser

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ged.models import Document
from tests.conftest import api, browser
from tests.helpers.documents import folder_at
from tests.helpers.isolation import PAGES, ids_of, request_of
from tests.helpers.isolation import world as world  # the matrix's world, with a GED
from tests.helpers.isolation import world_of_the_module as world_of_the_module  # built once

pytestmark = pytest.mark.django_db

# The policy every page is served under: the portal's own scripts, styles, fonts and images
# (with data: and blob: images), nothing inline, no eval, no plugin, never in a frame.
POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:", "blob:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# The other headers of every answer (SecurityMiddleware and XFrameOptionsMiddleware).
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
# What a download says when a browser would render it anyway: no script, no request.
DOWNLOAD_POLICY = "default-src 'none'; sandbox"

HTML = b"<!doctype html><html><body><script>fetch('/api/v1/companies/')</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)


def policy_of(response) -> dict[str, list[str]]:
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: values for name, *values in directives if name}


class InlineCode(HTMLParser):
    """What a page carries inline that a strict policy refuses: script bodies, style elements
    and attributes, event-handler attributes, javascript: URLs."""

    def __init__(self, content: str):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_inline_script = False
        self.feed(content)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and "src" not in attrs:
            self._in_inline_script = True
        if tag == "style":
            self.found.append("<style>")
        for name, value in attrs.items():
            if name == "style" or name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False

    def handle_data(self, data):
        if self._in_inline_script and data.strip():
            self.found.append(f"<script>{data.strip()[:80]}</script>")


def assert_protected_page(response, what: str) -> None:
    assert response.status_code == 200, what
    assert response["Content-Type"].startswith("text/html"), what
    assert policy_of(response) == POLICY, what
    for name, value in HEADERS.items():
        assert response[name] == value, f"{what}: {name}"
    assert InlineCode(response.content.decode()).found == [], what


# --- Every page, as the people who use it ------------------------------------------------------


@pytest.mark.parametrize(("route", "role"), PAGES, ids=[f"{r}-{who}" for r, who in PAGES])
def test_every_page_is_served_under_the_policy_and_carries_nothing_inline(world, route, role):
    user = getattr(world.a, role)
    url, data = request_of(route, ids_of(route, world.a))

    response = browser(user).get(url, data, follow=True)

    assert_protected_page(response, f"{url} as {role}")


def test_the_pages_staff_and_clients_use_are_all_in_that_list():
    # The matrix's own names, so that the list above cannot silently shrink to nothing.
    pages = {(route.name, role) for route, role in PAGES}
    assert {("home", "client"), ("ged:folder", "client"), ("ged:document", "client")} <= pages
    assert {("tenancy:branding", "admin"), ("partner_apps:authorizations", "admin")} <= pages
    assert ("partner_apps:delivery-history", "client") not in pages  # a staff page


def test_the_public_pages_and_the_error_pages_are_served_under_the_policy(world):
    client = world.a.client
    uidb64 = urlsafe_base64_encode(force_bytes(client.pk))
    token = default_token_generator.make_token(client)
    for url in (
        reverse("tenancy:login"),
        reverse("tenancy:password-forgotten"),
        # The invitation's link: it redirects to the set-password form, which is served.
        reverse("tenancy:set-password", kwargs={"uidb64": uidb64, "token": token}),
    ):
        assert_protected_page(browser(cabinet=world.a.cabinet).get(url, follow=True), url)

    missing = browser(client).get("/nulle-part/")

    assert missing.status_code == 404
    assert policy_of(missing) == POLICY
    assert InlineCode(missing.content.decode()).found == []


def test_the_api_answers_under_the_same_headers(world):
    response = api(world.a.admin).get(reverse("api-company-list"))

    assert response.status_code == 200
    assert policy_of(response) == POLICY
    for name, value in HEADERS.items():
        assert response[name] == value, name


def test_the_api_docs_load_their_code_from_urls_under_the_policy(world):
    response = browser(world.a.admin).get(reverse("api-docs"))

    assert policy_of(response) == POLICY
    assert InlineCode(response.content.decode()).found == []


# --- Files whose bytes are a page ---------------------------------------------------------------


def upload(world, name: str, content: bytes) -> Document:
    """A client drops the file in their company's Achats folder, through the page's form."""
    folder = folder_at(world.a.company, "Dossier comptable annuel 2026/Achats")
    page = browser(world.a.client)
    response = page.post(
        reverse("ged:upload", kwargs={"folder_id": folder.pk}),
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201, response.content
    return Document.objects.get(folder=folder, name=name)


def downloads_of(world, document: Document):
    yield browser(world.a.client).get(
        reverse("ged:document-download", kwargs={"document_id": document.pk})
    )
    yield api(world.a.admin).get(
        reverse("api-document-download", kwargs={"document_id": document.pk})
    )


@pytest.mark.parametrize(
    ("name", "content", "sniffed"),
    [
        ("page.html", HTML, "text/html"),
        ("facture.pdf", HTML, "text/html"),
        ("logo.svg", SVG, "image/svg+xml"),
        ("scan.png", SVG, "image/svg+xml"),
    ],
    ids=["html", "html-named-pdf", "svg-with-script", "svg-named-png"],
)
def test_a_file_that_is_a_page_is_kept_but_only_ever_served_as_an_attachment(
    world, name, content, sniffed
):
    document = upload(world, name, content)

    assert document.content_type == sniffed
    for response in downloads_of(world, document):
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == content
        assert response["Content-Disposition"] == f'attachment; filename="{name}"'
        assert response["Content-Type"] == sniffed
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == DOWNLOAD_POLICY


def test_the_lock_page_is_served_under_the_policy(world, settings):
    settings.AXES_FAILURE_LIMIT = 2
    login = browser(cabinet=world.a.cabinet)
    for _ in range(2):
        login.post(reverse("tenancy:login"), {"username": "x@alpha.fr", "password": "faux"})

    locked = login.post(reverse("tenancy:login"), {"username": "x@alpha.fr", "password": "faux"})

    assert locked.status_code == 429
    assert "temporairement bloqué" in locked.content.decode()
    assert policy_of(locked) == POLICY
    assert InlineCode(locked.content.decode()).found == []
