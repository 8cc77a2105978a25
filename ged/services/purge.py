"""Deleting documents and folders for good: their rows, then their stored files.

Nothing in the portal deletes a document but this module, and it is called only for what has
been in the trash longer than TRASH_RETENTION_DAYS (`trash_purge`) and for a company that
leaves its cabinet (`company_offboard`). Each batch is one transaction (a savepoint inside the
caller's, if any): the other apps delete their rows pointing at the documents when told
(`documents_purging`), the rows go, and the files are deleted from storage only once the
transaction commits. A file that storage fails to delete is logged and left behind: no row
points at it any more, and a rolled-back batch never loses a file its rows still name.
"""

import logging
from collections import Counter
from dataclasses import dataclass, field
from functools import partial, reduce
from operator import or_

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet

from welyb_portal.tenancy.models import User
from welyb_portal.tenancy.services.audit import audit_record

from ..models import Document, Folder
from ..signals import documents_purging

logger = logging.getLogger(__name__)

# Rows deleted per transaction: few enough to hold few locks for a short time, many enough
# that the queries of a batch (a constant number) are spread over many documents.
PURGE_BATCH_SIZE = 500


@dataclass
class PurgeCounts:
    """What a purge deleted, in all and by cabinet id (for each cabinet's audit trail)."""

    documents: int = 0
    bytes: int = 0
    folders: int = 0
    by_cabinet: dict[int, Counter] = field(default_factory=dict)

    def add(self, cabinet_id: int, **counts: int) -> None:
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + value)
        self.by_cabinet.setdefault(cabinet_id, Counter()).update(counts)


def stored_files_delete(names: list[str]) -> None:
    """After the commit: the stored files of rows that no longer exist. A failure is logged,
    never raised: the rows are gone whatever storage says."""
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.exception("purge: the stored file %s could not be deleted", name)


def _documents_delete_batch(
    documents: QuerySet[Document], ids: list[int], counts: PurgeCounts
) -> None:
    """One transaction: the documents among `ids` that still match `documents` (one may have
    been restored meanwhile), their dependent rows in other apps, then their files on commit."""
    with transaction.atomic():
        rows = list(
            documents.filter(pk__in=ids)
            .select_for_update(of=("self",))
            .values_list("pk", "file", "size", "company__cabinet_id")
        )
        if not rows:
            return
        kept_ids = [pk for pk, _file, _size, _cabinet in rows]
        documents_purging.send(sender=Document, document_ids=kept_ids)
        Document.objects.filter(pk__in=kept_ids).delete()
        transaction.on_commit(
            partial(stored_files_delete, [name for _pk, name, _s, _c in rows if name])
        )
    for _pk, _name, size, cabinet_id in rows:
        counts.add(cabinet_id, documents=1, bytes=size)


def _documents_purge(
    *, documents: QuerySet[Document], counts: PurgeCounts, batch_size: int
) -> None:
    last = 0
    while True:
        ids = list(
            documents.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return
        _documents_delete_batch(documents, ids, counts)
        last = ids[-1]


def _folders_purge(*, folders: QuerySet[Folder], counts: PurgeCounts, batch_size: int) -> None:
    """Each folder of `folders` with everything below it, documents first."""
    last = 0
    while True:
        roots = list(
            folders.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "company_id", "path", "company__cabinet_id")[:batch_size]
        )
        if not roots:
            return
        last = roots[-1][0]
        with transaction.atomic():
            # A root may already have gone with an ancestor purged in an earlier batch, or have
            # been restored meanwhile: only those still matching and present count.
            kept = set(
                folders.filter(pk__in=[root[0] for root in roots])
                .select_for_update(of=("self",))
                .values_list("pk", flat=True)
            )
            roots = [root for root in roots if root[0] in kept]
            if not roots:
                continue
            subtrees = reduce(
                or_,
                (Q(company_id=company, path__startswith=path) for _pk, company, path, _c in roots),
            )
            _documents_purge(
                documents=Document.objects.filter(folder__in=Folder.objects.filter(subtrees)),
                counts=counts,
                batch_size=batch_size,
            )
            subtree_rows = list(
                Folder.objects.filter(subtrees).values_list("pk", "company__cabinet_id")
            )
            Folder.objects.filter(pk__in=[pk for pk, _c in subtree_rows]).delete()
        for _pk, cabinet_id in subtree_rows:
            counts.add(cabinet_id, folders=1)


def _audit(*, counts: PurgeCounts, by: User | None, reason: str) -> None:
    """One entry per cabinet: how much went, never what (the names were the clients')."""
    for cabinet_id, figures in counts.by_cabinet.items():
        audit_record(
            cabinet=None,
            cabinet_id=cabinet_id,
            actor=by,
            action="documents.purged",
            data={
                "reason": reason,
                "documents": figures["documents"],
                "bytes": figures["bytes"],
                "folders": figures["folders"],
            },
        )


def documents_purge(
    *,
    documents: QuerySet[Document],
    by: User | None,
    reason: str,
    folders: QuerySet[Folder] | None = None,
    batch_size: int = PURGE_BATCH_SIZE,
) -> PurgeCounts:
    """Deletes for good the documents of `documents`, then the folders of `folders` with all
    they hold (their subfolders and documents, whatever their state), and their stored files.

    Works by batches of `batch_size`, one transaction each (savepoints inside the caller's
    transaction, when there is one: then nothing is deleted unless it commits), each costing
    a constant number of queries. Before each batch's rows are deleted, `documents_purging`
    lets the other apps delete theirs (deliveries and what names them); a row left pointing
    at a document (PROTECT) rolls the batch back with a ProtectedError. Files are deleted once
    the rows' transaction committed; a failure is logged, not raised.

    Records one `documents.purged` entry per cabinet concerned (counts and `reason`, no names)
    and returns the counts.
    """
    counts = PurgeCounts()
    try:
        _documents_purge(documents=documents, counts=counts, batch_size=batch_size)
        if folders is not None:
            _folders_purge(folders=folders, counts=counts, batch_size=batch_size)
    finally:
        # What committed is audited even when a later batch failed.
        _audit(counts=counts, by=by, reason=reason)
    return counts
