"""Nothing silent, in Chromium. A client drops an iPhone photo into the automated Achats folder
and sees it « Validé » while Inqom's address receives a JPEG on a real SMTP server (aiosmtpd);
drops a program, and reads beside it what to deposit instead, in words that name no tool. The
admin sees the count in the top bar, opens « Envois à régler », sends a duplicate anyway and
ignores the program."""

import io
import re

import pytest
from django.core import mail
from PIL import Image

from ged.models import Document, DocumentStatus
from partner_apps.models import Delivery, DeliveryStatus
from tests.browser.helpers import (
    document_row,
    drop_and_wait,
    folder_url,
    hidden_word_leaks,
    open_folder,
)
from tests.browser.needs_playwright import expect
from tests.helpers.attention import ACHAT, EXE, automated_achats
from tests.helpers.documents import PDF, deposit, phone_photo
from tests.helpers.forwarding import read
from tests.integration.smtp_sink import SmtpSink

EXE_NOTICE = (
    "« setup.exe » ne pourra pas être traité par le cabinet : ce format (.exe) n'est pas pris "
    "en charge. Déposez plutôt un PDF, une photo (JPEG, PNG ou HEIC) ou un fichier Excel, Word, "
    "texte (.txt) ou CSV."
)


def sent_to_inqom() -> list:
    return [read(message) for message in mail.outbox if message.to == [ACHAT]]


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server (aiosmtpd) on loopback, where the portal's emails go."""
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = SmtpSink.HOST, sink.port
    yield sink
    sink.stop()


def test_a_client_drops_a_phone_photo_and_a_program(portal, world, smtp_sink):
    achats = automated_achats(world.a)
    client = portal.login(world.a.client)
    page = open_folder(client, world.a.company, achats)

    drop_and_wait(client, "IMG_0001.HEIC", phone_photo("HEIF", orientation=6), "image/heic")
    expect(document_row(page, "IMG_0001.HEIC").locator(".status")).to_have_text("Validé")
    [email] = [m for m in smtp_sink.wait_for(1) if m.rcpt_tos == (ACHAT,)]
    [attachment] = list(email.message.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content_type()) == (
        "IMG_0001.jpg",
        "image/jpeg",
    )
    jpeg = Image.open(io.BytesIO(attachment.get_payload(decode=True)))
    assert (jpeg.format, jpeg.size) == ("JPEG", (48, 64))  # taken sideways, sent upright

    item = drop_and_wait(client, "setup.exe", EXE, "application/x-msdownload")
    expect(item.locator(".deposit-notice")).to_have_text(EXE_NOTICE)
    expect(document_row(page, "setup.exe").locator(".status")).to_have_text("À traiter")
    portal.screenshot(page, "client-notice", docs="client-notice")

    assert [m.rcpt_tos for m in smtp_sink.messages] == [(ACHAT,)]
    assert Document.objects.get(name="IMG_0001.HEIC").status == DocumentStatus.VALIDATED
    leaks = hidden_word_leaks(client.texts())
    assert not leaks, "\n".join(leaks)


def test_the_admin_settles_what_did_not_go_from_the_top_bar(portal, world):
    achats = automated_achats(world.a)
    deposit(achats, "facture.pdf", PDF, by=world.a.client)
    copy = deposit(achats, "facture (copie).pdf", PDF, by=world.a.client)
    program = deposit(achats, "setup.exe", EXE, by=world.a.client)
    admin = portal.login(world.a.admin)
    page = admin.page

    badge = page.get_by_role("banner").get_by_role("link", name="Envois à régler 2")
    expect(badge).to_be_visible()
    admin.follow(badge, re.compile(r"/reglages/applications/a-regler/$"))
    expect(page.get_by_role("heading", name="Doublons 1")).to_be_visible()
    expect(page.get_by_role("heading", name="Formats refusés 1")).to_be_visible()
    portal.screenshot(page, "envois-a-regler", docs="envois-a-regler")

    duplicate = Delivery.objects.get(document=copy)
    row = page.locator(f"#envoi-{duplicate.pk}")
    admin.submit(row.get_by_role("button", name="Envoyer quand même"))
    expect(page.get_by_role("status")).to_have_text(
        "« facture (copie).pdf » est parti vers Inqom Achats."
    )
    assert [email.attachment[0] for email in sent_to_inqom()] == [
        "facture.pdf",
        "facture (copie).pdf",
    ]

    refused = Delivery.objects.get(document=program)
    admin.submit(page.locator(f"#envoi-{refused.pk}").get_by_role("button", name="Ignorer"))
    expect(page.get_by_role("status")).to_have_text(
        "« setup.exe » ne figure plus dans les envois à régler."
    )
    expect(page.get_by_text("Rien à régler")).to_be_visible()
    expect(
        page.get_by_role("banner").get_by_role("link", name=re.compile("^Envois à régler"))
    ).to_have_count(0)

    duplicate.refresh_from_db()
    refused.refresh_from_db()
    assert duplicate.status == DeliveryStatus.SENT
    assert (refused.status, refused.needs_action) == (DeliveryStatus.SKIPPED, False)
    # The folder's list now says nothing more of them.
    folder = admin.goto(folder_url(achats))
    expect(document_row(folder, "facture (copie).pdf").locator(".status")).to_have_text("Validé")
    expect(folder.get_by_text("Non envoyé")).to_have_count(0)
