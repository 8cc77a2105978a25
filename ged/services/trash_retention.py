"""Emptying the trash after TRASH_RETENTION_DAYS: the only deletion the portal makes by itself."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from ..models import Document, Folder
from .purge import PurgeCounts, documents_purge


def trash_cutoff(*, now: datetime | None = None) -> datetime:
    """What was put in the trash before this moment has stayed there long enough."""
    return (now or timezone.now()) - timedelta(days=settings.TRASH_RETENTION_DAYS)


def trash_purge(*, now: datetime | None = None) -> PurgeCounts:
    """Deletes for good, files included, the documents put in the trash more than
    TRASH_RETENTION_DAYS days ago, and the folders too with what left with them, in every
    cabinet. Live documents and folders, and what was trashed since, are never touched.
    Audited per cabinet (`documents.purged`, reason `trash_retention`, counts only)."""
    cutoff = trash_cutoff(now=now)
    return documents_purge(
        documents=Document.objects.filter(trashed_at__lt=cutoff),
        # The folders trashed by someone (not those that left with a parent): each goes with
        # its subtree, all of which was trashed with it or before.
        folders=Folder.objects.filter(trashed_at__lt=cutoff, trash_root=F("pk")),
        by=None,
        reason="trash_retention",
    )
