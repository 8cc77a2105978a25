"""The GED's API as a test reads it: a document's URL, and what a refused request must leave as
it was."""

from ged.models import Document, Folder
from tests.ged.page_helpers import stored_files


def document_url(document_or_id) -> str:
    return f"/api/v1/documents/{getattr(document_or_id, 'pk', document_or_id)}/"


def snapshot() -> tuple:
    """What a refused request must leave as it was."""
    return (
        list(Folder.objects.order_by("pk").values("pk", "name", "parent", "path", "trashed_at")),
        list(Document.objects.order_by("pk").values("pk", "name", "folder", "trashed_at")),
        stored_files(),
    )
