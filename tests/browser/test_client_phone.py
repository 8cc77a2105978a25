"""The client on a phone (390 × 844, a touch screen), in Chromium: the folder page offers a
button and the words for a finger, the photo chosen leaves at once and its name is listed with
its state; the client renames it, then puts it in the trash after a second look. A document the
cabinet already received is refused, with the reason, in words that name no tool."""

import re

from ged.models import Document
from partner_apps.models import Delivery, DeliveryStatus
from tests.browser.helpers import document_row, folder_url, hidden_word_leaks, htmx_settled
from tests.browser.needs_playwright import expect
from tests.helpers.attention import automated_achats
from tests.helpers.documents import PDF, deposit, folder_at, phone_photo

SENT = (
    "Ce document a déjà été transmis à votre cabinet : demandez-lui de le renommer ou de le "
    "retirer."
)


def test_a_client_uploads_a_photo_from_a_phone_renames_it_and_trashes_it(portal, world):
    frais = folder_at(world.a.company, "Dossier comptable annuel 2026/Notes de frais")
    client = portal.login(world.a.client, phone=True)
    page = client.goto(folder_url(frais))

    # The words for a finger, and a button where the raw « Choose Files » was.
    zone = page.locator(".upload-zone")
    expect(zone.get_by_text("Touchez pour prendre une photo ou choisir un fichier")).to_be_visible()
    expect(zone.get_by_text("Glissez vos fichiers dans ce cadre", exact=False)).to_be_hidden()
    button = zone.locator("label", has_text="Choisir des fichiers")
    expect(button).to_be_visible()
    expect(button).to_have_css("cursor", "pointer")
    assert button.bounding_box()["width"] > 300  # a big target, the width of the screen
    control = page.get_by_label("Choisir des fichiers")
    assert control.bounding_box()["width"] <= 1  # the native control, out of sight
    control.focus()
    expect(control).to_be_focused()  # but still reached from the keyboard

    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        control.set_input_files(
            {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": phone_photo("JPEG")}
        )
    htmx_settled(page)
    item = page.locator(".upload-item").filter(has_text="IMG_2041.jpg")
    expect(item.locator(".upload-name")).to_be_visible()
    expect(item.locator(".upload-status")).to_have_text("Déposé")
    row = document_row(page, "IMG_2041.jpg")
    expect(row).to_be_visible()
    portal.screenshot(page, "phone-uploaded", docs="client-phone")

    row.locator("summary", has_text="Renommer").click()
    row.get_by_label("Nouveau nom").fill("Ticket restaurant mars.jpg")
    client.submit(row.get_by_role("button", name="Renommer"))
    expect(page.locator(".flash-success")).to_have_text("Document renommé.")
    row = document_row(page, "Ticket restaurant mars.jpg")
    expect(row).to_be_visible()

    row.locator("summary", has_text="Mettre à la corbeille").click()
    question = row.get_by_text("Mettre « Ticket restaurant mars.jpg » à la corbeille ?")
    expect(question).to_be_visible()
    portal.screenshot(page, "phone-confirm")
    client.submit(row.get_by_role("button", name="Oui, mettre à la corbeille"))
    expect(page.locator(".flash-success")).to_have_text(
        "« Ticket restaurant mars.jpg » est dans la corbeille : votre cabinet peut encore le "
        "restaurer."
    )
    expect(page.locator("#documents")).to_contain_text("Aucun document dans ce dossier.")
    document = Document.objects.get(name="Ticket restaurant mars.jpg")
    assert document.trashed_by == world.a.client

    assert not hidden_word_leaks(client.texts())


def test_a_client_is_told_why_a_document_sent_meanwhile_stays(portal, world):
    achats = automated_achats(world.a)
    document = deposit(achats, "facture.pdf", PDF, by=world.a.client)
    # The cabinet's tools refused it at first: it may still be replaced.
    Delivery.objects.filter(document=document).update(status=DeliveryStatus.SKIPPED)
    client = portal.login(world.a.client, phone=True)
    page = client.goto(folder_url(achats))
    row = document_row(page, "facture.pdf")
    row.locator("summary", has_text="Mettre à la corbeille").click()

    # Meanwhile staff sent it anyway, and it went.
    Delivery.objects.filter(document=document).update(status=DeliveryStatus.SENT)
    client.submit(row.get_by_role("button", name="Oui, mettre à la corbeille"))

    expect(page.locator(".flash-error")).to_have_text(SENT)
    row = document_row(page, "facture.pdf")
    expect(row).to_be_visible()
    expect(row.get_by_text(re.compile("Renommer|Mettre à la corbeille"))).to_have_count(0)
    link = row.get_by_role("link", name="facture.pdf", exact=True)
    client.follow(link, f"**/ged/documents/{document.pk}/")
    expect(page.get_by_role("note")).to_have_text(SENT)
    portal.screenshot(page, "phone-refused")
    assert Document.objects.get(pk=document.pk).trashed_at is None
    assert not hidden_word_leaks(client.texts())


def test_on_a_desktop_the_zone_says_drop_and_the_button_works_from_the_keyboard(portal, world):
    frais = folder_at(world.a.company, "Dossier comptable annuel 2026/Notes de frais")
    client = portal.login(world.a.client)
    page = client.goto(folder_url(frais))
    zone = page.locator(".upload-zone")
    expect(zone.get_by_text("Glissez vos fichiers dans ce cadre", exact=False)).to_be_visible()
    expect(zone.get_by_text("Touchez pour prendre une photo", exact=False)).to_be_hidden()

    # Tab from the breadcrumb reaches the hidden control, whose button shows the focus...
    breadcrumb = page.locator(".breadcrumb").get_by_role("link", name="Dossier comptable annuel")
    breadcrumb.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Choisir des fichiers")).to_be_focused()
    expect(zone.locator("label.upload-button")).to_have_css("outline-style", "solid")
    # ...and Space opens the chooser; the file leaves at once.
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
        chooser.value.set_files(
            {"name": "releve.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
    htmx_settled(page)
    item = page.locator(".upload-item").filter(has_text="releve.pdf")
    expect(item.locator(".upload-status")).to_have_text("Déposé")
    expect(document_row(page, "releve.pdf")).to_be_visible()
