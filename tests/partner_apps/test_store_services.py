"""The store's catalogue as the Inqom guide names it, and installing and uninstalling apps."""

import pytest
from django.core.exceptions import ValidationError

from inqom_connector.catalogue import catalogue_seed
from partner_apps.connectors import connector_for
from partner_apps.models import AppKind, CabinetApp, PartnerApp
from partner_apps.selectors import catalogue, installed_apps
from partner_apps.services.authorizations import authorization_set
from partner_apps.services.store import app_install, app_uninstall
from tests.helpers.store import ALL_APPS, CONNECTORS, app, install
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db


def installed_slugs(cabinet) -> list[str]:
    return [a.slug for a in installed_apps(cabinet=cabinet)]


# --- The catalogue -----------------------------------------------------------------------------


def test_the_catalogue_holds_inqom_and_its_four_connectors_in_the_guides_order():
    apps = [(a.slug, a.name, a.kind, a.visible_on_home) for a in PartnerApp.objects.all()]

    assert apps == [
        ("inqom", "Inqom", AppKind.LINK, True),
        ("inqom-achats", "Inqom Achats", AppKind.CONNECTOR, False),
        ("inqom-ventes", "Inqom Ventes", AppKind.CONNECTOR, False),
        ("inqom-ndf", "Inqom NDF", AppKind.CONNECTOR, False),
        ("inqom-administratif", "Inqom Administratif", AppKind.CONNECTOR, False),
    ]


def test_inqom_is_a_link_to_the_inqom_platform_shown_on_the_home_page():
    inqom = app("inqom")

    assert inqom.kind == AppKind.LINK
    assert inqom.visible_on_home is True
    assert inqom.url == "https://app.inqom.com/"
    assert inqom.connector_key == ""
    assert not inqom.is_connector


@pytest.mark.parametrize("slug", CONNECTORS)
def test_each_connector_is_never_on_the_home_page_and_serves_its_collection_address(slug):
    connector_app = app(slug)
    prefix = CONNECTORS[slug][1]

    assert connector_app.kind == AppKind.CONNECTOR
    assert connector_app.is_connector
    assert connector_app.visible_on_home is False
    assert connector_app.url == ""
    assert connector_for(connector_app).address_example() == f"{prefix}.<nom>@inqombox.com"


@pytest.mark.parametrize(
    ("slug", "expected"),
    [
        ("inqom", ["page d'accueil de votre cabinet", "plateforme Inqom", "quatre connecteurs"]),
        (
            "inqom-achats",
            ["Vous ne la verrez pas sur la page d'accueil", "GED", "Achats", "achat.<nom>@"],
        ),
        (
            "inqom-ventes",
            ["Vous ne la verrez pas sur la page d'accueil", "GED", "Ventes", "vente.<nom>@"],
        ),
        (
            "inqom-ndf",
            ["Vous ne la verrez pas sur la page d'accueil", "GED", "Notes de frais", "ndf.<nom>@"],
        ),
        (
            "inqom-administratif",
            [
                "Vous ne la verrez pas sur la page d'accueil",
                "GED",
                "Administratif",
                "admin.<nom>@",
            ],
        ),
    ],
)
def test_each_app_has_a_french_description_of_what_it_does(slug, expected):
    description = app(slug).description

    for words in expected:
        assert words in description


def test_installing_inqom_offers_its_four_connectors_and_nothing_else():
    companions = list(app("inqom").companions.values_list("slug", flat=True))

    assert companions == list(CONNECTORS)
    for slug in CONNECTORS:
        assert app(slug).companion_of == app("inqom")
        assert not app(slug).companions.exists()


def test_seeding_the_catalogue_again_changes_nothing():
    fields = ["slug", "name", "kind", "visible_on_home", "connector_key", "url", "companion_of"]
    before = list(PartnerApp.objects.order_by("slug").values(*fields))

    catalogue_seed(PartnerApp)

    assert list(PartnerApp.objects.order_by("slug").values(*fields)) == before
    assert PartnerApp.objects.count() == 5


# --- Installing and uninstalling ---------------------------------------------------------------


def test_nothing_is_installed_in_a_new_cabinet(world):
    assert installed_slugs(world.a.cabinet) == []
    assert all(not a.installed for a in catalogue(cabinet=world.a.cabinet))


def test_installing_inqom_with_its_companions_installs_the_five_apps(world):
    installed = app_install(
        cabinet=world.a.cabinet, app=app("inqom"), by=world.a.admin, with_companions=True
    )

    assert [a.slug for a in installed] == ALL_APPS
    assert installed_slugs(world.a.cabinet) == ALL_APPS
    assert (
        CabinetApp.objects.filter(cabinet=world.a.cabinet, installed_by=world.a.admin).count() == 5
    )


def test_installing_inqom_alone_installs_only_inqom(world):
    installed = app_install(cabinet=world.a.cabinet, app=app("inqom"), by=world.a.admin)

    assert [a.slug for a in installed] == ["inqom"]
    assert installed_slugs(world.a.cabinet) == ["inqom"]


def test_a_connector_can_be_installed_on_its_own(world):
    app_install(cabinet=world.a.cabinet, app=app("inqom-ventes"), by=world.a.admin)

    assert installed_slugs(world.a.cabinet) == ["inqom-ventes"]


def test_installing_twice_changes_nothing_and_records_nothing_more(world):
    install(world.a, "inqom")

    again = app_install(
        cabinet=world.a.cabinet, app=app("inqom"), by=world.a.collaborator, with_companions=True
    )

    # Only the connectors were missing; Inqom keeps who installed it first.
    assert [a.slug for a in again] == list(CONNECTORS)
    assert CabinetApp.objects.get(cabinet=world.a.cabinet, app__slug="inqom").installed_by == (
        world.a.admin
    )
    assert AuditEntry.objects.filter(action="app.installed", data__app="inqom").count() == 1
    assert app_install(cabinet=world.a.cabinet, app=app("inqom"), by=world.a.admin) == []


def test_each_install_and_uninstall_is_in_the_audit_trail(world):
    app_install(cabinet=world.a.cabinet, app=app("inqom"), by=world.a.admin, with_companions=True)
    app_uninstall(cabinet=world.a.cabinet, app=app("inqom-ndf"), by=world.a.admin)

    entries = list(
        AuditEntry.objects.filter(cabinet=world.a.cabinet, action__startswith="app.").order_by("id")
    )
    assert [(e.action, e.data["app"]) for e in entries] == [
        ("app.installed", "inqom"),
        ("app.installed", "inqom-achats"),
        ("app.installed", "inqom-ventes"),
        ("app.installed", "inqom-ndf"),
        ("app.installed", "inqom-administratif"),
        ("app.uninstalled", "inqom-ndf"),
    ]
    assert {e.actor for e in entries} == {world.a.admin}
    assert {e.actor_email for e in entries} == {world.a.admin.email}
    assert entries[-1].target_label == "Inqom NDF"


def test_uninstalling_leaves_the_other_apps_installed(world):
    install(world.a, *ALL_APPS)

    app_uninstall(cabinet=world.a.cabinet, app=app("inqom"), by=world.a.admin)

    assert installed_slugs(world.a.cabinet) == list(CONNECTORS)


def test_uninstalling_an_app_that_is_not_installed_is_refused_in_french(world):
    with pytest.raises(ValidationError) as refusal:
        app_uninstall(cabinet=world.a.cabinet, app=app("inqom"), by=world.a.admin)

    assert refusal.value.messages == ["Cette application n'est pas installée."]
    assert not AuditEntry.objects.filter(action="app.uninstalled").exists()


def test_one_cabinets_installs_are_invisible_to_the_other(world):
    install(world.a, *ALL_APPS)

    assert installed_slugs(world.b.cabinet) == []
    assert all(not a.installed for a in catalogue(cabinet=world.b.cabinet))
    assert not AuditEntry.objects.filter(cabinet=world.b.cabinet).exists()


def test_uninstalling_in_one_cabinet_does_not_touch_the_other(world):
    install(world.a, "inqom-achats")
    install(world.b, "inqom-achats")

    app_uninstall(cabinet=world.a.cabinet, app=app("inqom-achats"), by=world.a.admin)

    assert installed_slugs(world.b.cabinet) == ["inqom-achats"]


# --- What an authorisation needs ---------------------------------------------------------------


def test_a_connector_must_be_installed_before_it_is_authorised(world):
    with pytest.raises(ValidationError) as refusal:
        authorization_set(
            company=world.a.company,
            app=app("inqom-achats"),
            enabled=True,
            collection_email="achat.acme@inqombox.com",
            by=world.a.admin,
        )

    assert refusal.value.messages == ["Installez d'abord l'application « Inqom Achats »."]


def test_a_link_app_is_never_authorised_for_a_company(world):
    install(world.a, "inqom")

    with pytest.raises(ValidationError) as refusal:
        authorization_set(
            company=world.a.company,
            app=app("inqom"),
            enabled=True,
            collection_email="achat.acme@inqombox.com",
            by=world.a.admin,
        )

    assert refusal.value.messages == ["Cette application ne se relie pas aux entreprises."]


def test_a_connector_installed_by_the_other_cabinet_cannot_be_authorised_here(world):
    install(world.b, "inqom-achats")

    with pytest.raises(ValidationError):
        authorization_set(
            company=world.a.company,
            app=app("inqom-achats"),
            enabled=True,
            collection_email="achat.acme@inqombox.com",
            by=world.a.admin,
        )
