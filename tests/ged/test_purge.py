"""Deleting documents for good (ged/services/purge.py): rows, dependent rows of the other apps,
then the stored files once the rows' transaction committed."""

import logging
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from ged.models import Document, Folder
from ged.services.folders import folder_trash
from ged.services.purge import documents_purge
from partner_apps.models import Delivery
from tests.helpers.attention import stopped_deliveries
from tests.helpers.documents import PDF, deposit, folder_at
from welyb_portal.tenancy.models import AuditEntry, Notification


def stored(document: Document) -> Path:
    return Path(settings.MEDIA_ROOT) / document.file.name


def purge(ids, **kwargs):
    return documents_purge(
        documents=Document.objects.filter(pk__in=ids), by=None, reason="test", **kwargs
    )


def test_purged_documents_leave_with_their_files_deliveries_and_notifications(
    world, django_capture_on_commit_callbacks
):
    stopped = stopped_deliveries(world.a, django_capture_on_commit_callbacks)
    gone = [stopped.duplicate, stopped.refused]
    kept = stopped.failed
    files = [stored(d) for d in gone]
    assert all(f.exists() for f in files)
    keys = [f"delivery:{d.pk}" for d in Delivery.objects.filter(document__in=gone)]
    assert Notification.objects.filter(key__in=keys).exists()

    with django_capture_on_commit_callbacks(execute=True):
        counts = purge([d.pk for d in gone])

    assert (counts.documents, counts.bytes) == (2, sum(d.size for d in gone))
    assert not Document.objects.filter(pk__in=[d.pk for d in gone]).exists()
    assert not Delivery.objects.filter(document_id__in=[d.pk for d in gone]).exists()
    assert not Notification.objects.filter(key__in=keys).exists()
    assert not any(f.exists() for f in files)
    assert stored(kept).exists()
    assert Delivery.objects.filter(document=kept).exists()
    entry = AuditEntry.objects.get(action="documents.purged")
    assert entry.cabinet == world.a.cabinet
    assert entry.data == {"reason": "test", "documents": 2, "bytes": counts.bytes, "folders": 0}
    # Counts only: the clients' file names stay out of the cabinet's trail.
    assert "facture" not in str(entry.data) + entry.target_label


def test_files_stay_while_the_transaction_of_their_rows_may_roll_back(world):
    document = deposit(folder_at(world.a.company, "Banque"))

    def purge_then_fail():
        with transaction.atomic():
            purge([document.pk])
            raise RuntimeError("the caller failed after the purge")

    with pytest.raises(RuntimeError):
        purge_then_fail()

    assert Document.objects.filter(pk=document.pk).exists()
    assert stored(document).exists()


def test_a_file_storage_cannot_delete_is_logged_and_its_row_is_gone_anyway(
    world, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    folder = folder_at(world.a.company, "Banque")
    stuck, other = deposit(folder, "a.pdf"), deposit(folder, "b.pdf", PDF + b"b")
    real_delete = FileSystemStorage.delete

    def delete(storage, name):
        if name == stuck.file.name:
            raise OSError("bucket unreachable")
        real_delete(storage, name)

    monkeypatch.setattr(FileSystemStorage, "delete", delete)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        counts = purge([stuck.pk, other.pk])

    assert counts.documents == 2
    assert not Document.objects.filter(pk__in=[stuck.pk, other.pk]).exists()
    assert not stored(other).exists()
    assert stuck.file.name in caplog.text


def test_a_batch_costs_the_same_queries_whatever_its_size(
    world, django_capture_on_commit_callbacks
):
    stopped = stopped_deliveries(world.a, django_capture_on_commit_callbacks)
    few = [stopped.duplicate.pk, stopped.refused.pk]
    many = [stopped.failed.pk, stopped.bounced.pk] + [
        deposit(stopped.achats, f"{n}.pdf", PDF + bytes([n])).pk for n in range(6)
    ]
    with CaptureQueriesContext(connection) as small:
        purge(few)
    with CaptureQueriesContext(connection) as large:
        purge(many)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_small_batches_purge_everything(world, django_capture_on_commit_callbacks):
    folder = folder_at(world.a.company, "Banque")
    documents = [deposit(folder, f"{n}.pdf", PDF + bytes([n])) for n in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        counts = purge([d.pk for d in documents], batch_size=2)
    assert counts.documents == 5
    assert not Document.objects.filter(company=world.a.company).exists()
    assert not any(stored(d).exists() for d in documents)


def test_a_folder_goes_with_everything_below_it_and_nothing_beside_it(
    world, django_capture_on_commit_callbacks
):
    company = world.a.company
    inside = deposit(folder_at(company, "Archives/2019/Achats"), "vieux.pdf")
    top = deposit(folder_at(company, "Archives"), "top.pdf", PDF + b"top")
    beside = deposit(folder_at(company, "Archives 2020"), "garde.pdf", PDF + b"garde")
    archives = folder_at(company, "Archives")
    folder_trash(folder=archives, by=world.a.admin)

    with django_capture_on_commit_callbacks(execute=True):
        counts = documents_purge(
            documents=Document.objects.none(),
            folders=Folder.objects.filter(pk=archives.pk),
            by=None,
            reason="test",
        )

    assert (counts.documents, counts.folders) == (2, 3)
    assert not Folder.objects.filter(path__startswith=archives.path).exists()
    assert not Document.objects.filter(pk__in=[inside.pk, top.pk]).exists()
    assert not stored(inside).exists()
    assert not stored(top).exists()
    assert Document.objects.filter(pk=beside.pk).exists()
    assert stored(beside).exists()
