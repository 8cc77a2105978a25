"""The store pages: "Ajouter une application" where admins install and uninstall, and
gear › Applications with a pencil on each connector's line, as the Inqom guide walks through
them ("Cliquez sur la roue crantée › Applications › le stylo sur la ligne Inqom Achats")."""

import pytest
from django.test import Client

from partner_apps.models import CabinetApp
from tests.conftest import browser, host_of
from tests.helpers.store import (
    ALL_APPS,
    CONNECTORS,
    FORBIDDEN,
    NOT_FOUND,
    authorizations_url,
    import_url,
    install,
    row_url,
)
from tests.pages import flashes, page_of, visible_text
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

APPLICATIONS = "/reglages/applications/"
STORE = "/reglages/applications/ajouter/"
ALSO_INSTALL = "Installer aussi Inqom Achats, Inqom Ventes, Inqom NDF, Inqom Administratif"


def install_url(slug: str) -> str:
    return f"/reglages/applications/{slug}/installer/"


def uninstall_url(slug: str) -> str:
    return f"/reglages/applications/{slug}/desinstaller/"


def installed(cabinet) -> list[str]:
    return list(
        CabinetApp.objects.filter(cabinet=cabinet)
        .order_by("app__position")
        .values_list("app__slug", flat=True)
    )


def cards(page) -> dict[str, object]:
    """The cards of the store page, by app name."""
    return {
        page.find("h2", inside=card)[0].text.replace(" Installée", ""): card
        for card in page.find("li")
        if "app-card" in card.attrs.get("class", "")
    }


# --- "Ajouter une application" -----------------------------------------------------------------


def test_the_store_is_reached_from_the_applications_page(world):
    page = page_of(browser(world.a.admin).get(APPLICATIONS))

    links = page.links("Ajouter une application", inside=page.one("main"))
    assert links
    assert {link.attrs["href"] for link in links} == {STORE}


def test_admins_see_the_five_apps_with_their_description_and_an_install_button(world):
    response = browser(world.a.admin).get(STORE)
    page = page_of(response)

    assert response.status_code == 200
    assert page.one("h1").text == "Ajouter une application"
    assert list(cards(page)) == [
        "Inqom",
        "Inqom Achats",
        "Inqom Ventes",
        "Inqom NDF",
        "Inqom Administratif",
    ]
    for card in cards(page).values():
        assert page.buttons(inside=card) == ["Installer"]
    text = visible_text(response)
    assert "elle vous redirige vers la plateforme Inqom" in text
    assert "l'adresse de collecte Achats (factures d'achat reçues) d'Inqom" in text
    assert "achat.<nom>@inqombox.com" in text


def test_installing_inqom_offers_its_four_connectors_in_a_box_ticked_by_default(world):
    response = browser(world.a.admin).get(STORE)
    page = page_of(response)
    by_name = cards(page)

    [box] = page.find("input", inside=by_name["Inqom"], name="with_companions")
    assert box.attrs["type"] == "checkbox"
    assert box.has("checked")
    [label] = page.find("label", inside=by_name["Inqom"])
    assert label.text == ALSO_INSTALL
    for name in ("Inqom Achats", "Inqom Ventes", "Inqom NDF", "Inqom Administratif"):
        assert page.find("input", inside=by_name[name], name="with_companions") == []


def test_installing_inqom_with_the_box_ticked_installs_the_four_connectors_too(world):
    admin = browser(world.a.admin)

    response = admin.post(install_url("inqom"), {"with_companions": "on"}, follow=True)

    assert response.redirect_chain == [(STORE, 302)]
    assert installed(world.a.cabinet) == ALL_APPS
    assert flashes(response) == [
        "Installées : Inqom, Inqom Achats, Inqom Ventes, Inqom NDF, Inqom Administratif."
    ]
    page = page_of(response)
    for name, card in cards(page).items():
        assert page.buttons(inside=card) == [], name
        assert page.links(f"Désinstaller {name}", inside=card), name
        assert "Installée" in page.find("h2", inside=card)[0].text


def test_installing_inqom_with_the_box_unticked_installs_only_inqom(world):
    response = browser(world.a.admin).post(install_url("inqom"), {}, follow=True)

    assert installed(world.a.cabinet) == ["inqom"]
    assert flashes(response) == ["Installée : Inqom."]
    page = page_of(response)
    by_name = cards(page)
    assert page.links("Désinstaller Inqom", inside=by_name["Inqom"])
    assert page.buttons(inside=by_name["Inqom Achats"]) == ["Installer"]


def test_installing_an_installed_app_again_says_so_and_changes_nothing(world):
    install(world.a, "inqom")

    response = browser(world.a.admin).post(install_url("inqom"), {}, follow=True)

    assert flashes(response) == ["« Inqom » était déjà installée."]
    assert installed(world.a.cabinet) == ["inqom"]
    assert AuditEntry.objects.filter(action="app.installed").count() == 1


def test_admins_uninstall_an_app_and_are_told_its_addresses_are_kept(world):
    install(world.a, *ALL_APPS)

    response = browser(world.a.admin).post(uninstall_url("inqom-achats"), follow=True)

    assert response.redirect_chain == [(STORE, 302)]
    assert installed(world.a.cabinet) == [
        "inqom",
        "inqom-ventes",
        "inqom-ndf",
        "inqom-administratif",
    ]
    assert flashes(response) == [
        "« Inqom Achats » est désinstallée : ses autorisations sont suspendues, les adresses "
        "sont conservées."
    ]
    page = page_of(response)
    assert page.buttons(inside=cards(page)["Inqom Achats"]) == ["Installer"]


def test_uninstalling_an_app_that_is_not_installed_says_so(world):
    response = browser(world.a.admin).post(uninstall_url("inqom"), follow=True)

    assert flashes(response) == ["Cette application n'est pas installée."]
    assert not AuditEntry.objects.filter(action="app.uninstalled").exists()


def test_installs_and_uninstalls_from_the_store_are_in_the_audit_trail(world):
    admin = browser(world.a.admin)

    admin.post(install_url("inqom"), {"with_companions": "on"})
    admin.post(uninstall_url("inqom-ndf"))

    entries = AuditEntry.objects.filter(cabinet=world.a.cabinet, action__startswith="app.")
    assert sorted((e.action, e.data["app"], e.actor_email) for e in entries) == sorted(
        [("app.installed", slug, world.a.admin.email) for slug in ALL_APPS]
        + [("app.uninstalled", "inqom-ndf", world.a.admin.email)]
    )


def test_an_install_in_one_cabinet_is_not_seen_in_the_other(world):
    browser(world.b.admin).post(install_url("inqom"), {"with_companions": "on"})

    response = browser(world.a.admin).get(STORE)

    assert installed(world.a.cabinet) == []
    assert "Installée" not in visible_text(response)
    assert "Aucune application installée" in visible_text(browser(world.a.admin).get(APPLICATIONS))


def test_an_unknown_app_cannot_be_installed(world):
    admin = browser(world.a.admin)

    assert admin.post(install_url("dext"), {"with_companions": "on"}).status_code == 404
    assert admin.post(uninstall_url("dext")).status_code == 404
    assert installed(world.a.cabinet) == []


def test_install_and_uninstall_are_actions_not_pages(world):
    admin = browser(world.a.admin)

    assert admin.get(install_url("inqom")).status_code == 405
    assert admin.get(uninstall_url("inqom")).status_code == 405
    assert installed(world.a.cabinet) == []


# --- Collaborators see, cannot change ----------------------------------------------------------


def test_collaborators_see_the_catalogue_without_install_or_uninstall_buttons(world):
    install(world.a, "inqom")

    response = browser(world.a.collaborator).get(STORE)
    page = page_of(response)

    assert response.status_code == 200
    assert len(cards(page)) == 5
    assert page.find("form", inside=page.one("main")) == []
    assert page.buttons(inside=page.one("main")) == []
    assert "Seuls les administrateurs du cabinet installent et désinstallent" in visible_text(
        response
    )
    # They still see what is installed.
    assert "Installée" in page.find("h2", inside=cards(page)["Inqom"])[0].text


def test_a_collaborator_installing_gets_403_and_nothing_changes(world):
    response = browser(world.a.collaborator).post(install_url("inqom"), {"with_companions": "on"})

    assert response.status_code == 403
    assert FORBIDDEN in visible_text(response)
    assert installed(world.a.cabinet) == []
    assert not AuditEntry.objects.filter(action__startswith="app.").exists()


def test_a_collaborator_uninstalling_gets_403_and_nothing_changes(world):
    install(world.a, "inqom-achats")

    response = browser(world.a.collaborator).post(uninstall_url("inqom-achats"))

    assert response.status_code == 403
    assert installed(world.a.cabinet) == ["inqom-achats"]
    assert not AuditEntry.objects.filter(action="app.uninstalled").exists()


# --- Clients learn nothing ---------------------------------------------------------------------


def test_clients_get_404_on_every_store_page_and_learn_nothing(world):
    install(world.a, *ALL_APPS)
    before = AuditEntry.objects.count()
    client = browser(world.a.client)
    company = world.a.company.pk
    row = {"rows": company, f"enabled-{company}": "on", f"email-{company}": "achat.x@inqombox.com"}

    responses = {
        "applications": client.get(APPLICATIONS),
        "store": client.get(STORE),
        "install": client.post(install_url("inqom"), {"with_companions": "on"}),
        "uninstall": client.post(uninstall_url("inqom")),
        "authorizations": client.get(authorizations_url("inqom-achats")),
        "authorizations saved": client.post(authorizations_url("inqom-achats"), row),
        "one row saved": client.post(row_url("inqom-achats", world.a.company), row),
        "import": client.get(import_url("inqom-achats")),
        "import sent": client.post(import_url("inqom-achats"), {}),
    }

    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(responses, 404)
    for name, response in responses.items():
        text = visible_text(response)
        assert NOT_FOUND in text, name
        assert "Inqom" not in text, name
        assert "Applications" not in text, name
    assert installed(world.a.cabinet) == ALL_APPS
    assert AuditEntry.objects.count() == before


def test_a_visitor_is_sent_to_the_login_page(world):
    visitor = Client(HTTP_HOST=host_of(world.a.cabinet))

    for path in (APPLICATIONS, STORE):
        response = visitor.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/connexion/")
    assert visitor.post(install_url("inqom")).status_code == 302
    assert installed(world.a.cabinet) == []


# --- Gear › Applications -----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin", "collaborator"])
def test_staff_find_applications_under_the_gear(world, who):
    home = page_of(browser(getattr(world.a, who)).get("/"))

    assert home.gear_link("Applications") == APPLICATIONS


def test_the_applications_page_lists_the_installed_apps_with_a_pencil_on_each_connector(world):
    install(world.a, *ALL_APPS)

    response = browser(world.a.admin).get(APPLICATIONS)
    page = page_of(response)

    assert response.status_code == 200
    lines = page.find("tr", inside=page.one("tbody"))
    names = [page.find("strong", inside=line)[0].text for line in lines]
    assert names == ["Inqom", "Inqom Achats", "Inqom Ventes", "Inqom NDF", "Inqom Administratif"]
    inqom_line, *connector_lines = lines
    assert page.find("a", inside=inqom_line) == []
    for (slug, (name, _prefix)), line in zip(CONNECTORS.items(), connector_lines, strict=True):
        [pencil] = page.find("a", inside=line)
        assert pencil.label == f"Modifier {name}"
        assert pencil.attrs["href"] == authorizations_url(slug)


def test_the_applications_page_lists_only_what_is_installed(world):
    install(world.a, "inqom-ventes")

    page = page_of(browser(world.a.admin).get(APPLICATIONS))

    assert [s.text for s in page.find("strong", inside=page.one("tbody"))] == ["Inqom Ventes"]
    assert page.links("Modifier Inqom Achats") == []


def test_the_applications_page_of_a_cabinet_without_apps_leads_to_the_store(world):
    response = browser(world.a.admin).get(APPLICATIONS)

    assert "Aucune application installée." in visible_text(response)
    assert {a.attrs["href"] for a in page_of(response).links("Ajouter une application")} == {STORE}


def test_collaborators_see_the_installed_apps_and_their_pencils(world):
    install(world.a, "inqom-achats")

    page = page_of(browser(world.a.collaborator).get(APPLICATIONS))

    [pencil] = page.links("Modifier Inqom Achats")
    assert pencil.attrs["href"] == authorizations_url("inqom-achats")


@pytest.mark.parametrize(("slug", "name"), [(slug, name) for slug, (name, _) in CONNECTORS.items()])
def test_the_guide_click_by_click_from_the_gear_to_the_authorisation_page(world, slug, name):
    """Cliquez sur la roue crantée › "Applications" › le stylo sur la ligne Inqom … ›
    autorisez l'accès › insérez l'adresse de collecte › sauvegardez."""
    admin = browser(world.a.admin)
    # The cabinet adds Inqom from the store first, with its four connectors.
    admin.post(install_url("inqom"), {"with_companions": "on"})

    applications = admin.get(page_of(admin.get("/")).gear_link("Applications"))
    [pencil] = page_of(applications).links(f"Modifier {name}")
    response = admin.get(pencil.attrs["href"])
    page = page_of(response)

    assert response.status_code == 200
    assert page.one("h1").text == name
    row = page.row(world.a.company)
    [switch] = page.find("input", inside=row, name=f"enabled-{world.a.company.pk}")
    [field] = page.find("input", inside=row, name=f"email-{world.a.company.pk}")
    assert switch.attrs["type"] == "checkbox"
    assert switch.attrs["role"] == "switch"
    assert field.attrs["value"] == ""
    prefix = CONNECTORS[slug][1]
    [form] = page.find("form", id="authorizations-form")
    saved = admin.post(
        form.attrs.get("action") or pencil.attrs["href"],
        {
            "rows": [world.a.company.pk],
            f"enabled-{world.a.company.pk}": "on",
            f"email-{world.a.company.pk}": f"{prefix}.boulangerie-alpha@inqombox.com",
        },
        follow=True,
    )
    assert flashes(saved) == ["Autorisations enregistrées."]
    page = page_of(saved)
    row = page.row(world.a.company)
    [switch] = page.find("input", inside=row, name=f"enabled-{world.a.company.pk}")
    [field] = page.find("input", inside=row, name=f"email-{world.a.company.pk}")
    assert switch.has("checked")
    assert field.attrs["value"] == f"{prefix}.boulangerie-alpha@inqombox.com"
