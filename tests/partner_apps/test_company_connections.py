"""A company's settings page leads to its documents and says how it is connected: each connector
the cabinet installed, authorised or not and with which address, which folders are on, and its
deposit addresses. The Applications list says how far each connector is used."""

import pytest

from ged.models import InboundAddress
from ged.services.folders import folder_trash
from ged.services.inbound_addresses import inbound_address_email
from tests.conftest import browser
from tests.factories import CompanyFactory
from tests.helpers.documents import folder_at
from tests.helpers.forwarding import ACHATS, ANNUAL, VENTES, connect, switch_on
from tests.helpers.store import install
from tests.pages import page_of

pytestmark = pytest.mark.django_db

APPLICATIONS = "/reglages/applications/"


def company_page(user, company):
    return page_of(browser(user).get(f"/reglages/entreprises/{company.pk}/"))


def panel(page, title: str):
    [section] = [
        s for s in page.find("section") if any(h.text == title for h in page.find("h2", inside=s))
    ]
    return section


def rows_of(page, section) -> list[str]:
    return [li.text for li in page.find("li", inside=section)]


@pytest.fixture
def achats_on(world):
    """Alpha's bakery authorised for Achats with its Achats folder on; Ventes installed only."""
    connect(world.a, world.a.company, ACHATS, name="boulangerie-alpha")
    install(world.a, VENTES)
    achats = folder_at(world.a.company, f"{ANNUAL}/Achats")
    switch_on(achats, ACHATS, world.a.admin)
    return achats


def test_the_company_page_says_how_the_company_is_connected(world, achats_on):
    page = company_page(world.a.collaborator, world.a.company)

    [documents] = page.links("Ouvrir les documents")
    assert documents.attrs["href"] == f"/ged/entreprises/{world.a.company.pk}/"
    connections = panel(page, "Connexions")
    assert rows_of(page, connections) == [
        "Inqom Achats Autorisée achat.boulangerie-alpha@inqombox.com 1 dossier automatisé : "
        f"{ANNUAL}/Achats Modifier l'autorisation pour Inqom Achats",
        "Inqom Ventes Non autorisée Aucun dossier automatisé "
        "Autoriser l'entreprise pour Inqom Ventes",
    ]
    [authorize] = page.links("Autoriser l'entreprise pour Inqom Ventes")
    assert (
        authorize.attrs["href"]
        == "/reglages/applications/inqom-ventes/autorisations/?q=Boulangerie%20Alpha"
    )


def test_the_company_page_lists_its_deposit_addresses(world):
    page = company_page(world.a.admin, world.a.company)

    addresses = panel(page, "Dépôt par email")
    expected = [
        inbound_address_email(address)
        for address in InboundAddress.objects.filter(company=world.a.company)
    ]
    listed = rows_of(page, addresses)
    assert len(listed) == len(expected) == 4
    assert all(any(email in row for row in listed) for email in expected)
    assert any(row.endswith(f"dépose dans {ANNUAL}/Achats") for row in listed)
    [settings] = page.links("Régler le dépôt par email")
    assert settings.attrs["href"] == f"/ged/entreprises/{world.a.company.pk}/depot-par-email/"


def test_without_a_connector_the_page_says_so(world):
    page = company_page(world.a.admin, world.a.company)

    assert "Aucun connecteur installé." in panel(page, "Connexions").text


def test_the_applications_list_counts_what_each_connector_serves(world, achats_on):
    garage_achats = folder_at(world.a.other_company, f"{ANNUAL}/Achats")
    connect(world.a, world.a.other_company, ACHATS, name="garage-alpha")
    switch_on(garage_achats, ACHATS, world.a.admin)
    trashed = folder_at(world.a.other_company, f"{ANNUAL}/Ventes")
    switch_on(trashed, ACHATS, world.a.admin)
    folder_trash(folder=trashed, by=world.a.admin)
    # Beta's own companies and folders count for Beta only.
    beta_company = CompanyFactory(cabinet=world.b.cabinet, name="Fleuriste Beta")
    connect(world.b, beta_company, ACHATS, name="fleuriste-beta")
    switch_on(folder_at(beta_company, f"{ANNUAL}/Achats"), ACHATS, world.b.admin)

    alpha = page_of(browser(world.a.collaborator).get(APPLICATIONS))
    beta = page_of(browser(world.b.admin).get(APPLICATIONS))

    uses = [span.text for span in alpha.find("span") if "app-use" in span.attrs.get("class", "")]
    assert uses == [
        "2 entreprises autorisées · 2 dossiers automatisés",
        "0 entreprise autorisée · 0 dossier automatisé",
    ]
    assert [s.text for s in beta.find("span") if "app-use" in s.attrs.get("class", "")] == [
        "1 entreprise autorisée · 1 dossier automatisé"
    ]
