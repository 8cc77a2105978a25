"""The "Inqom" tile of the cabinet's home page: once installed, staff open the Inqom platform in
a new tab from it; its connectors are never tiles; clients never learn the cabinet uses Inqom."""

import pytest

from partner_apps.services.store import app_uninstall
from tests.conftest import browser
from tests.helpers.documents import deposit, folder_at
from tests.helpers.store import ALL_APPS, CONNECTORS, app, authorize, install, tiles
from tests.pages import page_of, visible_text

pytestmark = pytest.mark.django_db

INQOM_URL = "https://app.inqom.com/"
STAFF = ["admin", "collaborator"]


def home_of(user):
    response = browser(user).get("/")
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("who", STAFF)
def test_staff_have_no_tile_before_inqom_is_installed(world, who):
    response = home_of(getattr(world.a, who))

    assert tiles(response) == []
    assert "Vos outils" not in visible_text(response)
    assert "Inqom" not in visible_text(response)


@pytest.mark.parametrize("who", STAFF)
def test_once_inqom_is_installed_staff_open_it_in_a_new_tab_from_their_home(world, who):
    browser(world.a.admin).post("/reglages/applications/inqom/installer/", {})

    response = home_of(getattr(world.a, who))

    [tile] = tiles(response)
    assert tile.text.startswith("Inqom")
    assert tile.attrs["href"] == INQOM_URL
    assert tile.attrs["target"] == "_blank"
    assert "noopener" in tile.attrs["rel"].split()
    assert "Vos outils" in visible_text(response)


def test_the_tile_tells_screen_readers_it_opens_a_new_tab(world):
    install(world.a, "inqom")

    [tile] = tiles(home_of(world.a.admin))

    assert tile.text == "Inqom (nouvel onglet)"


def test_the_connectors_are_never_tiles(world):
    install(world.a, *ALL_APPS)

    response = home_of(world.a.admin)

    assert [tile.attrs["href"] for tile in tiles(response)] == [INQOM_URL]
    text = visible_text(response)
    for name, _prefix in CONNECTORS.values():
        assert name not in text


def test_connectors_installed_without_inqom_put_nothing_on_the_home_page(world):
    install(world.a, *CONNECTORS)

    response = home_of(world.a.admin)

    assert tiles(response) == []
    assert "Inqom" not in visible_text(response)


def test_the_tile_goes_away_when_inqom_is_uninstalled(world):
    install(world.a, *ALL_APPS)

    app_uninstall(cabinet=world.a.cabinet, app=app("inqom"), by=world.a.admin)

    assert tiles(home_of(world.a.admin)) == []


def test_the_other_cabinet_does_not_get_the_tile(world):
    install(world.a, "inqom")

    assert tiles(home_of(world.b.admin)) == []
    assert tiles(home_of(world.b.collaborator)) == []


def test_the_tile_leads_outside_the_portal_only(world):
    install(world.a, "inqom")
    page = page_of(home_of(world.a.admin))

    external = [a for a in page.find("a") if a.attrs.get("href", "").startswith("http")]

    assert [a.attrs["href"] for a in external] == [INQOM_URL]


# --- Clients -----------------------------------------------------------------------------------


def client_pages(world) -> dict[str, object]:
    """Every page a client of an Inqom-connected company can open."""
    install(world.a, *ALL_APPS)
    authorize(world.a, world.a.company, "inqom-achats", "achat.boulangerie@inqombox.com")
    folder = folder_at(world.a.company, "Dossier comptable annuel 2026/Achats")
    document = deposit(folder, by=world.a.client)
    client = browser(world.a.client)
    return {
        "home": client.get("/"),
        "company switch": client.get(
            "/ged/entreprises/", {"company": world.a.company.pk}, follow=True
        ),
        "company": client.get(f"/ged/entreprises/{world.a.company.pk}/"),
        "folder": client.get(f"/ged/dossiers/{folder.pk}/"),
        "document": client.get(f"/ged/documents/{document.pk}/"),
        "applications": client.get("/reglages/applications/"),
        "store": client.get("/reglages/applications/ajouter/"),
        "authorizations": client.get("/reglages/applications/inqom-achats/autorisations/"),
    }


def test_clients_never_see_the_tile_nor_the_word_inqom(world):
    pages = client_pages(world)

    assert {name: r.status_code for name, r in pages.items()} == {
        "home": 200,
        "company switch": 200,
        "company": 200,
        "folder": 200,
        "document": 200,
        "applications": 404,
        "store": 404,
        "authorizations": 404,
    }
    assert tiles(pages["home"]) == []
    leaks = {
        name: word
        for name, response in pages.items()
        for word in ("Inqom", "inqom", "Applications", "Vos outils", "achat.boulangerie")
        if word in response.content.decode()
    }
    assert leaks == {}


def test_a_client_of_another_company_does_not_see_it_either(world):
    install(world.a, *ALL_APPS)

    response = home_of(world.a.other_client)

    assert tiles(response) == []
    assert "Inqom" not in response.content.decode()
