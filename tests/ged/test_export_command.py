"""`manage.py export_company`: the same archive as the page's button, to a file or stdout,
audited without an actor; a clear error for what it cannot find, and no half-written file."""

import io
import zipfile

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.management import CommandError, call_command

from tests.conftest import browser
from tests.helpers.documents import PDF, deposit, folder_at
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

ACHATS = "Dossier comptable annuel 2026/Achats"


@pytest.fixture
def out(tmp_path):
    """An empty directory for the archive (tmp_path also holds the tests' storage)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


@pytest.fixture
def company(world):
    achats = folder_at(world.a.company, ACHATS)
    deposit(achats, "facture.pdf", PDF + b"mars", by=world.a.client)
    deposit(achats, "facture.pdf", PDF + b"avril", by=world.a.client)
    deposit(folder_at(world.a.company, "Administratif/Contrats"), "bail.pdf", PDF + b"bail")
    return world.a.company


def entries(archive: zipfile.ZipFile) -> dict[str, bytes]:
    return {info.filename: archive.read(info) for info in archive.infolist()}


def test_the_file_holds_what_the_page_downloads(world, company, out, capsys):
    output = out / "boulangerie.zip"

    call_command("export_company", cabinet="alpha", company=str(company.pk), output=str(output))
    page = browser(world.a.admin).post(f"/ged/entreprises/{company.pk}/export/")

    from_page = zipfile.ZipFile(io.BytesIO(b"".join(page.streaming_content)))
    from_command = zipfile.ZipFile(output)
    assert entries(from_command) == entries(from_page)
    assert f"{ACHATS}/facture (2).pdf" in from_command.namelist()
    assert "3 documents exportés" in capsys.readouterr().err
    assert list(out.iterdir()) == [output]
    by_command, by_page = AuditEntry.objects.filter(action="company.exported").order_by("pk")
    assert (by_command.actor, by_command.actor_email, by_command.cabinet) == (
        None,
        "",
        world.a.cabinet,
    )
    assert by_command.data["documents"] == 3
    assert by_page.actor == world.a.admin


def test_a_dash_writes_the_archive_to_stdout(company, capsysbinary):
    call_command("export_company", cabinet="alpha", company=str(company.pk), output="-")

    archive = zipfile.ZipFile(io.BytesIO(capsysbinary.readouterr().out))
    assert archive.read(f"{ACHATS}/facture.pdf") == PDF + b"mars"
    assert "manifeste.csv" in archive.namelist()


@pytest.mark.parametrize(
    ("cabinet", "company_id", "message"),
    [
        ("gamma", "{alpha}", "Cabinet inconnu : « gamma »."),
        ("beta", "{alpha}", "Le cabinet « beta » n'a pas d'entreprise n° {alpha}."),
        ("alpha", "10000000", "Le cabinet « alpha » n'a pas d'entreprise n° 10000000."),
        ("alpha", "douze", "Le cabinet « alpha » n'a pas d'entreprise n° douze."),
    ],
)
def test_what_it_cannot_find_is_a_clear_error(company, out, cabinet, company_id, message):
    company_id = company_id.format(alpha=company.pk)
    output = out / "x.zip"

    with pytest.raises(CommandError) as error:
        call_command("export_company", cabinet=cabinet, company=company_id, output=str(output))

    assert str(error.value) == message.format(alpha=company.pk)
    assert list(out.iterdir()) == []
    assert not AuditEntry.objects.filter(action="company.exported").exists()


def test_a_missing_directory_is_a_clear_error(company, out):
    output = out / "absent" / "x.zip"

    with pytest.raises(CommandError, match="Dossier introuvable"):
        call_command("export_company", cabinet="alpha", company=str(company.pk), output=str(output))

    assert not AuditEntry.objects.filter(action="company.exported").exists()


def test_an_export_that_fails_leaves_no_file(company, out, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disque plein")

    monkeypatch.setattr(FileSystemStorage, "open", broken)
    output = out / "x.zip"

    with pytest.raises(OSError, match="disque plein"):
        call_command("export_company", cabinet="alpha", company=str(company.pk), output=str(output))

    assert list(out.iterdir()) == []
    assert not AuditEntry.objects.filter(action="company.exported").exists()
