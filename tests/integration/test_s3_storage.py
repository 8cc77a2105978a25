"""Documents in a real S3 bucket: moto's server in a process of its own, spoken to over HTTP
(tests/integration/s3_server.py). A deposit writes the bytes into the bucket, a download
redirects to a signed URL that the bucket serves, a Celery worker process reads the bytes from
the bucket to attach them to the email, the trash keeps them and the purge deletes them, and
nothing lands on the local disk on the way."""

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ged.models import Document
from ged.services.trash_retention import trash_purge
from ged.signals import document_deposited
from ged.tasks import purge_trash
from tests.conftest import api, browser
from tests.helpers.documents import deposit as deposit_in
from tests.helpers.documents import folder_at
from tests.integration.forwarding import (
    assert_carries,
    deposit,
    pdf,
    wait_until,
    wait_until_delivered,
)

pytestmark = pytest.mark.services

ACHATS_PATH = "Dossier comptable annuel 2026/Achats"


@pytest.fixture
def celery_worker_env(s3_bucket) -> dict[str, str]:
    # The worker builds its storage from the environment, as in production.
    return s3_bucket.environment()


@pytest.fixture
def achats(world):
    return folder_at(world.a.company, ACHATS_PATH)


def nothing_under(directory: Path) -> list[Path]:
    """The files under `directory` (none when it does not exist)."""
    return sorted(path for path in directory.rglob("*") if path.is_file())


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


# --- Deposit -------------------------------------------------------------------------------------


def _deposit_on_the_page(tenant, folder, name, content):
    response = browser(tenant.client).post(
        reverse("ged:upload", args=[folder.pk]),
        {"file": SimpleUploadedFile(name, content)},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201, response.content
    return response.json()["documents"][0]["id"]


def _deposit_through_the_api(tenant, folder, name, content):
    response = api(tenant.client).post(
        f"/api/v1/folders/{folder.pk}/documents/",
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


@pytest.mark.django_db
@pytest.mark.parametrize("channel", [_deposit_on_the_page, _deposit_through_the_api])
def test_a_deposit_writes_the_whole_file_into_the_bucket_as_a_private_object(
    world, achats, portal_on_s3, settings, channel
):
    bucket = portal_on_s3
    content = pdf("Facture Moulin")

    document = Document.objects.get(pk=channel(world.a, achats, "Facture Moulin.pdf", content))

    assert bucket.object_keys() == [document.file.name]
    assert bucket.read(document.file.name) == content
    assert document.sha256 == hashlib.sha256(content).hexdigest()
    assert bucket.sha256(document.file.name) == document.sha256
    assert document.size == len(content)
    # Readable by its owner (the portal's credentials) alone: nobody has it without a signature.
    assert [permission for _grantee, permission in bucket.grants(document.file.name)] == [
        "FULL_CONTROL"
    ]
    assert nothing_under(Path(settings.MEDIA_ROOT)) == []


@pytest.mark.django_db
def test_a_deposit_that_fails_after_its_upload_leaves_nothing_in_the_bucket(
    world, achats, portal_on_s3
):
    def refuse(**kwargs):
        raise RuntimeError("the deposit's transaction fails after the bytes were stored")

    document_deposited.connect(refuse, weak=False)
    try:
        with pytest.raises(RuntimeError):
            deposit_in(achats, content=pdf("Perdue"), by=world.a.client)
    finally:
        document_deposited.disconnect(refuse)

    assert not Document.objects.exists()
    assert portal_on_s3.object_keys() == []


# --- Download ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_download_redirects_to_a_signed_url_from_which_the_bucket_serves_the_same_bytes(
    world, achats, portal_on_s3
):
    bucket = portal_on_s3
    content = pdf("Relevé")
    document = deposit_in(achats, name="Relevé été.pdf", content=content, by=world.a.client)

    for response in (
        browser(world.a.client).get(reverse("ged:document-download", args=[document.pk])),
        api(world.a.collaborator).get(f"/api/v1/documents/{document.pk}/download/"),
    ):
        assert response.status_code == 302
        url = response["Location"]
        assert url.startswith(f"{bucket.server.endpoint_url}/{bucket.name}/{document.file.name}?")
        query = query_of(url)
        assert query["X-Amz-Expires"] == "300"
        signed_at = datetime.strptime(query["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        age = datetime.now(UTC) - signed_at
        assert abs(age.total_seconds()) < 60, "signed when asked, not ahead of time"

        fetched = requests.get(url, timeout=10)
        assert fetched.status_code == 200
        assert fetched.content == content
        assert fetched.headers["Content-Type"] == "application/pdf"
        assert fetched.headers["Content-Disposition"] == (
            "attachment; filename*=utf-8''Relev%C3%A9%20%C3%A9t%C3%A9.pdf"
        )

        # Without its signature, the bucket refuses the private object. (moto does not check a
        # signature's value or expiry: see tests/integration/s3_server.py.)
        bare = requests.get(url.split("?", 1)[0], timeout=10)
        assert bare.status_code == 403
        assert content not in bare.content


@pytest.mark.django_db
def test_a_page_a_browser_would_run_comes_from_the_bucket_as_bytes_to_save(
    world, achats, portal_on_s3
):
    content = b"<!doctype html><script>alert(document.domain)</script>"
    document = deposit_in(achats, name="facture.pdf", content=content, by=world.a.client)
    assert document.content_type == "text/html"

    response = browser(world.a.client).get(reverse("ged:document-download", args=[document.pk]))
    fetched = requests.get(response["Location"], timeout=10)

    assert fetched.status_code == 200
    assert fetched.content == content
    assert fetched.headers["Content-Type"] == "application/octet-stream"
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="facture.pdf"'


@pytest.mark.django_db
def test_who_may_not_see_the_document_is_never_sent_to_the_bucket(world, achats, portal_on_s3):
    document = deposit_in(achats, content=pdf("Privé"), by=world.a.client)

    response = browser(world.a.other_client).get(
        reverse("ged:document-download", args=[document.pk])
    )

    assert response.status_code == 404
    assert portal_on_s3.server.endpoint_url not in response.get("Location", "")


# --- Trash and purge -----------------------------------------------------------------------------


def _trash_through_the_api(tenant, document) -> None:
    response = api(tenant.collaborator).delete(f"/api/v1/documents/{document.pk}/")
    assert response.status_code == 204, response.content


def _age_in_the_trash(document, settings) -> None:
    days = settings.TRASH_RETENTION_DAYS + 1
    Document.objects.filter(pk=document.pk).update(trashed_at=timezone.now() - timedelta(days))


@pytest.mark.django_db
def test_the_trash_keeps_the_object_and_the_purge_deletes_it_from_the_bucket(
    world, achats, portal_on_s3, settings, django_capture_on_commit_callbacks
):
    bucket = portal_on_s3
    old = deposit_in(achats, name="vieux.pdf", content=pdf("vieux"), by=world.a.client)
    kept = deposit_in(achats, name="garde.pdf", content=pdf("garde"), by=world.a.client)

    _trash_through_the_api(world.a, old)
    # In the trash, it may still be restored: its bytes stay.
    assert bucket.object_keys() == sorted([old.file.name, kept.file.name])

    _age_in_the_trash(old, settings)
    with django_capture_on_commit_callbacks(execute=True):
        counts = trash_purge()

    assert counts.documents == 1
    assert not Document.objects.filter(pk=old.pk).exists()
    assert bucket.object_keys() == [kept.file.name]
    assert bucket.read(kept.file.name) == kept.file.open("rb").read()


# --- The worker ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_sends_the_bytes_it_reads_from_the_bucket_and_later_purges_them(
    forwarding, portal_on_s3, smtp_sink, celery_worker, settings
):
    bucket = portal_on_s3
    document = deposit(forwarding, "Facture Moulin n°42 – janvier.pdf")

    (email,) = smtp_sink.wait_for(1, timeout=20)
    assert_carries(email, document)
    wait_until_delivered([document], timeout=10)
    [key] = bucket.object_keys()
    assert bucket.read(key) == document.content
    # The worker's MEDIA_ROOT is this process's: the bytes it sent can only come from the bucket.
    assert nothing_under(Path(settings.MEDIA_ROOT)) == []

    # Trashed, and left there longer than the retention: the nightly task deletes it for good.
    stored = Document.objects.get(pk=document.id)
    _trash_through_the_api(forwarding.tenant, stored)
    _age_in_the_trash(stored, settings)
    purge_trash.delay()

    wait_until(
        lambda: not bucket.object_keys(),
        timeout=30,
        what=lambda: f"the bucket still holds {bucket.object_keys()}",
    )
    assert not Document.objects.filter(pk=document.id).exists()
