"""The rules of forwarding deposits to Inqom, as an accountant checks them: what is sent (the
email Inqom receives, the document "Validé", the send history) and what is not, with why."""

import io
import zipfile

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ged.models import Channel, DocumentStatus, Folder
from ged.services.documents import document_move, document_trash
from ged.services.folders import folder_move
from partner_apps.models import Delivery, DeliveryStatus, FolderAutomation
from partner_apps.selectors.automations import folder_automation_states
from partner_apps.services.attention import delivery_retry
from partner_apps.services.automations import automation_bulk_enable
from partner_apps.services.store import app_uninstall
from partner_apps.tasks import deliver
from tests.factories import CompanyFactory, SuperuserFactory
from tests.helpers.documents import CSV, PDF, PNG, deposit, folder_at
from tests.helpers.forwarding import (
    ACHAT,
    ACHATS,
    ADMIN,
    ADMINISTRATIF,
    ANNUAL,
    ANYMAIL_TEST_BACKEND,
    NDF,
    NOT_AUTHORISED,
    VENTES,
    address,
    alpha_connected,
    connect,
    deliveries_of,
    delivery_of,
    deposit_and_send,
    received,
    switch_off,
    switch_on,
)
from tests.helpers.store import app, authorize
from welyb_portal.tenancy.services.users import client_invite

pytestmark = pytest.mark.django_db

SENDER = "no-reply@welyb.fr"
FORMATS = ".pdf, .png, .jpg, .jpeg, .xls, .xlsx, .doc, .docx, .txt, .csv"

# First bytes of files as Office 97-2003 writes them (an OLE2 container whose first sector is
# the Excel workbook stream, or the Word document stream).
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
XLS = OLE2 + b"\x09\x08\x10\x00\x00\x06\x05\x00" + bytes(600)
DOC = OLE2 + b"\xec\xa5\xc1\x00" + bytes(600)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + bytes(64)


def office_zip(first: str, second: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(first, "<x/>")
        archive.writestr(second, "<x/>")
    return buffer.getvalue()


XLSX = office_zip("xl/workbook.xml", "xl/worksheets/sheet1.xml")
DOCX = office_zip("word/document.xml", "word/styles.xml")


@pytest.fixture(autouse=True)
def esp(settings):
    settings.EMAIL_BACKEND = ANYMAIL_TEST_BACKEND
    settings.INQOM_SENDER_EMAIL = SENDER


@pytest.fixture
def alpha(world):
    """Cabinet Alpha has installed Inqom's connectors; Boulangerie Alpha is authorised for Inqom
    Achats and Inqom Administratif with the addresses Inqom gave it."""
    return alpha_connected(world)


@pytest.fixture
def achats(alpha):
    return folder_at(alpha.company, f"{ANNUAL}/Achats")


@pytest.fixture
def automated(alpha, achats):
    """Inqom Achats switched on on the annual folder's Achats, as the guide recommends."""
    switch_on(achats, ACHATS, alpha.admin)
    return achats


def assert_forwarded(document, *, to: str, company, content: bytes, content_type: str):
    """What the accountant checks: one email from the platform sender to the collection address,
    naming the company and the document, the file attached as it was deposited; the document
    "Validé"; its delivery "sent" to that address."""
    [sent] = received(to=to)
    assert sent.sender == SENDER
    assert sent.envelope_sender == SENDER
    assert sent.to == [to]
    assert company.name in sent.subject
    assert document.name in sent.subject
    assert sent.attachment == (document.name, content_type, content)
    document.refresh_from_db()
    assert document.status == DocumentStatus.VALIDATED
    delivery = Delivery.objects.get(document=document, target=to)
    assert delivery.status == DeliveryStatus.SENT
    # Under the company's cabinet, where the send history finds it.
    assert delivery.cabinet == company.cabinet
    assert delivery.reason == ""
    assert delivery.message_id != ""
    assert delivery.sent_at is not None


def today() -> str:
    return f"{timezone.localdate():%d/%m/%Y}"


def assert_skipped(document, reason: str, slug: str = ACHATS):
    """Kept in the GED, not sent, "À traiter", with the reason staff read in the history."""
    delivery = delivery_of(document, slug)
    assert (delivery.status, delivery.reason) == (DeliveryStatus.SKIPPED, reason)
    assert mail.outbox == []
    document.refresh_from_db()
    assert document.status == DocumentStatus.PENDING


# --- No retroactivity --------------------------------------------------------------------------


@pytest.mark.parametrize("channel", Channel.values)
def test_a_document_deposited_after_activation_is_sent_whatever_the_channel(
    alpha, automated, channel, django_capture_on_commit_callbacks
):
    depositor = SuperuserFactory() if channel == Channel.ADMIN else alpha.client

    document = deposit_and_send(
        django_capture_on_commit_callbacks,
        automated,
        "Facture Moulin 2026-01.pdf",
        by=depositor,
        channel=channel,
    )

    assert_forwarded(
        document, to=ACHAT, company=alpha.company, content=PDF, content_type="application/pdf"
    )
    assert deliveries_of(document) == [(ACHATS, DeliveryStatus.SENT, "")]


def test_the_email_comes_from_the_sender_the_cabinet_authorised_in_inqom(
    alpha, automated, settings, django_capture_on_commit_callbacks
):
    settings.INQOM_SENDER_EMAIL = "depots@portail-cabinet.fr"

    deposit_and_send(django_capture_on_commit_callbacks, automated)

    [sent] = received(to=ACHAT)
    assert sent.sender == sent.envelope_sender == "depots@portail-cabinet.fr"


def test_documents_already_in_the_folder_are_never_sent_not_even_after_off_then_on(
    alpha, achats, django_capture_on_commit_callbacks
):
    before = deposit_and_send(django_capture_on_commit_callbacks, achats, "avant.pdf", b"%PDF-1")
    switch_on(achats, ACHATS, alpha.admin)
    during = deposit_and_send(django_capture_on_commit_callbacks, achats, "pendant.pdf", b"%PDF-2")
    switch_off(achats, ACHATS, alpha.admin)
    while_off = deposit_and_send(django_capture_on_commit_callbacks, achats, "off.pdf", b"%PDF-3")
    switch_on(achats, ACHATS, alpha.admin)
    after = deposit_and_send(django_capture_on_commit_callbacks, achats, "apres.pdf", b"%PDF-4")

    assert [e.attachment[0] for e in received(to=ACHAT)] == ["pendant.pdf", "apres.pdf"]
    for document in (before, while_off):
        assert deliveries_of(document) == []
        document.refresh_from_db()
        assert document.status == DocumentStatus.PENDING
    for document in (during, after):
        assert deliveries_of(document) == [(ACHATS, DeliveryStatus.SENT, "")]


# --- Inheritance, moves, at most once ------------------------------------------------------------


def test_a_switch_on_achats_applies_to_its_subfolders_present_and_future(
    alpha, achats, django_capture_on_commit_callbacks
):
    january = folder_at(alpha.company, f"{ANNUAL}/Achats/Janvier")
    switch_on(achats, ACHATS, alpha.admin)
    supplier = folder_at(alpha.company, f"{ANNUAL}/Achats/Février/Fournisseurs/Moulin")

    first = deposit_and_send(django_capture_on_commit_callbacks, january, "janvier.pdf", b"%PDF-1")
    second = deposit_and_send(django_capture_on_commit_callbacks, supplier, "moulin.pdf", b"%PDF-2")

    assert [e.attachment for e in received(to=ACHAT)] == [
        ("janvier.pdf", "application/pdf", b"%PDF-1"),
        ("moulin.pdf", "application/pdf", b"%PDF-2"),
    ]
    for document in (first, second):
        document.refresh_from_db()
        assert document.status == DocumentStatus.VALIDATED


def test_a_subfolder_shows_the_switch_on_and_locked_inherited_from_achats(alpha, automated):
    supplier = folder_at(alpha.company, f"{ANNUAL}/Achats/Fournisseurs")

    state = next(s for s in folder_automation_states(folder=supplier) if s.app == app(ACHATS))

    assert state.enabled
    assert state.locked
    assert state.inherited_from == automated
    assert state.available


def test_a_document_moved_into_an_automated_folder_is_sent(
    alpha, automated, django_capture_on_commit_callbacks
):
    bank = folder_at(alpha.company, f"{ANNUAL}/Banque")
    document = deposit_and_send(django_capture_on_commit_callbacks, bank, "ticket.png", PNG)
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        document_move(document=document, folder=automated, by=alpha.collaborator)

    assert_forwarded(
        document, to=ACHAT, company=alpha.company, content=PNG, content_type="image/png"
    )


def test_a_folder_moved_under_an_automated_folder_has_its_documents_sent(
    alpha, automated, django_capture_on_commit_callbacks
):
    inbox = folder_at(alpha.company, "À classer")
    nested = folder_at(alpha.company, "À classer/Fournisseurs")
    top = deposit_and_send(django_capture_on_commit_callbacks, inbox, "edf.pdf", b"%PDF-edf")
    deep = deposit_and_send(django_capture_on_commit_callbacks, nested, "orange.pdf", b"%PDF-or")
    binned = deposit_and_send(django_capture_on_commit_callbacks, nested, "erreur.pdf", b"%PDF-x")
    document_trash(document=binned, by=alpha.collaborator)

    with django_capture_on_commit_callbacks(execute=True):
        folder_move(folder=inbox, parent=automated, by=alpha.collaborator)

    assert sorted(e.attachment[0] for e in received(to=ACHAT)) == ["edf.pdf", "orange.pdf"]
    for document in (top, deep):
        assert deliveries_of(document) == [(ACHATS, DeliveryStatus.SENT, "")]
    assert deliveries_of(binned) == []


def test_a_document_is_sent_once_per_connector_ever_even_moved_out_and_back(
    alpha, automated, django_capture_on_commit_callbacks
):
    bank = folder_at(alpha.company, f"{ANNUAL}/Banque")
    inbox = folder_at(alpha.company, f"{ANNUAL}/Achats/A revoir")
    document = deposit_and_send(django_capture_on_commit_callbacks, inbox)

    with django_capture_on_commit_callbacks(execute=True):
        document_move(document=document, folder=bank, by=alpha.collaborator)
        document_move(document=document, folder=automated, by=alpha.collaborator)
        folder_move(folder=inbox, parent=bank, by=alpha.collaborator)
        document_move(document=document, folder=inbox, by=alpha.collaborator)
        folder_move(folder=inbox, parent=automated, by=alpha.collaborator)

    assert len(received(to=ACHAT)) == 1
    assert Delivery.objects.filter(document=document).count() == 1


def test_a_document_already_under_the_switch_moved_within_it_is_not_sent(
    alpha, achats, django_capture_on_commit_callbacks
):
    january = folder_at(alpha.company, f"{ANNUAL}/Achats/Janvier")
    february = folder_at(alpha.company, f"{ANNUAL}/Achats/Février")
    old = deposit_and_send(django_capture_on_commit_callbacks, january, "ancienne.pdf")
    switch_on(achats, ACHATS, alpha.admin)

    with django_capture_on_commit_callbacks(execute=True):
        document_move(document=old, folder=february, by=alpha.collaborator)

    assert mail.outbox == []
    assert deliveries_of(old) == []


def test_a_folder_moved_within_the_automated_tree_does_not_send_its_older_documents(
    alpha, achats, django_capture_on_commit_callbacks
):
    january = folder_at(alpha.company, f"{ANNUAL}/Achats/Janvier")
    suppliers = folder_at(alpha.company, f"{ANNUAL}/Achats/Fournisseurs")
    old = deposit_and_send(django_capture_on_commit_callbacks, january, "ancienne.pdf")
    switch_on(achats, ACHATS, alpha.admin)

    with django_capture_on_commit_callbacks(execute=True):
        folder_move(folder=january, parent=suppliers, by=alpha.collaborator)

    assert mail.outbox == []
    assert deliveries_of(old) == []


# --- Kept in the GED, not sent, with the reason ----------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "type_"),
    [
        ("facture.pdf", PDF, "application/pdf"),
        ("ticket.png", PNG, "image/png"),
        ("ticket.jpg", JPEG, "image/jpeg"),
        ("ticket.jpeg", JPEG, "image/jpeg"),
        ("balance.xls", XLS, "application/vnd.ms-excel"),
        ("balance.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("contrat.doc", DOC, "application/msword"),
        (
            "contrat.docx",
            DOCX,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("note.txt", b"Loyer janvier : 850 EUR\n", "text/plain"),
        ("releve.csv", CSV, "text/csv"),
    ],
    ids=["pdf", "png", "jpg", "jpeg", "xls", "xlsx", "doc", "docx", "txt", "csv"],
)
def test_each_format_inqom_accepts_is_sent_under_its_name_and_type(
    alpha, automated, name, content, type_, django_capture_on_commit_callbacks
):
    document = deposit_and_send(django_capture_on_commit_callbacks, automated, name, content)

    assert_forwarded(document, to=ACHAT, company=alpha.company, content=content, content_type=type_)
    # Through an ESP's API too, as anymail hands the attachment over.
    [attachment] = mail.outbox[0].anymail_test_params["attachments"]
    assert (attachment.name, attachment.mimetype) == (name, type_)
    assert attachment.content_bytes == content


@pytest.mark.parametrize(
    "encoding", ["utf-8", "windows-1252"], ids=["utf8_unix_lines", "excel_windows_1252"]
)
def test_a_csv_export_reaches_inqom_as_text_csv_with_its_exact_bytes(
    alpha, automated, encoding, django_capture_on_commit_callbacks
):
    content = "date;libellé;montant\n2026-01-05;Farine T65;120,50\n".encode(encoding)

    deposit_and_send(django_capture_on_commit_callbacks, automated, "grand-livre.csv", content)

    # Over SMTP, as the bytes travel.
    [sent] = received(to=ACHAT)
    assert sent.attachment == ("grand-livre.csv", "text/csv", content)
    # Through an ESP's API, as anymail hands the attachment over.
    [attachment] = mail.outbox[0].anymail_test_params["attachments"]
    assert (attachment.name, attachment.mimetype) == ("grand-livre.csv", "text/csv")
    assert attachment.content_bytes == content


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("photo.heic", ".heic"),
        ("archives.zip", ".zip"),
        ("devis.odt", ".odt"),
        ("page.html", ".html"),
        ("scan", "sans extension"),
    ],
)
def test_a_format_inqom_does_not_take_stays_in_the_ged_and_is_not_sent(
    alpha, automated, name, shown, django_capture_on_commit_callbacks
):
    document = deposit_and_send(django_capture_on_commit_callbacks, automated, name, b"bytes")

    assert_skipped(document, f"Format non accepté par Inqom ({shown}) : {FORMATS} seulement.")


@pytest.mark.parametrize(
    ("name", "content", "ext", "found"),
    [
        ("facture.pdf", b"Ceci n'est pas un PDF.\n", "pdf", "text/plain"),
        ("ticket.jpg", PNG, "jpg", "image/png"),
        ("releve.csv", PDF, "csv", "application/pdf"),
    ],
)
def test_a_file_whose_bytes_are_not_what_its_name_says_is_not_sent(
    alpha, automated, name, content, ext, found, django_capture_on_commit_callbacks
):
    document = deposit_and_send(django_capture_on_commit_callbacks, automated, name, content)

    assert_skipped(
        document,
        f"Le contenu du fichier ne correspond pas à son extension .{ext} (contenu détecté : "
        f"{found}) : Inqom le refuserait.",
    )


def test_a_file_over_the_inqom_size_limit_is_not_sent_and_one_at_the_limit_is(
    alpha, automated, settings, django_capture_on_commit_callbacks
):
    settings.INQOM_MAX_ATTACHMENT_MB = 1
    at_limit = PDF + b"0" * (1024 * 1024 - len(PDF))
    over = at_limit + b"0"

    big = deposit_and_send(django_capture_on_commit_callbacks, automated, "gros.pdf", over)
    assert_skipped(big, "Fichier trop volumineux pour Inqom (1 Mo maximum).")

    fits = deposit_and_send(django_capture_on_commit_callbacks, automated, "juste.pdf", at_limit)
    assert_forwarded(
        fits, to=ACHAT, company=alpha.company, content=at_limit, content_type="application/pdf"
    )


def test_a_company_revoked_after_activation_gets_nothing_sent(
    alpha, automated, django_capture_on_commit_callbacks
):
    authorize(alpha, alpha.company, ACHATS, ACHAT, enabled=False)

    document = deposit_and_send(django_capture_on_commit_callbacks, automated)

    assert_skipped(document, NOT_AUTHORISED)


def test_a_company_revoked_between_deposit_and_send_gets_nothing_sent(
    alpha, automated, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        document = deposit(automated, by=alpha.client)
    assert delivery_of(document).status == DeliveryStatus.PENDING
    authorize(alpha, alpha.company, ACHATS, ACHAT, enabled=False)

    for enqueue in enqueued:
        enqueue()

    assert_skipped(document, NOT_AUTHORISED)


def test_an_uninstalled_app_sends_nothing(alpha, automated, django_capture_on_commit_callbacks):
    app_uninstall(cabinet=alpha.cabinet, app=app(ACHATS), by=alpha.admin)

    document = deposit_and_send(django_capture_on_commit_callbacks, automated)

    assert_skipped(document, "L'application « Inqom Achats » n'est plus installée par le cabinet.")


def test_an_app_uninstalled_between_deposit_and_send_sends_nothing(
    alpha, automated, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        document = deposit(automated, by=alpha.client)
    app_uninstall(cabinet=alpha.cabinet, app=app(ACHATS), by=alpha.admin)

    deliver.delay(delivery_of(document).pk)

    assert len(enqueued) == 1
    assert_skipped(document, "L'application « Inqom Achats » n'est plus installée par le cabinet.")


def test_the_same_bytes_already_sent_to_the_same_address_are_a_duplicate(
    alpha, automated, django_capture_on_commit_callbacks
):
    january = folder_at(alpha.company, f"{ANNUAL}/Achats/Janvier")
    original = deposit_and_send(django_capture_on_commit_callbacks, automated, "facture.pdf")
    mail.outbox.clear()

    copy = deposit_and_send(django_capture_on_commit_callbacks, january, "facture (1).pdf")

    assert_skipped(copy, f"Doublon de « facture.pdf », déjà envoyé à {ACHAT} le {today()}.")
    assert delivery_of(copy).duplicate_of == delivery_of(original)


def test_the_same_bytes_sent_then_put_in_the_trash_are_still_a_duplicate(
    alpha, automated, django_capture_on_commit_callbacks
):
    # Inqom has the file: throwing the GED's copy away does not make it new again.
    original = deposit_and_send(django_capture_on_commit_callbacks, automated, "facture.pdf")
    document_trash(document=original, by=alpha.collaborator)
    mail.outbox.clear()

    again = deposit_and_send(django_capture_on_commit_callbacks, automated, "facture.pdf")

    assert_skipped(again, f"Doublon de « facture.pdf », déjà envoyé à {ACHAT} le {today()}.")
    assert delivery_of(again).duplicate_of == delivery_of(original)
    # For the GED, a copy in the trash is no duplicate to point staff to.
    assert again.duplicate_of_id is None


def test_the_same_bytes_go_for_another_company_and_to_another_connectors_address(
    alpha, automated, django_capture_on_commit_callbacks
):
    garage = alpha.other_company
    garage_achat = connect(alpha, garage, ACHATS, name="garage-alpha")[ACHATS]
    garage_achats = folder_at(garage, f"{ANNUAL}/Achats")
    switch_on(garage_achats, ACHATS, alpha.admin)
    contracts = folder_at(alpha.company, "Administratif/Contrats")
    switch_on(folder_at(alpha.company, "Administratif"), ADMINISTRATIF, alpha.admin)

    deposit_and_send(django_capture_on_commit_callbacks, automated, "bail.pdf")
    theirs = deposit_and_send(django_capture_on_commit_callbacks, garage_achats, "bail.pdf")
    other_address = deposit_and_send(django_capture_on_commit_callbacks, contracts, "bail.pdf")

    assert_forwarded(
        theirs, to=garage_achat, company=garage, content=PDF, content_type="application/pdf"
    )
    assert_forwarded(
        other_address, to=ADMIN, company=alpha.company, content=PDF, content_type="application/pdf"
    )
    assert len(received(to=ACHAT)) == 1


def test_renvoyer_sends_a_duplicate_anyway(alpha, automated, django_capture_on_commit_callbacks):
    deposit_and_send(django_capture_on_commit_callbacks, automated, "facture.pdf")
    copy = deposit_and_send(django_capture_on_commit_callbacks, automated, "copie.pdf")
    assert delivery_of(copy).status == DeliveryStatus.SKIPPED

    with django_capture_on_commit_callbacks(execute=True):
        delivery_retry(delivery=delivery_of(copy), by=alpha.collaborator)

    assert [e.attachment[0] for e in received(to=ACHAT)] == ["facture.pdf", "copie.pdf"]
    copy.refresh_from_db()
    assert copy.status == DocumentStatus.VALIDATED
    assert delivery_of(copy).status == DeliveryStatus.SENT


# --- Turning switches on -------------------------------------------------------------------------


def test_a_switch_cannot_be_turned_on_where_the_company_is_not_authorised(alpha, achats):
    garage_achats = folder_at(alpha.other_company, f"{ANNUAL}/Achats")
    authorize(alpha, alpha.company, ACHATS, ACHAT, enabled=False)
    expected = (
        "L'entreprise n'est pas autorisée pour Inqom Achats : autorisez-la avec son adresse "
        "de collecte dans Applications › Inqom Achats."
    )

    for folder in (achats, garage_achats):
        with pytest.raises(ValidationError) as refused:
            switch_on(folder, ACHATS, alpha.admin)
        assert refused.value.messages == [expected]
    assert not FolderAutomation.objects.filter(enabled=True).exists()


def test_a_switch_cannot_be_turned_on_for_an_app_the_cabinet_has_not_installed(world):
    beta = world.b
    achats = folder_at(beta.company, f"{ANNUAL}/Achats")

    with pytest.raises(ValidationError) as refused:
        switch_on(achats, ACHATS, beta.admin)

    assert refused.value.messages == ["Installez d'abord l'application « Inqom Achats »."]
    assert not FolderAutomation.objects.exists()


def test_a_switch_cannot_be_turned_on_after_the_app_was_uninstalled(alpha, achats):
    app_uninstall(cabinet=alpha.cabinet, app=app(ACHATS), by=alpha.admin)

    with pytest.raises(ValidationError) as refused:
        switch_on(achats, ACHATS, alpha.admin)

    assert refused.value.messages == ["Installez d'abord l'application « Inqom Achats »."]
    assert not FolderAutomation.objects.exists()


@pytest.mark.parametrize("change", [switch_on, switch_off], ids=["on", "off"])
def test_the_switch_of_a_subfolder_of_an_automated_folder_names_the_ancestor(
    alpha, automated, change
):
    january = folder_at(alpha.company, f"{ANNUAL}/Achats/Janvier")

    with pytest.raises(ValidationError) as refused:
        change(january, ACHATS, alpha.admin)

    assert refused.value.messages == [
        "Activée sur « Achats », dont ce dossier hérite : changez-la sur ce dossier-là."
    ]
    assert not FolderAutomation.objects.filter(folder=january).exists()


def test_inqom_achats_on_a_folder_named_ventes_gets_a_warning_and_on_achats_none(alpha, achats):
    sales = folder_at(alpha.company, f"{ANNUAL}/Ventes")
    switch_on(sales, ACHATS, alpha.admin)
    switch_on(achats, ACHATS, alpha.admin)

    def warning(folder):
        return next(s for s in folder_automation_states(folder=folder) if s.app == app(ACHATS))

    assert warning(sales).warning == (
        "Inqom Achats est activée sur « Ventes » : le guide recommande de la réserver au "
        "dossier « Achats » du Dossier comptable annuel."
    )
    assert warning(achats).warning == ""


# --- Bulk activation ---------------------------------------------------------------------------


def test_bulk_activation_switches_achats_on_for_every_authorised_company(world):
    alpha, beta = world.a, world.b
    path = f"{ANNUAL}/Achats"
    bakery_achats = folder_at(alpha.company, path)
    connect(alpha, alpha.company, ACHATS, name="boulangerie-alpha")
    garage_achats = folder_at(alpha.other_company, path)
    connect(alpha, alpha.other_company, ACHATS, name="garage-alpha")
    already = CompanyFactory(cabinet=alpha.cabinet, name="Fleuriste Alpha")
    folder_at(already, path)
    connect(alpha, already, ACHATS, name="fleuriste-alpha")
    switch_on(folder_at(already, ANNUAL), ACHATS, alpha.admin)
    without_folder = CompanyFactory(cabinet=alpha.cabinet, name="Pharmacie Alpha")
    connect(alpha, without_folder, ACHATS, name="pharmacie-alpha")
    folder_at(without_folder, "Dossier comptable annuel 2025/Achats")
    unauthorised = CompanyFactory(cabinet=alpha.cabinet, name="Traiteur Alpha")
    unauthorised_achats = folder_at(unauthorised, path)
    revoked = CompanyFactory(cabinet=alpha.cabinet, name="Librairie Alpha")
    revoked_achats = folder_at(revoked, path)
    authorize(alpha, revoked, ACHATS, address(ACHATS, "librairie-alpha"), enabled=False)
    foreign_achats = folder_at(beta.company, path)
    connect(beta, beta.company, ACHATS, name="boulangerie-beta")

    result = automation_bulk_enable(
        cabinet=alpha.cabinet, app=app(ACHATS), path=path, by=alpha.admin
    )

    assert (result.enabled, result.already, result.missing) == (2, 1, 1)
    switched = set(
        FolderAutomation.objects.filter(app=app(ACHATS), enabled=True).values_list(
            "folder", flat=True
        )
    )
    assert switched == {bakery_achats.pk, garage_achats.pk, folder_at(already, ANNUAL).pk}
    for untouched in (unauthorised_achats, revoked_achats, foreign_achats):
        assert not FolderAutomation.objects.filter(folder=untouched).exists()


# --- What a deposit costs ---------------------------------------------------------------------


def chain(company, depth: int) -> list[Folder]:
    """Folders from the root down to one at `depth` (the root is at depth 0)."""
    leaf = folder_at(company, "/".join(f"Niveau {n}" for n in range(depth + 1)))
    ancestors = Folder.objects.in_bulk(leaf.ancestor_ids)
    return [ancestors[pk] for pk in leaf.ancestor_ids] + [leaf]


def deposit_queries(folder: Folder, by) -> int:
    folder = Folder.objects.get(pk=folder.pk)
    with CaptureQueriesContext(connection) as queries:
        deposit(folder, f"{folder.name}.pdf", PDF + folder.path.encode(), by=by)
    return len(queries)


# Pinned: the deposit itself (document and duplicate check, its entry in the audit trail with
# the folder's path: 2) and the planning of its deliveries (switches of the chain with their
# installs and authorisations, the rows). Bytes the company
# already had cost one more (earlier sends of the same bytes), and here every delivery is then a
# duplicate that needs action: the cabinet, then the notifications of its staff, all of the
# document's deliveries at once (7 queries, pinned in tests/tenancy/test_notifications.py).
DEPOSIT_QUERIES = 7 + 2
KNOWN_BYTES_DEPOSIT_QUERIES = 8 + 2 + 1 + 7


@pytest.mark.parametrize(
    ("depth", "levels"),
    [(20, (20,)), (20, (2, 7, 13, 19)), (5, (0, 1, 3, 5))],
    ids=["depth_20_one_switch", "depth_20_four_switches", "depth_5_four_switches"],
)
def test_a_deposit_costs_the_same_queries_whatever_the_depth_and_the_switches(
    world, depth, levels, django_assert_num_queries
):
    alpha = world.a
    connect(alpha, alpha.company, ACHATS, name="boulangerie-alpha")
    shallow = chain(alpha.company, 1)
    switch_on(shallow[1], ACHATS, alpha.admin)
    slugs = (ACHATS, VENTES, NDF, ADMINISTRATIF)[: len(levels)]
    connect(alpha, alpha.other_company, *slugs, name="garage-alpha")
    folders = chain(alpha.other_company, depth)
    for slug, level in zip(slugs, levels, strict=True):
        switch_on(folders[level], slug, alpha.admin)
    assert folders[-1].depth == depth

    baseline = deposit_queries(shallow[-1], alpha.client)
    leaf = Folder.objects.get(pk=folders[-1].pk)
    with django_assert_num_queries(baseline):
        document = deposit(leaf, "profond.pdf", b"%PDF-deep", by=alpha.client)

    assert baseline == DEPOSIT_QUERIES
    assert sorted(d.app.slug for d in document.deliveries.all()) == sorted(slugs)
    assert {d.status for d in document.deliveries.all()} == {DeliveryStatus.PENDING}

    # The same bytes again: one more query, to find what was already sent of them, and the
    # notifications of what needs action.
    leaf = Folder.objects.get(pk=leaf.pk)
    with django_assert_num_queries(KNOWN_BYTES_DEPOSIT_QUERIES):
        again = deposit(leaf, "profond (1).pdf", b"%PDF-deep", by=alpha.client)
    assert {d.status for d in again.deliveries.all()} == {DeliveryStatus.SKIPPED}


# --- Clients never hear of Inqom --------------------------------------------------------------


def test_the_invitation_a_client_receives_never_mentions_inqom(
    alpha, automated, django_capture_on_commit_callbacks
):
    deposit_and_send(django_capture_on_commit_callbacks, automated)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        client_invite(company=alpha.company, email="gerante@boulangerie.fr", by=alpha.admin)

    [invitation] = mail.outbox
    assert invitation.to == ["gerante@boulangerie.fr"]
    everything = " ".join(
        [
            invitation.subject,
            invitation.from_email,
            invitation.body,
            *(content for content, _type in invitation.alternatives),
        ]
    ).casefold()
    assert "boulangerie alpha" in everything
    for word in ("inqom", "automatisation", "inqombox"):
        assert word not in everything
