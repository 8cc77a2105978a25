"""Cabinet admins choose their colours and logo on the "Personnalisation" page."""

import html
import io
import os
import re
import struct
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.conftest import browser, host_of
from tests.pages import readable, text_of
from welyb_portal.tenancy.models import AuditEntry, Cabinet

pytestmark = pytest.mark.django_db

PAGE = "/reglages/personnalisation/"
BAD_COLOR = "Couleur attendue au format #RRGGBB, par exemple #1f4e79."
NOT_AN_IMAGE = "Ce fichier n'est pas une image PNG, JPEG ou WebP."
TOO_BIG = "Logo trop volumineux (1 Mo maximum)."
TOO_LARGE = "Image trop grande (4000 × 4000 pixels maximum)."
SAVED = "Personnalisation enregistrée."
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert("logo")</script><rect width="10" height="10" fill="red"/></svg>'
)


def form_errors(response) -> list[str]:
    return [
        readable(html.unescape(item))
        for block in re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', response.text, re.S)
        for item in re.findall(r"<li>(.*?)</li>", block, re.S)
    ]


def image_bytes(image_format: str = "PNG", size=(40, 20), color=(31, 78, 121)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=image_format)
    return buffer.getvalue()


def noisy_png_over_one_megabyte() -> bytes:
    """A real PNG that does not compress: random pixels."""
    side = 700
    image = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    data = buffer.getvalue()
    assert len(data) > 1024 * 1024
    return data


def upload(name: str, data: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def colours_of(cabinet: Cabinet) -> dict:
    return {"primary_color": cabinet.primary_color, "accent_color": cabinet.accent_color}


def save_branding(client: Client, cabinet: Cabinet, **changes):
    """Sends the form as the page would: the current colours unless changed."""
    cabinet.refresh_from_db()
    return client.post(PAGE, {**colours_of(cabinet), **changes})


def served_logo(cabinet: Cabinet):
    response = Client(HTTP_HOST=host_of(cabinet)).get("/logo")
    if response.status_code != 200:
        return response, None
    # Reading the stream to its end closes the file (the test client closes the response).
    return response, b"".join(response.streaming_content)


def theme_of(cabinet: Cabinet) -> str:
    return Client(HTTP_HOST=host_of(cabinet)).get("/theme.css").text


# --- Who reaches the page ----------------------------------------------------------------------


def test_admin_sees_the_page_with_its_live_preview(world):
    response = browser(world.a.admin).get(PAGE)

    assert response.status_code == 200
    assert "<h1>Personnalisation</h1>" in response.text
    assert 'id="brand-preview"' in response.text
    assert '<script src="/static/js/branding.js" defer></script>' in response.text
    assert 'id="branding-form"' in response.text
    assert 'value="#1f4e79"' in response.text


def test_the_preview_script_is_served(world):
    script = Client(HTTP_HOST=host_of(world.a.cabinet)).get("/static/js/branding.js")

    assert script.status_code == 200
    content = b"".join(script.streaming_content).decode()
    assert "brand-preview" in content
    assert "--brand-primary" in content


def test_a_collaborator_is_refused_with_403(world):
    before = colours_of(world.a.cabinet)

    page = browser(world.a.collaborator).get(PAGE)
    post = browser(world.a.collaborator).post(
        PAGE, {"primary_color": "#000000", "accent_color": "#000000"}
    )

    assert page.status_code == post.status_code == 403
    assert "Accès refusé" in text_of(page)
    world.a.cabinet.refresh_from_db()
    assert colours_of(world.a.cabinet) == before


def test_a_client_gets_404(world):
    before = colours_of(world.a.cabinet)

    page = browser(world.a.client).get(PAGE)
    post = browser(world.a.client).post(
        PAGE, {"primary_color": "#000000", "accent_color": "#000000"}
    )

    assert page.status_code == post.status_code == 404
    assert "Page introuvable" in text_of(page)
    world.a.cabinet.refresh_from_db()
    assert colours_of(world.a.cabinet) == before


def test_an_admin_of_the_other_cabinet_is_sent_to_login(world):
    client = browser(world.b.admin, cabinet=world.a.cabinet)

    page = client.get(PAGE)
    post = client.post(PAGE, {"primary_color": "#000000", "accent_color": "#000000"})

    for response in (page, post):
        assert response.status_code == 302
        assert response.url.startswith("/connexion/?next=")
    world.a.cabinet.refresh_from_db()
    assert world.a.cabinet.primary_color == "#1f4e79"


# --- Colours -----------------------------------------------------------------------------------


def test_saved_colours_change_the_theme_of_that_cabinet_only(world):
    admin = browser(world.a.admin)
    beta_theme = theme_of(world.b.cabinet)

    response = admin.post(PAGE, {"primary_color": "#112233", "accent_color": "#FFCC00"})

    assert response.status_code == 302
    assert SAVED in text_of(admin.get(response.url))
    theme = theme_of(world.a.cabinet)
    assert "--brand-primary: #112233;" in theme
    assert "--brand-on-primary: #ffffff;" in theme
    assert "--brand-accent: #ffcc00;" in theme
    assert "--brand-on-accent: #1b1f24;" in theme
    assert theme_of(world.b.cabinet) == beta_theme
    assert "#112233" not in beta_theme


def test_branding_change_is_audited_with_old_and_new_colours(world):
    browser(world.a.admin).post(PAGE, {"primary_color": "#112233", "accent_color": "#445566"})

    entry = AuditEntry.objects.get(action="branding.changed")
    assert entry.cabinet == world.a.cabinet
    assert entry.actor == world.a.admin
    assert entry.actor_email == world.a.admin.email
    assert entry.data["old"]["primary_color"] == "#1f4e79"
    assert entry.data["old"]["accent_color"] == "#e39b17"
    assert entry.data["new"]["primary_color"] == "#112233"
    assert entry.data["new"]["accent_color"] == "#445566"


def test_saving_unchanged_colours_writes_no_audit_entry(world):
    save_branding(browser(world.a.admin), world.a.cabinet)

    assert not AuditEntry.objects.filter(action="branding.changed").exists()


@pytest.mark.parametrize("bad", ["red", "#12345", "#12345g;}", "#1122334", ""])
@pytest.mark.parametrize("field", ["primary_color", "accent_color"])
def test_an_invalid_colour_is_refused_in_french_and_nothing_changes(world, field, bad):
    theme_before = theme_of(world.a.cabinet)
    good = {"primary_color": "#112233", "accent_color": "#445566"}

    response = browser(world.a.admin).post(PAGE, {**good, field: bad})

    assert response.status_code == 400
    expected = "Ce champ est obligatoire." if bad == "" else BAD_COLOR
    assert form_errors(response) == [expected]
    world.a.cabinet.refresh_from_db()
    assert colours_of(world.a.cabinet) == {"primary_color": "#1f4e79", "accent_color": "#e39b17"}
    assert theme_of(world.a.cabinet) == theme_before
    assert not AuditEntry.objects.exists()


def test_a_colour_that_tries_to_escape_the_stylesheet_never_reaches_it(world):
    response = browser(world.a.admin).post(
        PAGE, {"primary_color": "#123456;} body{display:none", "accent_color": "#445566"}
    )

    assert form_errors(response) == [BAD_COLOR]
    theme = theme_of(world.a.cabinet)
    assert "display:none" not in theme
    assert theme.count("{") == theme.count("}") == 1


# --- Logo --------------------------------------------------------------------------------------


def add_logo(world, data: bytes | None = None, name: str = "logo.png") -> bytes:
    data = data or image_bytes()
    response = save_branding(browser(world.a.admin), world.a.cabinet, logo=upload(name, data))
    assert response.status_code == 302, form_errors(response)
    return data


def test_an_uploaded_png_logo_is_served_to_anonymous_visitors_of_its_host(world):
    data = image_bytes()

    response = save_branding(
        browser(world.a.admin), world.a.cabinet, logo=upload("mon logo.png", data)
    )

    assert response.status_code == 302
    logo, served = served_logo(world.a.cabinet)
    assert logo.status_code == 200
    assert logo["Content-Type"] == "image/png"
    assert logo["X-Content-Type-Options"] == "nosniff"
    assert served == data
    assert served_logo(world.b.cabinet)[0].status_code == 404
    world.a.cabinet.refresh_from_db()
    assert [p.name for p in stored_files()] == [Path(world.a.cabinet.logo.name).name]


def test_the_logo_is_shown_on_every_page_including_the_login_page(world):
    add_logo(world)
    logo_img = re.compile(r'<img[^>]+src="/logo\?v=\d+"')
    pages = [
        Client(HTTP_HOST=host_of(world.a.cabinet)).get("/connexion/"),
        Client(HTTP_HOST=host_of(world.a.cabinet)).get("/mot-de-passe/oublie/"),
        browser(world.a.client).get("/"),
        browser(world.a.collaborator).get("/reglages/entreprises/"),
        browser(world.a.admin).get(PAGE),
        browser(world.a.client).get("/reglages/entreprises/"),  # its 404 page
    ]

    for page in pages:
        assert logo_img.search(page.text), page.request["PATH_INFO"]
    # The other cabinet's pages show no logo.
    assert "/logo?v=" not in Client(HTTP_HOST=host_of(world.b.cabinet)).get("/connexion/").text


def test_a_jpeg_logo_is_served_as_jpeg(world):
    data = add_logo(world, image_bytes("JPEG"), name="logo.jpeg")

    logo, served = served_logo(world.a.cabinet)

    assert logo["Content-Type"] == "image/jpeg"
    assert served == data


@pytest.mark.parametrize(
    ("name", "make_data", "content_type", "error"),
    [
        ("logo.svg", lambda: SVG, "image/svg+xml", NOT_AN_IMAGE),
        ("logo.png", lambda: SVG, "image/png", NOT_AN_IMAGE),
        ("logo.png", lambda: b"Ceci n'est pas une image.\n" * 10, "image/png", NOT_AN_IMAGE),
        ("logo.gif", lambda: image_bytes("GIF"), "image/gif", NOT_AN_IMAGE),
        ("logo.png", noisy_png_over_one_megabyte, "image/png", TOO_BIG),
        # Django refuses an empty file itself, in French too.
        ("logo.png", lambda: b"", "image/png", "Le fichier soumis est vide."),
    ],
    ids=["svg", "svg-named-png", "text-named-png", "gif", "over-one-megabyte", "empty-file"],
)
def test_a_refused_logo_stores_nothing_and_the_old_logo_stays(
    world, name, make_data, content_type, error
):
    old = add_logo(world)
    files_before = stored_files()
    world.a.cabinet.refresh_from_db()
    logo_before = world.a.cabinet.logo.name
    entries_before = AuditEntry.objects.count()
    data = make_data()

    response = save_branding(
        browser(world.a.admin), world.a.cabinet, logo=upload(name, data, content_type)
    )

    assert response.status_code == 400
    assert form_errors(response) == [error]
    assert stored_files() == files_before
    world.a.cabinet.refresh_from_db()
    assert world.a.cabinet.logo.name == logo_before
    assert served_logo(world.a.cabinet)[1] == old
    assert AuditEntry.objects.count() == entries_before


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG file that declares a huge image (a "decompression bomb")."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_a_logo_declaring_gigantic_dimensions_is_refused_in_french(world):
    # 65 bytes on disk, 400 million pixels once decoded by every visitor's browser.
    old = add_logo(world)
    files_before = stored_files()

    response = save_branding(
        browser(world.a.admin),
        world.a.cabinet,
        logo=upload("logo.png", png_header_only(20_000, 20_000)),
    )

    assert response.status_code == 400
    assert form_errors(response) == [TOO_LARGE]
    assert stored_files() == files_before
    assert served_logo(world.a.cabinet)[1] == old


def test_a_refused_first_logo_stores_nothing(world):
    response = save_branding(
        browser(world.a.admin), world.a.cabinet, logo=upload("logo.png", SVG, "image/png")
    )

    assert response.status_code == 400
    assert form_errors(response) == [NOT_AN_IMAGE]
    assert stored_files() == []
    world.a.cabinet.refresh_from_db()
    assert not world.a.cabinet.logo
    assert served_logo(world.a.cabinet)[0].status_code == 404


def test_a_refused_logo_with_a_good_colour_changes_no_colour_either(world):
    response = save_branding(
        browser(world.a.admin),
        world.a.cabinet,
        primary_color="#112233",
        logo=upload("logo.png", b"pas une image", "image/png"),
    )

    assert response.status_code == 400
    world.a.cabinet.refresh_from_db()
    assert world.a.cabinet.primary_color == "#1f4e79"


def test_a_new_logo_replaces_the_old_one_in_storage(world, django_capture_on_commit_callbacks):
    add_logo(world, image_bytes(color=(0, 0, 0)))
    new = image_bytes(color=(255, 255, 255))

    with django_capture_on_commit_callbacks(execute=True):
        add_logo(world, new)

    assert served_logo(world.a.cabinet)[1] == new
    world.a.cabinet.refresh_from_db()
    assert [p.name for p in stored_files()] == [Path(world.a.cabinet.logo.name).name]


def test_admin_removes_the_logo(world, django_capture_on_commit_callbacks):
    add_logo(world)
    world.a.cabinet.refresh_from_db()
    old_name = world.a.cabinet.logo.name
    admin = browser(world.a.admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = save_branding(admin, world.a.cabinet, remove_logo="on")

    assert response.status_code == 302
    world.a.cabinet.refresh_from_db()
    assert not world.a.cabinet.logo
    assert served_logo(world.a.cabinet)[0].status_code == 404
    assert "/logo?v=" not in Client(HTTP_HOST=host_of(world.a.cabinet)).get("/connexion/").text
    assert "/logo?v=" not in admin.get("/").text
    assert stored_files() == []
    entry = AuditEntry.objects.filter(action="branding.changed").latest("id")
    assert entry.data["old"]["logo"] == old_name
    assert entry.data["new"]["logo"] == ""


def test_logo_upload_is_audited(world):
    add_logo(world)

    world.a.cabinet.refresh_from_db()
    entry = AuditEntry.objects.get(action="branding.changed")
    assert entry.data["old"]["logo"] == ""
    assert entry.data["new"]["logo"] == world.a.cabinet.logo.name
    assert entry.data["new"]["primary_color"] == entry.data["old"]["primary_color"]
