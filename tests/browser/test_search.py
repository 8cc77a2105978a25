"""Search in Chromium, as people use it: a collaborator on the dashboard finds a document of any
company by a word typed without its accent, and opens it; a client on a phone searches its whole
GED from a folder and reads where each document is, within the screen."""

import re

from tests.browser.helpers import PHONE
from tests.browser.needs_playwright import expect
from tests.helpers.documents import deposit, folder_at
from tests.helpers.forwarding import ANNUAL

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_a_collaborator_finds_a_document_of_any_company_without_its_accents(portal, world):
    annual = folder_at(world.a.company, ANNUAL)
    deposit(annual, "Devis Studio Lumière décembre.pdf", by=world.a.client)
    deposit(folder_at(world.a.other_company, f"{ANNUAL}/Achats"), "lumiere-garage.pdf")
    deposit(folder_at(world.b.company, ANNUAL), "Lumière Beta.pdf")
    session = portal.login(world.a.collaborator)
    page = session.page

    page.get_by_role("searchbox", name="Rechercher un document dans toutes les entreprises").fill(
        "LUMIERE"
    )
    documents = page.get_by_role("region", name="Documents")
    session.submit(documents.get_by_role("button", name="Rechercher"))

    expect(page.get_by_role("status")).to_have_text(re.compile(r"^2 documents pour «\sLUMIERE\s»"))
    results = page.get_by_role("table", name="Documents trouvés")
    expect(results.get_by_role("row")).to_have_count(3)  # the header and two documents
    expect(results).not_to_contain_text("Lumière Beta.pdf")  # another cabinet's
    bakery = results.get_by_role("row", name=re.compile("^Devis Studio Lumière"))
    expect(bakery).to_contain_text("Boulangerie Alpha")
    expect(bakery).to_contain_text(ANNUAL)
    portal.screenshot(page, "1-found", docs="recherche")
    session.follow(
        bakery.get_by_role("link", name="Devis Studio Lumière décembre.pdf"),
        re.compile(r"/ged/documents/\d+/$"),
    )
    expect(page.get_by_role("heading", name="Devis Studio Lumière décembre.pdf")).to_be_visible()


def test_a_client_on_a_phone_searches_every_folder_of_its_company(portal, world):
    achats = folder_at(world.a.company, f"{ANNUAL}/Achats")
    deposit(achats, "facture-orange-novembre-2026-ligne-fixe-et-internet.pdf", by=world.a.client)
    deposit(folder_at(world.a.company, f"{ANNUAL}/Ventes"), "avoir Orange.pdf")
    session = portal.login(world.a.client, phone=True)
    page = session.page
    session.goto(f"/ged/dossiers/{achats.pk}/")

    whole_ged = page.get_by_role("search").filter(
        has=page.get_by_role("searchbox", name="Rechercher dans tous les dossiers")
    )
    whole_ged.get_by_role("searchbox").fill("orange")
    session.submit(whole_ged.get_by_role("button", name="Rechercher"))

    results = page.get_by_role("table", name="Documents trouvés")
    expect(results.get_by_role("row")).to_have_count(3)
    expect(results).to_contain_text(f"{ANNUAL}/Ventes")
    expect(results).to_contain_text(f"{ANNUAL}/Achats")
    assert page.evaluate(OVERFLOW) <= 0
    long_name = results.get_by_role("link", name=re.compile("^facture-orange"))
    box = long_name.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["viewport"]["width"]
