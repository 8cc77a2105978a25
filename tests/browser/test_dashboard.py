"""The cabinet's home in Chromium: a collaborator sees each company's state at a laptop's width,
searches, sorts by what needs looking at, and reads the same on a phone, where each company
becomes a card and nothing is wider than the screen."""

import re

from tests.browser.helpers import LAPTOP
from tests.browser.helpers import PHONE as PHONE_CONTEXT
from tests.browser.needs_playwright import expect
from tests.factories import CompanyFactory
from tests.helpers.documents import deposit, folder_at
from tests.helpers.forwarding import ACHATS, ANNUAL, connect, switch_on

PHONE = PHONE_CONTEXT["viewport"]
# How much wider than the window the page is (0 when nothing overflows).
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_the_dashboard_at_a_laptops_width_and_on_a_phone(portal, world):
    achats = folder_at(world.a.company, f"{ANNUAL}/Achats")
    connect(world.a, world.a.company, ACHATS, name="boulangerie-alpha")
    switch_on(achats, ACHATS, world.a.admin)
    deposit(achats, "facture-du-fournisseur-de-farine-novembre-2026.pdf", by=world.a.client)
    CompanyFactory(
        cabinet=world.a.cabinet, name="Société civile immobilière des Trois Tilleuls de Bourgogne"
    )
    session = portal.login(world.a.collaborator)
    page = session.page
    page.set_viewport_size(LAPTOP)
    session.goto("/")

    table = page.get_by_role("table", name=re.compile("^Entreprises du cabinet"))
    bakery = table.get_by_role("row", name=re.compile("^Boulangerie Alpha"))
    expect(bakery).to_contain_text("Inqom Achats")
    expect(bakery).to_contain_text("1 dossier automatisé")
    expect(bakery).to_contain_text("Rien à régler")
    assert page.evaluate(OVERFLOW) <= 0
    portal.screenshot(page, "1-laptop", docs="dashboard")

    page.get_by_role("searchbox", name="Rechercher une entreprise").fill("tilleuls")
    companies = page.get_by_role("region", name="Entreprises")
    session.submit(companies.get_by_role("button", name="Rechercher"))
    expect(table.get_by_role("row")).to_have_count(2)  # the header and the one company
    # \s: the no-break spaces inside the guillemets, which a regular expression sees as they are.
    expect(page.get_by_role("status")).to_have_text(
        re.compile(r"^1 entreprise pour «\stilleuls\s»")
    )

    session.goto("/")
    session.follow(table.get_by_role("link", name="Dernier dépôt"), re.compile(r"tri=-depot"))
    expect(table.get_by_role("columnheader", name="Dernier dépôt")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(table.get_by_role("row").nth(1)).to_contain_text("Boulangerie Alpha")

    page.set_viewport_size(PHONE)
    session.goto("/")
    assert page.evaluate(OVERFLOW) <= 0
    card = table.get_by_role("row", name=re.compile("^Boulangerie Alpha"))
    expect(card).to_be_visible()
    box = card.bounding_box()
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    portal.screenshot(page, "2-phone")
