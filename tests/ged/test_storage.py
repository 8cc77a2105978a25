"""Stored files are private: local files or an S3 bucket with a private ACL, downloaded only
through the permission-checked view (streamed, or redirected to a short-lived signed URL), and
never through a public media URL."""

import hashlib
import json
import os
import random
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.static import serve

from ged.sniffing import inert_content_type
from tests.conftest import api, browser
from tests.helpers.documents import PDF, PNG, deposit, folder_at

PROJECT_DIR = Path(__file__).resolve().parents[2]

FAKE_S3_OPTIONS = {
    "bucket_name": "cabinet-ged",
    "access_key": "AKIAFAKEFORTESTS",
    "secret_key": "not-a-real-secret",
    "region_name": "eu-west-3",
    "default_acl": "private",
    "file_overwrite": False,
    "querystring_auth": True,
    "querystring_expire": 300,
}


@pytest.fixture
def achats(world):
    return folder_at(world.a.company, "Dossier comptable annuel 2026/Achats")


def download_url(document) -> str:
    return reverse("ged:document-download", args=[document.pk])


def signed_query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


# --- S3, as the settings build it from the environment --------------------------------------------

S3_SETTINGS = """
import json
import django
django.setup()
from django.conf import settings
from django.core.files.storage import storages
storage = storages["default"]
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "class": f"{type(storage).__module__}.{type(storage).__qualname__}",
    "bucket_name": storage.bucket_name,
    "default_acl": storage.default_acl,
    "file_overwrite": storage.file_overwrite,
    "querystring_auth": storage.querystring_auth,
    "querystring_expire": storage.querystring_expire,
    "write_acl": storage._get_write_parameters("documents/7/0123abcd").get("ACL"),
    "download_redirect": settings.DOCUMENT_DOWNLOAD_REDIRECT,
    "url": storage.url(
        "documents/7/0123abcd",
        parameters={"ResponseContentDisposition": 'attachment; filename="facture.pdf"'},
    ),
}))
"""


def settings_in_a_fresh_process(tmp_path, **variables: str) -> dict:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_")
        and name not in {"DATABASE_URL", "REDIS_URL", "PRODUCTION", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="welyb_portal.settings",
        VAR_DIR=str(tmp_path),
        AWS_EC2_METADATA_DISABLED="true",  # presigning must never reach for the network
        **variables,
    )
    result = subprocess.run(
        [sys.executable, "-c", S3_SETTINGS],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_with_a_bucket_name_the_documents_go_to_a_private_bucket_that_never_overwrites(tmp_path):
    s3 = settings_in_a_fresh_process(
        tmp_path,
        AWS_STORAGE_BUCKET_NAME="cabinet-ged",
        AWS_ACCESS_KEY_ID="AKIAFAKEFORTESTS",
        AWS_SECRET_ACCESS_KEY="not-a-real-secret",
    )

    assert s3["backend"] == "storages.backends.s3.S3Storage"
    assert s3["class"] == "storages.backends.s3.S3Storage"
    assert s3["bucket_name"] == "cabinet-ged"
    assert s3["default_acl"] == "private"
    assert s3["write_acl"] == "private"
    assert s3["file_overwrite"] is False
    assert s3["querystring_auth"] is True
    assert s3["querystring_expire"] == 300
    assert s3["download_redirect"] is True


def test_with_a_bucket_name_file_urls_are_signed_and_short_lived(tmp_path):
    s3 = settings_in_a_fresh_process(
        tmp_path,
        AWS_STORAGE_BUCKET_NAME="cabinet-ged",
        AWS_ACCESS_KEY_ID="AKIAFAKEFORTESTS",
        AWS_SECRET_ACCESS_KEY="not-a-real-secret",
        AWS_QUERYSTRING_EXPIRE="120",
    )

    query = signed_query(s3["url"])
    assert "cabinet-ged" in urlsplit(s3["url"]).netloc + urlsplit(s3["url"]).path
    assert "Signature" in query or "X-Amz-Signature" in query
    assert query["response-content-disposition"] == 'attachment; filename="facture.pdf"'
    assert s3["querystring_expire"] == 120


def test_without_a_bucket_name_documents_stay_on_local_disk_and_downloads_stream(tmp_path):
    """The counterpart of the S3 checks: the bucket variable is what switches S3 on."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.STORAGES['default']['BACKEND'], settings.DOCUMENT_DOWNLOAD_REDIRECT)",
        ],
        cwd=PROJECT_DIR,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
            "DJANGO_SETTINGS_MODULE": "welyb_portal.settings",
            "VAR_DIR": str(tmp_path),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.files.storage.FileSystemStorage", "False"]


# --- Download through the view -----------------------------------------------------------------


@pytest.fixture
def switch_to_s3(settings):
    """Configures the portal for a bucket (fake credentials: presigning is offline). Documents
    are deposited before the switch, on local disk: presigning a URL needs only their key."""

    def switch():
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": FAKE_S3_OPTIONS},
        }
        settings.DOCUMENT_DOWNLOAD_REDIRECT = True

    return switch


def test_on_s3_a_download_redirects_to_a_signed_url_that_says_attachment(
    world, achats, switch_to_s3
):
    document = deposit(achats, name="Facture été.pdf", by=world.a.client)
    switch_to_s3()

    response = browser(world.a.client).get(download_url(document))

    assert response.status_code == 302
    location = response["Location"]
    parts = urlsplit(location)
    assert parts.scheme == "https"
    assert "cabinet-ged" in parts.netloc + parts.path
    assert unquote(parts.path).endswith(document.file.name)
    query = signed_query(location)
    assert query["X-Amz-Expires"] == "300"
    assert query["X-Amz-Signature"]
    assert query["X-Amz-Credential"].startswith("AKIAFAKEFORTESTS/")
    assert query["response-content-disposition"].startswith("attachment")
    assert "Facture%20%C3%A9t%C3%A9.pdf" in query["response-content-disposition"]
    assert query["response-content-type"] == "application/pdf"


# What a depositor may send that a browser would run, as the GED's sniffer names it, and files it
# only displays.
SCRIPTED_FILES = {
    "an HTML page": (b"<!doctype html><script>alert(document.domain)</script>", "text/html"),
    "an SVG picture": (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "image/svg+xml",
    ),
}
INERT_FILES = {
    "a PDF": (PDF, "application/pdf"),
    "a PNG picture": (PNG, "image/png"),
    "plain text": ("Relevé de janvier\n".encode(), "text/plain"),
}


@pytest.mark.parametrize("kind", SCRIPTED_FILES)
def test_on_s3_a_file_a_browser_would_run_is_signed_as_bytes_to_save(
    world, achats, switch_to_s3, kind
):
    """The bucket's answer cannot carry the sandbox policy the portal's own download sends: a
    page or a picture with scripts must not even be announced as what it is."""
    content, sniffed = SCRIPTED_FILES[kind]
    document = deposit(achats, name="facture.pdf", content=content, by=world.a.client)
    assert document.content_type == sniffed
    switch_to_s3()

    for response in (
        browser(world.a.client).get(download_url(document)),
        api(world.a.client).get(f"/api/v1/documents/{document.pk}/download/"),
    ):
        assert response.status_code == 302
        query = signed_query(response["Location"])
        assert query["response-content-type"] == "application/octet-stream"
        assert query["response-content-disposition"] == 'attachment; filename="facture.pdf"'


@pytest.mark.parametrize("kind", INERT_FILES)
def test_on_s3_a_file_a_browser_only_displays_keeps_its_type(world, achats, switch_to_s3, kind):
    content, sniffed = INERT_FILES[kind]
    document = deposit(achats, name="releve", content=content, by=world.a.client)
    switch_to_s3()

    response = browser(world.a.client).get(download_url(document))

    assert signed_query(response["Location"])["response-content-type"] == sniffed


@pytest.mark.parametrize(
    "content_type",
    [
        "text/html",
        "TEXT/HTML; charset=utf-8",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "application/rss+xml",
        "application/mathml+xml",
        "text/javascript",
        "application/javascript",
        "application/ecmascript",
        "text/css",
        "application/x-shockwave-flash",
        "application/wasm",
        "application/x-google-chrome-extension",
        "application/zip",
        "application/octet-stream",
        "",
    ],
)
def test_on_s3_only_types_browsers_merely_display_are_named(content_type):
    assert inert_content_type(content_type) == "application/octet-stream"


@pytest.mark.parametrize(
    "content_type",
    ["application/pdf", "text/plain", "image/jpeg", "image/heif", "audio/mpeg", "video/mp4"],
)
def test_pictures_sound_video_pdf_and_plain_text_keep_their_type(content_type):
    assert inert_content_type(content_type) == content_type


def test_on_s3_a_user_who_may_not_see_the_document_gets_no_signed_url(world, achats, switch_to_s3):
    document = deposit(achats, by=world.a.client)
    switch_to_s3()

    other_client = browser(world.a.other_client).get(download_url(document))
    assert other_client.status_code == 404
    assert "Location" not in other_client
    for stranger in (
        browser(world.b.admin, cabinet=world.a.cabinet),  # staff of another cabinet
        browser(cabinet=world.a.cabinet),  # anonymous
    ):
        response = stranger.get(download_url(document))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("tenancy:login"))
        assert "X-Amz-Signature" not in response["Location"]


def test_locally_a_download_streams_the_bytes_as_an_attachment_with_the_sniffed_type(world, achats):
    document = deposit(achats, name="facture.pdf", content=PDF, by=world.a.client)

    response = browser(world.a.client).get(download_url(document))

    assert response.status_code == 200
    assert response.streaming
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="facture.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_locally_a_false_pdf_is_served_with_its_real_type_under_its_accented_name(world, achats):
    content = b"<html><script>alert('pdf')</script></html>"
    document = deposit(achats, name="Relevé été.pdf", content=content, by=world.a.client)

    response = browser(world.a.collaborator).get(download_url(document))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == "text/html"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Relev%C3%A9%20%C3%A9t%C3%A9.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_document_whose_file_is_missing_downloads_as_not_found(world, achats, settings):
    document = deposit(achats, by=world.a.client)
    (Path(settings.MEDIA_ROOT) / document.file.name).unlink()

    response = browser(world.a.client).get(download_url(document))

    assert response.status_code == 404


# --- No public media URL --------------------------------------------------------------------------


def every_pattern(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from every_pattern(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def test_no_url_of_the_portal_serves_files_from_a_directory():
    serving = [
        route for route, callback in every_pattern(get_resolver().url_patterns) if callback is serve
    ]

    assert serving == []


def test_a_stored_file_cannot_be_fetched_by_its_storage_key(world, achats, settings):
    document = deposit(achats, by=world.a.client)
    key = document.file.name
    assert (Path(settings.MEDIA_ROOT) / key).read_bytes() == PDF

    for user in (world.a.admin, world.a.client):
        client = browser(user)
        for path in (f"/media/{key}", f"/{key}", f"/media/{Path(key).name}", "/media/"):
            response = client.get(path)
            assert response.status_code == 404, path
            assert PDF not in response.content


# --- Storage backends that read an upload out of order --------------------------------------------


class OutOfOrderStorage(FileSystemStorage):
    """Reads an upload as some remote backends do: its size first (a seek to the end), then its
    second half, then its first half."""

    def _save(self, name, content):
        content.seek(0, os.SEEK_END)
        half = content.tell() // 2
        content.seek(half)
        tail = content.read()
        content.seek(0)
        head = content.read(half)
        return super()._save(name, ContentFile(head + tail))


def test_the_hash_is_right_whatever_order_the_storage_reads_the_file_in(
    world, achats, settings, tmp_path
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": f"{__name__}.OutOfOrderStorage",
            "OPTIONS": {"location": tmp_path / "media", "base_url": None},
        },
    }
    content = PDF + random.Random(7).randbytes(300_000)

    document = deposit(achats, content=content, by=world.a.client)

    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert (tmp_path / "media" / document.file.name).read_bytes() == content
