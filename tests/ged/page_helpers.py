"""The GED's pages as a test reads them: their URLs, the documents a folder lists, the files kept
in storage and a folder filled straight in the table. Shared by the GED's page, API and upload
tests."""

import html
import re
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from ged.models import Channel, Document


def document_rows(response) -> list[dict[str, str]]:
    """The rows of a folder's document table: name, date, size, status, and the staff badge."""
    table = re.search(
        r'<table class="table documents">(.*?)</table>', response.content.decode(), re.S
    )
    if table is None:
        return []
    rows = []
    for row in re.findall(r"<tr>\s*<td><a href=\"/ged/documents/\d+/\">(.*?)</tr>", table[1], re.S):
        name, rest = row.split("</a>", 1)
        cells = re.findall(r"<td>(.*?)</td>", rest, re.S)
        rows.append(
            {
                "name": html.unescape(name),
                "date": cells[0],
                "size": html.unescape(cells[1]).replace("\xa0", " "),
                "status": html.unescape(re.sub(r"<[^>]+>", "", cells[2])),
                "duplicate": "Doublon possible" in rest.split("</td>", 1)[0],
            }
        )
    return rows


def names_listed(response) -> list[str]:
    return [row["name"] for row in document_rows(response)]


def folder_url(folder) -> str:
    return f"/ged/dossiers/{folder.pk}/"


def document_url(document) -> str:
    return f"/ged/documents/{document.pk}/"


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def many_documents(folder, count: int, *, duplicates: bool = False) -> list[Document]:
    """`count` documents in a folder, written straight to the table: listing tests need rows,
    not files. Names and dates are in different orders, so that each sort can be told apart;
    with `duplicates`, each one is marked a possible duplicate of the previous one."""
    start = timezone.now() - timedelta(days=30)
    assert count < 211
    Document.objects.bulk_create(
        Document(
            company_id=folder.company_id,
            cabinet_id=folder.company.cabinet_id,
            folder=folder,
            file="documents/test/fake",
            name=f"Facture {n:03d}.pdf",
            extension="pdf",
            size=1000 + n,
            sha256=f"{n:064x}",
            content_type="application/pdf",
            channel=Channel.API,
            # 211 is prime: up to 210 documents each get their own minute, out of name order.
            deposited_at=start + timedelta(minutes=(n * 37) % 211),
        )
        for n in range(1, count + 1)
    )
    documents = list(Document.objects.filter(folder=folder).order_by("pk"))
    if duplicates:
        for previous, document in pairwise(documents):
            document.duplicate_of = previous
        Document.objects.bulk_update(documents[1:], ["duplicate_of"])
    return documents
