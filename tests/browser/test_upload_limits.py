"""Files too large, in Chromium: the folder page's script sends them as it sends any file, and
the client reads beside each the deposit's French refusal, whether the server refused it from
its length before reading it (413) or once it passed the limit (400). Nothing is kept."""

import re

from ged.models import Document
from tests.browser.helpers import drop_file, htmx_settled, open_folder
from tests.browser.needs_playwright import expect
from tests.helpers.documents import PDF, folder_at

MEBIBYTE = 1024 * 1024
TOO_LARGE = "Fichier trop volumineux (1 Mo maximum)"


def test_a_client_drops_files_too_large_and_reads_why_beside_each(portal, world, settings):
    settings.DOCUMENT_MAX_MB = 1
    achats = folder_at(world.a.company, "Dossier comptable annuel 2026/Achats")
    client = portal.login(world.a.client)
    page = open_folder(client, world.a.company, achats)

    for name, size in (("scan.pdf", 2 * MEBIBYTE), ("releve.pdf", MEBIBYTE + 10 * 1024)):
        with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
            drop_file(page.locator(".upload-zone"), name, PDF, "application/pdf", size=size)
        htmx_settled(page)
        item = page.locator(".upload-item").filter(has_text=name)
        expect(item.locator(".upload-status")).to_have_text(f"Refusé : {TOO_LARGE}")
        expect(item).to_have_class(re.compile(r"\bupload-failed\b"))
    portal.screenshot(page, "upload-too-large")

    answers = [answer.status for answer in client.answers if answer.url.endswith("/deposer/")]
    assert answers == [413, 400]
    assert not Document.objects.exists()
