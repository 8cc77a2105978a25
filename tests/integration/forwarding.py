"""Documents deposited in a switched-on folder, through the real chain: the cabinet's set-up
through the API, deposits through the API, and what arrived at the SMTP sink and what the outbox
says of it. Shared by the integration drills (`forwarding` is a fixture of conftest.py)."""

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ged.models import Document, DocumentStatus, Folder
from ged.services.tree import company_tree_create
from partner_apps.models import Delivery, DeliveryStatus
from tests.conftest import Tenant, api
from tests.integration.smtp_sink import ReceivedEmail

ACHATS = "inqom-achats"
COLLECTION_ADDRESS = "achat.boulangerie-alpha@inqombox.com"


# --- The cabinet's set-up, through the API -----------------------------------------------------


@dataclass
class Forwarding:
    tenant: Tenant
    folder: Folder  # "Dossier comptable annuel <year>/Achats", Inqom Achats switched on


def forwarding_set_up(world) -> Forwarding:
    """Cabinet Alpha installs Inqom, authorises its company with its collection address and
    switches Inqom Achats on the annual folder's Achats, as staff do through the API."""
    alpha = world.a
    year = timezone.localdate().year
    company_tree_create(company=alpha.company, year=year, by=alpha.admin)

    admin = api(alpha.admin)
    for slug in ("inqom", ACHATS):
        response = admin.post(f"/api/v1/apps/{slug}/install/")
        assert response.status_code == 200, response.content
    response = admin.put(
        f"/api/v1/apps/{ACHATS}/authorizations/{alpha.company.pk}/",
        {"enabled": True, "collection_email": COLLECTION_ADDRESS},
        format="json",
    )
    assert response.status_code == 200, response.content

    # The client finds the folder by its path, as any API user does.
    response = api(alpha.client).get(f"/api/v1/companies/{alpha.company.pk}/folders/")
    assert response.status_code == 200, response.content
    rows = response.json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    path = f"Dossier comptable annuel {year}/Achats"
    [folder_id] = [row["id"] for row in rows if row["path"] == path]

    response = api(alpha.collaborator).put(
        f"/api/v1/folders/{folder_id}/automations/{ACHATS}/", {"enabled": True}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["enabled"] is True
    return Forwarding(tenant=alpha, folder=Folder.objects.get(pk=folder_id))


# --- Documents ---------------------------------------------------------------------------------


def pdf(label: str) -> bytes:
    """A small PDF of its own: its bytes (random, every value of a byte, CR and LF) differ
    from every other one's, so that none is judged a duplicate of another."""
    return (
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\r\n1 0 obj <</Title ("
        + label.encode()
        + b")>> endobj\nstream\n"
        + bytes(range(256))
        + os.urandom(4096)
        + b"\r\nendstream\ntrailer <<>>\n%%EOF\n"
    )


@dataclass
class Deposited:
    id: int
    name: str
    content: bytes
    seconds: float  # how long the API took to answer


def deposit(
    forwarding: Forwarding, name: str, content: bytes | None = None, **headers: str
) -> Deposited:
    """The client deposits a file in the folder through the API (with those HTTP headers); it
    must answer 201."""
    content = pdf(name) if content is None else content
    started = time.monotonic()
    response = api(forwarding.tenant.client).post(
        f"/api/v1/folders/{forwarding.folder.pk}/documents/",
        {"file": SimpleUploadedFile(name, content, content_type="application/pdf")},
        format="multipart",
        headers=headers,
    )
    seconds = time.monotonic() - started
    assert response.status_code == 201, response.content
    assert response.json()["name"] == name
    return Deposited(id=response.json()["id"], name=name, content=content, seconds=seconds)


def deposit_batch(forwarding: Forwarding, prefix: str, count: int) -> list[Deposited]:
    return [deposit(forwarding, f"{prefix}-{number:02d}.pdf") for number in range(1, count + 1)]


# --- What arrived, what the outbox says --------------------------------------------------------


def attachment_of(email: ReceivedEmail) -> tuple[str, str, bytes]:
    """(file name, type, bytes) of the one attachment of a message."""
    attachments = list(email.message.iter_attachments())
    assert len(attachments) == 1, f"{email}: {len(attachments)} attachments"
    [part] = attachments
    return part.get_filename(), part.get_content_type(), part.get_payload(decode=True)


def received_per_name(emails: Iterable[ReceivedEmail]) -> Counter:
    return Counter(attachment_of(email)[0] for email in emails)


def wait_until(condition: Callable[[], object], *, timeout: float, what: Callable[[], str]):
    """Polls `condition` until it returns something true, and returns it; fails after
    `timeout` seconds, with `what()` saying what was seen instead."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g}s: {what()}")
        time.sleep(0.05)


def outbox_of(documents: list[Deposited]) -> list[Delivery]:
    return list(
        Delivery.objects.filter(document_id__in=[d.id for d in documents])
        .select_related("document")
        .order_by("document__name")
    )


def outbox_listing(documents: list[Deposited]) -> str:
    rows = outbox_of(documents)
    lines = [
        f"  - {d.document.name}: {d.status}, {d.attempts} attempt(s), "
        f"document {d.document.status}, {d.reason!r}"
        for d in rows
    ]
    missing = len(documents) - len(rows)
    if missing:
        lines.append(f"  ({missing} document(s) without a delivery)")
    return "\n" + "\n".join(lines)


def wait_for_outbox(
    documents: list[Deposited], status: str, *, timeout: float, min_attempts: int = 0
) -> list[Delivery]:
    """Waits until every document has its one delivery in `status` (and tried at least
    `min_attempts` times)."""

    def reached():
        rows = outbox_of(documents)
        done = len(rows) == len(documents) and all(
            d.status == status and d.attempts >= min_attempts for d in rows
        )
        return rows if done else None

    wanted = f"every delivery {status}" + (f", tried {min_attempts}+ times" * bool(min_attempts))
    return wait_until(
        reached, timeout=timeout, what=lambda: f"{wanted}:{outbox_listing(documents)}"
    )


def wait_until_delivered(documents: list[Deposited], *, timeout: float) -> list[Delivery]:
    """Waits until every delivery is sent and every document validated."""
    deliveries = wait_for_outbox(documents, DeliveryStatus.SENT, timeout=timeout)
    wait_until(
        lambda: (
            not Document.objects.filter(pk__in=[d.id for d in documents])
            .exclude(status=DocumentStatus.VALIDATED)
            .exists()
        ),
        timeout=5,
        what=lambda: f"every document validated:{outbox_listing(documents)}",
    )
    return deliveries


def assert_carries(email: ReceivedEmail, document: Deposited) -> None:
    """The message Inqom gets: from the sender it authorised, to the collection address, the
    company and the document named in its subject, the original file attached."""
    assert email.mail_from == settings.INQOM_SENDER_EMAIL
    assert email.rcpt_tos == (COLLECTION_ADDRESS,)
    assert [a.addr_spec for a in email.message["From"].addresses] == [settings.INQOM_SENDER_EMAIL]
    assert [a.addr_spec for a in email.message["To"].addresses] == [COLLECTION_ADDRESS]
    assert "Boulangerie Alpha" in email.subject
    assert document.name in email.subject
    name, content_type, content = attachment_of(email)
    assert (name, content_type) == (document.name, "application/pdf")
    assert content == document.content, "the attachment's bytes differ from the deposited file"


def assert_each_carries(emails: list[ReceivedEmail], documents: list[Deposited]) -> None:
    """Every message carries its document whole, and every document has its message."""
    by_name = {document.name: document for document in documents}
    assert {attachment_of(email)[0] for email in emails} == set(by_name)
    for email in emails:
        assert_carries(email, by_name[attachment_of(email)[0]])
