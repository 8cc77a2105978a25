"""The portal as a platform runs it: two web nodes (gunicorn) and a Celery worker, each in a
directory of its own with no disk in common, sharing only PostgreSQL, Redis, the SMTP server
and an S3 bucket (moto's server). A document deposited through one node is downloaded through
the other and forwarded by the worker, and no node keeps it on its own disk."""

import os
import re
from pathlib import Path

import pytest
import requests

from tests.conftest import host_of
from tests.factories import PASSWORD
from tests.integration.forwarding import ACHATS, Deposited, assert_carries, wait_until_delivered

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_directory(tmp_path) -> Path:
    directory = tmp_path / "worker"
    (directory / "tmp").mkdir(parents=True)
    return directory


@pytest.fixture
def celery_worker_cwd(worker_directory) -> Path:
    return worker_directory


@pytest.fixture
def celery_worker_env(s3_bucket, worker_directory) -> dict[str, str]:
    return {
        **s3_bucket.environment(),
        "HOME": str(worker_directory),
        "TMPDIR": str(worker_directory / "tmp"),
        "VAR_DIR": str(worker_directory / "var"),
    }


@pytest.fixture
def client_password(forwarding, settings):
    """The client's password, hashed as the nodes hash (the tests' own hasher, MD5 for speed, is
    not among the nodes' settings)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    client = forwarding.tenant.client
    client.set_password(PASSWORD)
    client.save()
    return PASSWORD


def document_pdf(label: str) -> bytes:
    """A PDF larger than what Django keeps in memory (2.5 MiB): its upload is spooled to the
    node's temporary directory, which must be empty afterwards."""
    return b"%PDF-1.4\n%" + label.encode() + b"\n" + os.urandom(3 * 1024 * 1024) + b"\n%%EOF\n"


def files_under(directory: Path) -> list[str]:
    return sorted(
        str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file()
    )


def test_a_document_deposited_on_one_node_is_downloaded_on_the_other_and_forwarded(
    forwarding, client_password, s3_bucket, smtp_sink, celery_worker, web_nodes, tmp_path
):
    a, b = web_nodes([tmp_path / "node-a", tmp_path / "node-b"], env=s3_bucket.environment())
    tenant = forwarding.tenant
    host = host_of(tenant.cabinet)

    # The client's API token, asked of node A, works on node B: nothing is kept on a node.
    response = a.request(
        "POST",
        "/api/v1/auth/token/",
        host=host,
        json={"email": tenant.client.email, "password": client_password},
    )
    assert response.status_code == 200, response.text
    token = {"Authorization": f"Token {response.json()['token']}"}

    name = "Facture Moulin n°42 – janvier.pdf"
    content = document_pdf(name)
    response = a.request(
        "POST",
        f"/api/v1/folders/{forwarding.folder.pk}/documents/",
        host=host,
        headers=token,
        files={"file": (name, content, "application/pdf")},
    )
    assert response.status_code == 201, response.text
    document = Deposited(id=response.json()["id"], name=name, content=content, seconds=0)
    [key] = s3_bucket.object_keys()
    assert s3_bucket.read(key) == content

    # Node B sends the client to the bucket with a signed URL; the bucket gives the bytes.
    response = b.request(
        "GET", f"/api/v1/documents/{document.id}/download/", host=host, headers=token
    )
    assert response.status_code == 302, response.text
    assert response.headers["Location"].startswith(f"{s3_bucket.server.endpoint_url}/")
    fetched = requests.get(response.headers["Location"], timeout=30)
    assert fetched.status_code == 200
    assert fetched.content == content

    # A browser's session opened on node A holds on node B (the same cookies, one address).
    browser = requests.Session()
    login_page = a.request("GET", "/connexion/", host=host, session=browser)
    [csrf] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)
    response = a.request(
        "POST",
        "/connexion/",
        host=host,
        session=browser,
        data={
            "username": tenant.client.email,
            "password": client_password,
            "csrfmiddlewaretoken": csrf,
        },
    )
    assert response.status_code == 302, response.text
    response = b.request(
        "GET", f"/ged/documents/{document.id}/telecharger/", host=host, session=browser
    )
    assert response.status_code == 302, response.text
    assert response.headers["Location"].startswith(f"{s3_bucket.server.endpoint_url}/")
    assert requests.get(response.headers["Location"], timeout=30).content == content

    # The worker reads the bytes from the bucket and sends them.
    (email,) = smtp_sink.wait_for(1, timeout=30)
    assert_carries(email, document)
    [delivery] = wait_until_delivered([document], timeout=10)
    assert delivery.app.slug == ACHATS

    # No process wrote a file on its own disk: not the upload that node A spooled to its
    # temporary directory, not a copy of the document, not the attachment the worker built.
    for directory in (a.directory, b.directory, celery_worker.cwd):
        assert files_under(directory) == [], directory
    assert s3_bucket.object_keys() == [key]
