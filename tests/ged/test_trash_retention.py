"""The trash is emptied after TRASH_RETENTION_DAYS days, files included; nothing else is ever
deleted by the portal on its own."""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ged.models import Document, Folder
from ged.services.documents import document_trash
from ged.services.folders import folder_trash
from ged.services.trash_retention import trash_purge
from tests.conftest import browser
from tests.helpers.documents import PDF, deposit, folder_at
from tests.pages import text_of
from welyb_portal.tenancy.models import AuditEntry


def stored(document: Document) -> Path:
    return Path(settings.MEDIA_ROOT) / document.file.name


def trashed_days_ago(days: int, *, documents=(), folders=()) -> None:
    """Moves the trashing of these back in time, with what left with each folder."""
    when = timezone.now() - timedelta(days=days)
    Document.objects.filter(pk__in=[d.pk for d in documents]).update(trashed_at=when)
    for folder in folders:
        Folder.objects.filter(trash_root=folder).update(trashed_at=when)
        Document.objects.filter(trash_root=folder).update(trashed_at=when)


def test_what_stayed_in_the_trash_too_long_goes_with_its_files_and_nothing_else(
    world, django_capture_on_commit_callbacks
):
    alpha, beta = world.a, world.b
    banque = folder_at(alpha.company, "Banque")
    live = deposit(banque, "releve.pdf", PDF + b"live")
    old = document_trash(document=deposit(banque, "vieux.pdf", PDF + b"old"), by=alpha.admin)
    recent = document_trash(document=deposit(banque, "recent.pdf", PDF + b"new"), by=alpha.admin)
    old_folder = folder_at(alpha.company, "Archives 2019")
    inside = deposit(folder_at(alpha.company, "Archives 2019/Achats"), "a.pdf", PDF + b"in")
    folder_trash(folder=old_folder, by=alpha.admin)
    recent_folder = folder_at(beta.company, "Brouillons")
    kept_inside = deposit(recent_folder, "b.pdf", PDF + b"kept")
    folder_trash(folder=recent_folder, by=beta.admin)
    other_cabinet_old = document_trash(
        document=deposit(folder_at(beta.company, "Banque"), "c.pdf", PDF + b"c"), by=beta.admin
    )
    trashed_days_ago(31, documents=[old, other_cabinet_old], folders=[old_folder])
    trashed_days_ago(29, documents=[recent], folders=[recent_folder])

    with django_capture_on_commit_callbacks(execute=True):
        counts = trash_purge()

    assert (counts.documents, counts.folders) == (3, 2)
    gone = [old, inside, other_cabinet_old]
    assert not Document.objects.filter(pk__in=[d.pk for d in gone]).exists()
    assert not any(stored(d).exists() for d in gone)
    assert not Folder.objects.filter(path__startswith=old_folder.path).exists()
    for document in (live, recent, kept_inside):
        assert Document.objects.filter(pk=document.pk).exists()
        assert stored(document).exists()
    assert Folder.objects.filter(pk=recent_folder.pk).exists()
    assert Folder.objects.filter(pk=banque.pk).exists()
    # Each cabinet's trail says how much went, and why.
    trail = {e.cabinet_id: e.data for e in AuditEntry.objects.filter(action="documents.purged")}
    assert trail[alpha.cabinet.pk]["documents"] == 2
    assert trail[alpha.cabinet.pk]["folders"] == 2
    assert trail[alpha.cabinet.pk]["reason"] == "trash_retention"
    assert trail[beta.cabinet.pk]["documents"] == 1


def test_the_retention_follows_the_setting(world, settings):
    settings.TRASH_RETENTION_DAYS = 7
    document = document_trash(
        document=deposit(folder_at(world.a.company, "Banque")), by=world.a.admin
    )
    trashed_days_ago(8, documents=[document])
    assert trash_purge().documents == 1


def test_the_purge_costs_the_same_queries_for_few_or_many(world):
    def trash_some(company, count: int):
        folder = folder_at(company, "Banque")
        documents = [
            document_trash(document=deposit(folder, f"{n}.pdf", PDF + bytes([n])), by=None)
            for n in range(count)
        ]
        folders = [folder_at(company, f"Vieux {n}/Sous-dossier").parent for n in range(count)]
        for folder in folders:
            deposit(folder, "x.pdf", PDF + folder.name.encode())
            folder_trash(folder=folder, by=world.a.admin)
        trashed_days_ago(40, documents=documents, folders=folders)

    trash_some(world.a.company, 1)
    with CaptureQueriesContext(connection) as few:
        assert trash_purge().documents == 2
    trash_some(world.a.other_company, 5)
    with CaptureQueriesContext(connection) as many:
        assert trash_purge().documents == 10
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_trash_page_says_when_its_content_goes(world, settings):
    page = browser(world.a.collaborator).get(f"/ged/entreprises/{world.a.company.pk}/corbeille/")
    assert "Les éléments de la corbeille sont supprimés définitivement après 30 jours." in text_of(
        page
    )
    settings.TRASH_RETENTION_DAYS = 1
    page = browser(world.a.admin).get(f"/ged/entreprises/{world.a.company.pk}/corbeille/")
    assert "supprimés définitivement après 1 jour." in text_of(page)


def test_the_command_empties_the_trash_where_no_beat_runs(world, capsys):
    document = document_trash(
        document=deposit(folder_at(world.a.company, "Banque")), by=world.a.admin
    )
    trashed_days_ago(31, documents=[document])
    call_command("purge_trash")
    assert "1 document supprimé définitivement, 0 dossier" in capsys.readouterr().out
    assert not Document.objects.filter(pk=document.pk).exists()


def test_beat_empties_the_trash_every_night():
    entry = settings.CELERY_BEAT_SCHEDULE["ged-trash-purge"]
    assert entry["task"] == "ged.tasks.purge_trash"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {20})
