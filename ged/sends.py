"""What the apps built on the GED sent of its documents, where and when, for the export's
manifest. The apps say it through settings.GED_DOCUMENT_SENDS, so that the GED imports none of
them (partner_apps: its deliveries)."""

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from django.conf import settings
from django.utils.module_loading import import_string


class DocumentSend(NamedTuple):
    target: str  # the address it went to, or "" where there was none
    status: str  # in French: « Envoyé », « Non envoyé (Doublon) »…
    sent_at: datetime | None  # None when nothing left


def document_sends(*, document_ids: Sequence[int]) -> dict[int, list[DocumentSend]]:
    """{document id: its sends, oldest first}, for the documents of `document_ids` that have
    any. One query per app, whatever the number of documents."""
    sends: dict[int, list[DocumentSend]] = {}
    if not document_ids:
        return sends
    for path in getattr(settings, "GED_DOCUMENT_SENDS", []):
        for document_id, lines in import_string(path)(document_ids).items():
            sends.setdefault(document_id, []).extend(lines)
    return sends
