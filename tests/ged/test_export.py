"""« Exporter les documents (zip) »: staff download a company's live GED as one zip, each
document under its folders' names with its very bytes, and a manifest saying what each one is
and what was sent of it, where and when; the export is audited once it is whole."""

import csv
import hashlib
import io
import zipfile
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ged.models import Channel
from ged.services.documents import document_trash
from ged.services.export import company_export
from partner_apps.models import Delivery, DeliveryStatus, PartnerApp, ReasonCode
from partner_apps.services.authorizations import authorization_set
from partner_apps.services.automations import automation_set
from partner_apps.services.store import app_install
from tests.conftest import browser
from tests.helpers.documents import PDF, deposit, folder_at
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

ACHATS = "Dossier comptable annuel 2026/Achats"
VENTES = "Dossier comptable annuel 2026/Ventes"
CONTRATS = "Administratif/Contrats"
COLLECTION = "achat.boulangerie-alpha@inqombox.com"
SENT_AT = datetime(2026, 3, 2, 10, 15, tzinfo=ZoneInfo("Europe/Paris"))
HEADERS = [
    "Chemin",
    "Nom",
    "SHA-256",
    "Taille (octets)",
    "Déposé le",
    "Déposé par",
    "Canal",
    "Envois",
    "Remarque",
]


def pdf(label: str) -> bytes:
    return PDF + label.encode()


def export_url(company) -> str:
    return f"/ged/entreprises/{company.pk}/export/"


def download(user, company):
    response = browser(user).post(export_url(company))
    assert response.status_code == 200, response.status_code
    assert response.streaming
    return response, zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def manifest_of(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    text = archive.read("manifeste.csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == HEADERS
    return [dict(zip(HEADERS, row, strict=True)) for row in rows[1:]]


@pytest.fixture
def ged(world):
    """Alpha's Boulangerie: Achats switched on for Inqom Achats (one invoice sent, one skipped
    as a duplicate), two invoices named alike and one differing only in case, a name with
    characters Windows refuses, one deposited by email, one in the trash, an empty folder; and
    Garage Alpha's own invoice."""
    a = world.a
    app_install(
        cabinet=a.cabinet,
        app=PartnerApp.objects.get(slug="inqom"),
        by=a.admin,
        with_companions=True,
    )
    connector = PartnerApp.objects.get(slug="inqom-achats")
    authorization_set(
        company=a.company, app=connector, enabled=True, collection_email=COLLECTION, by=a.admin
    )
    achats, ventes = folder_at(a.company, ACHATS), folder_at(a.company, VENTES)
    folder_at(a.company, CONTRATS)
    automation_set(folder=achats, app=connector, enabled=True, by=a.admin)
    docs = {
        "sent": deposit(achats, "facture.pdf", pdf("mars"), by=a.client),
        "same name": deposit(achats, "facture.pdf", pdf("avril"), by=a.admin),
        "case": deposit(achats, "FACTURE.pdf", pdf("mai"), by=a.client),
        "windows": deposit(ventes, "devis: mars?.pdf", pdf("devis"), by=a.collaborator),
        "formula": deposit(ventes, "=HYPERLINK(1).pdf", pdf("piège"), by=a.client),
        "email": deposit(ventes, "relevé.pdf", pdf("relevé"), channel=Channel.EMAIL),
    }
    Delivery.objects.filter(document=docs["sent"]).update(
        status=DeliveryStatus.SENT, sent_at=SENT_AT
    )
    Delivery.objects.filter(document=docs["same name"]).update(
        status=DeliveryStatus.SKIPPED, reason_code=ReasonCode.DUPLICATE
    )
    trashed = deposit(achats, "ancien.pdf", pdf("ancien"), by=a.admin)
    document_trash(document=trashed, by=a.admin)
    deposit(folder_at(a.other_company, ACHATS), "garage.pdf", pdf("garage"), by=a.admin)
    return docs


def test_staff_download_every_live_document_under_its_folders_names(world, ged):
    response, archive = download(world.a.admin, world.a.company)

    files = {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    assert files == {
        f"{ACHATS}/facture.pdf": pdf("mars"),
        f"{ACHATS}/facture (2).pdf": pdf("avril"),
        f"{ACHATS}/FACTURE (3).pdf": pdf("mai"),
        f"{VENTES}/devis_ mars_.pdf": pdf("devis"),
        f"{VENTES}/=HYPERLINK(1).pdf": pdf("piège"),
        f"{VENTES}/relevé.pdf": pdf("relevé"),
        "manifeste.csv": archive.read("manifeste.csv"),
    }
    # Every live folder is there, the empty one too; nothing of the trash nor of the Garage.
    assert {name for name in archive.namelist() if name.endswith("/")} >= {
        "Administratif/",
        f"{CONTRATS}/",
        f"{ACHATS}/",
        f"{VENTES}/",
    }
    assert not [name for name in archive.namelist() if "ancien" in name or "garage" in name]
    assert archive.testzip() is None
    assert response["Content-Type"] == "application/zip"


def test_the_manifest_says_what_each_document_is_and_what_was_sent_where_and_when(world, ged):
    _response, archive = download(world.a.collaborator, world.a.company)

    rows = {row["Chemin"]: row for row in manifest_of(archive)}
    assert len(rows) == 6
    sent = rows[f"{ACHATS}/facture.pdf"]
    document = ged["sent"]
    assert sent == {
        "Chemin": f"{ACHATS}/facture.pdf",
        "Nom": "facture.pdf",
        "SHA-256": hashlib.sha256(pdf("mars")).hexdigest(),
        "Taille (octets)": str(len(pdf("mars"))),
        "Déposé le": document.deposited_at.astimezone(ZoneInfo("Europe/Paris")).isoformat(
            timespec="seconds"
        ),
        "Déposé par": "client@alpha.fr",
        "Canal": "Portail",
        "Envois": f"{COLLECTION} : Envoyé le 2026-03-02T10:15:00+01:00",
        "Remarque": "",
    }
    assert rows[f"{ACHATS}/facture (2).pdf"]["Envois"] == (f"{COLLECTION} : Non envoyé (Doublon)")
    assert rows[f"{ACHATS}/facture (2).pdf"]["Déposé par"] == "admin@alpha.fr"
    assert rows[f"{VENTES}/devis_ mars_.pdf"]["Nom"] == "devis: mars?.pdf"
    assert rows[f"{VENTES}/devis_ mars_.pdf"]["Envois"] == ""
    email = rows[f"{VENTES}/relevé.pdf"]
    assert (email["Déposé par"], email["Canal"]) == ("—", "Courriel")
    # A spreadsheet opening the manifest must not run a name as a formula.
    formula = rows[f"{VENTES}/=HYPERLINK(1).pdf"]
    assert formula["Nom"] == "'=HYPERLINK(1).pdf"
    for path, row in rows.items():
        assert row["SHA-256"] == hashlib.sha256(archive.read(path)).hexdigest()
        assert row["Déposé le"][-6:] in ("+01:00", "+02:00")


def test_the_download_is_named_after_the_company_and_the_day(world, ged):
    world.a.company.name = "Boulangerie Étoile & Fils"
    world.a.company.save()

    response, _archive = download(world.a.admin, world.a.company)

    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="boulangerie-etoile-fils-2')
    assert "filename*=UTF-8''boulangerie-%C3%A9toile-fils-2" in disposition
    assert disposition.isascii()
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_company_without_documents_exports_its_folders_and_an_empty_manifest(world):
    folder_at(world.a.company, CONTRATS)

    _response, archive = download(world.a.admin, world.a.company)

    assert archive.namelist() == ["Administratif/", f"{CONTRATS}/", "manifeste.csv"]
    assert manifest_of(archive) == []
    assert AuditEntry.objects.get(action="company.exported").data["documents"] == 0


def test_a_whole_export_is_audited_with_its_counts(world, ged):
    _response, archive = download(world.a.admin, world.a.company)

    entry = AuditEntry.objects.get(action="company.exported")
    assert (entry.cabinet, entry.actor, entry.target_id) == (
        world.a.cabinet,
        world.a.admin,
        str(world.a.company.pk),
    )
    assert entry.data["documents"] == 6
    assert entry.data["bytes"] == sum(
        len(archive.read(path)) for path in archive.namelist() if path.endswith(".pdf")
    )
    assert entry.data["archive_bytes"] > entry.data["bytes"]
    assert entry.data["missing"] == 0
    # When the export began to read the documents, with its offset: before the entry itself.
    as_of = datetime.fromisoformat(entry.data["as_of"])
    assert as_of.utcoffset() is not None
    assert max(d.deposited_at for d in ged.values()) <= as_of <= entry.created_at


def test_a_download_stopped_halfway_is_no_export(world, ged):
    chunks = iter(company_export(company=world.a.company, by=world.a.admin))
    next(chunks)
    chunks.close()

    assert not AuditEntry.objects.filter(action="company.exported").exists()


def test_a_file_missing_from_storage_is_said_in_the_manifest_and_the_rest_exported(world, ged):
    default_storage.delete(ged["case"].file.name)

    _response, archive = download(world.a.admin, world.a.company)

    assert f"{ACHATS}/FACTURE (3).pdf" not in archive.namelist()
    assert archive.read(f"{ACHATS}/facture.pdf") == pdf("mars")
    [missing] = [row for row in manifest_of(archive) if row["Nom"] == "FACTURE.pdf"]
    assert missing["Chemin"] == ""
    assert missing["Remarque"] == "Fichier introuvable dans le stockage : absent de l'archive."
    assert AuditEntry.objects.get(action="company.exported").data["missing"] == 1


def test_a_document_whose_stored_bytes_changed_is_flagged(world, ged):
    name = ged["email"].file.name
    default_storage.delete(name)
    default_storage.save(name, io.BytesIO(b"autre chose"))

    _response, archive = download(world.a.admin, world.a.company)

    [row] = [row for row in manifest_of(archive) if row["Nom"] == "relevé.pdf"]
    assert row["SHA-256"] == ged["email"].sha256
    assert hashlib.sha256(b"autre chose").hexdigest() in row["Remarque"]


def test_the_queries_do_not_grow_with_the_documents(world, ged):
    def queries_of(company, **kwargs) -> int:
        with CaptureQueriesContext(connection) as captured:
            b"".join(company_export(company=company, by=world.a.admin, **kwargs))
        return len(captured)

    # The Garage holds one document; the Boulangerie six, and twenty more.
    achats = folder_at(world.a.company, ACHATS)
    for n in range(20):
        deposit(achats, f"ticket-{n}.pdf", pdf(f"ticket {n}"))
    # The folder tree, the documents (one query), their sends (one per batch), the audit entry.
    assert queries_of(world.a.other_company) == 4
    assert queries_of(world.a.company) == 4
    # In batches of 10, one query more for each batch's sends: 26 documents, 3 batches.
    assert queries_of(world.a.company, batch_size=10) == 6


def test_the_archive_streams_in_chunks_of_at_most_a_mebibyte(world):
    big = bytes(range(256)) * (3 * 4096 + 7)  # 3 MiB and a little
    deposit(folder_at(world.a.company, ACHATS), "gros.pdf", PDF + big)

    sizes = [len(chunk) for chunk in company_export(company=world.a.company, by=None)]

    assert sum(sizes) > len(big)
    assert max(sizes) <= 1024 * 1024 + 200  # one chunk of the file, and a header


def test_a_collaborator_may_export(world, ged):
    assert browser(world.a.collaborator).post(export_url(world.a.company)).status_code == 200


def test_a_client_gets_the_404_of_a_page_that_does_not_exist(world, ged):
    response = browser(world.a.client).post(export_url(world.a.company))

    assert response.status_code == 404
    assert not response.streaming


def test_another_cabinets_staff_get_404(world, ged):
    assert browser(world.b.admin).post(export_url(world.a.company)).status_code == 404


def test_a_get_exports_nothing(world, ged):
    assert browser(world.a.admin).get(export_url(world.a.company)).status_code == 405
    assert not AuditEntry.objects.filter(action="company.exported").exists()


def test_the_company_page_offers_the_export_to_staff(world):
    response = browser(world.a.admin).get(f"/reglages/entreprises/{world.a.company.pk}/")

    assert response.status_code == 200
    assert f'action="{export_url(world.a.company)}"' in response.content.decode()
    assert "Exporter les documents (zip)" in response.content.decode()
