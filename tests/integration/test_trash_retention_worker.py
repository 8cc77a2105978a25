"""The trash is emptied by the real chain: the task through Redis to a Celery worker process,
which deletes the rows and, once they are committed, the files."""

import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from ged.models import Document
from ged.services.documents import document_trash
from ged.tasks import purge_trash
from tests.helpers.documents import PDF, deposit, folder_at

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_the_worker_purges_the_old_trash_with_its_files_and_keeps_the_rest(world, celery_worker):
    banque = folder_at(world.a.company, "Banque")
    old = document_trash(document=deposit(banque, "vieux.pdf", PDF + b"old"), by=world.a.admin)
    recent = document_trash(document=deposit(banque, "recent.pdf", PDF + b"new"), by=None)
    live = deposit(banque, "releve.pdf", PDF + b"live")
    Document.objects.filter(pk=old.pk).update(trashed_at=timezone.now() - timedelta(days=31))
    media = Path(settings.MEDIA_ROOT)

    purge_trash.delay()

    deadline = time.monotonic() + 30
    while Document.objects.filter(pk=old.pk).exists() or (media / old.file.name).exists():
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.2)
    for document in (recent, live):
        assert Document.objects.filter(pk=document.pk).exists()
        assert (media / document.file.name).exists()
