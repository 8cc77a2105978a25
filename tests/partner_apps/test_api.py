"""The partner-app endpoints of the REST API (API.md): the catalogue with what the cabinet
installed, install and uninstall, and the per-company authorisations of a connector, with the
exact fields promised, the role refusals, the French reasons of a refused address, the same 404
for what is foreign or missing, and clients who learn nothing of any of it."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partner_apps.models import CabinetApp, CompanyAuthorization, PartnerApp
from partner_apps.services.authorizations import authorization_set
from partner_apps.services.store import app_install
from tests.conftest import Tenant, api
from tests.factories import AdminFactory, CabinetFactory, CompanyFactory
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

APPS_URL = "/api/v1/apps/"
MISSING_ID = 10**9
UNKNOWN_SLUG = "application-inconnue"
PAGE_SIZE = 50

PAGE_FIELDS = {"count", "next", "previous", "results"}
APP_FIELDS = {"slug", "name", "kind", "installed", "visible_on_home"}
AUTHORIZATION_FIELDS = {"company", "enabled", "collection_email"}
CATALOGUE = [
    {"slug": "inqom", "name": "Inqom", "kind": "link", "visible_on_home": True},
    {"slug": "inqom-achats", "name": "Inqom Achats", "kind": "connector", "visible_on_home": False},
    {"slug": "inqom-ventes", "name": "Inqom Ventes", "kind": "connector", "visible_on_home": False},
    {"slug": "inqom-ndf", "name": "Inqom NDF", "kind": "connector", "visible_on_home": False},
    {
        "slug": "inqom-administratif",
        "name": "Inqom Administratif",
        "kind": "connector",
        "visible_on_home": False,
    },
]
CONNECTORS = ["inqom-achats", "inqom-ventes", "inqom-ndf", "inqom-administratif"]
ACHATS = "inqom-achats"
EXPECTED_FORM = "achat.<nom>@inqombox.com"


def install_url(slug: str) -> str:
    return f"{APPS_URL}{slug}/install/"


def uninstall_url(slug: str) -> str:
    return f"{APPS_URL}{slug}/uninstall/"


def authorizations_url(slug: str) -> str:
    return f"{APPS_URL}{slug}/authorizations/"


def authorization_url(slug: str, company_or_id) -> str:
    return f"{authorizations_url(slug)}{getattr(company_or_id, 'pk', company_or_id)}/"


def install(tenant: Tenant, *slugs: str) -> None:
    for slug in slugs:
        app_install(cabinet=tenant.cabinet, app=PartnerApp.objects.get(slug=slug), by=tenant.admin)


def authorize(tenant: Tenant, company, slug: str, address: str, *, enabled: bool = True):
    return authorization_set(
        company=company,
        app=PartnerApp.objects.get(slug=slug),
        enabled=enabled,
        collection_email=address,
        by=tenant.admin,
    )


def installed_slugs(tenant: Tenant) -> set[str]:
    return set(
        CabinetApp.objects.filter(cabinet=tenant.cabinet).values_list("app__slug", flat=True)
    )


def store_state() -> tuple:
    """What a refused request must leave as it was."""
    return (
        list(CabinetApp.objects.order_by("pk").values("pk", "cabinet", "app", "installed_by")),
        list(
            CompanyAuthorization.objects.order_by("pk").values(
                "pk", "company", "app", "enabled", "collection_email", "updated_by"
            )
        ),
        AuditEntry.objects.count(),
    )


def every_page(client, url: str) -> list[dict]:
    """The results of every page of a paginated list, following `next`."""
    results, page = [], client.get(url).json()
    while True:
        results += page["results"]
        if not page["next"]:
            return results
        page = client.get(page["next"]).json()


@pytest.fixture
def achats_installed(world):
    """Alpha installed Inqom Achats; beta installed nothing."""
    install(world.a, ACHATS)
    return world


# --- The catalogue -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_list_the_catalogue_with_exactly_the_promised_fields(world, role):
    response = api(getattr(world.a, role)).get(APPS_URL)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_FIELDS
    assert body["count"] == len(CATALOGUE)
    assert body["previous"] is None
    assert body["next"] is None
    assert all(set(row) == APP_FIELDS for row in body["results"])
    assert body["results"] == [{**app, "installed": False} for app in CATALOGUE]


def test_installed_is_true_only_for_what_this_cabinet_installed(world):
    install(world.a, "inqom", ACHATS)

    alpha = {
        row["slug"]: row["installed"] for row in api(world.a.admin).get(APPS_URL).json()["results"]
    }
    beta = {
        row["slug"]: row["installed"] for row in api(world.b.admin).get(APPS_URL).json()["results"]
    }

    assert alpha == {app["slug"]: app["slug"] in {"inqom", ACHATS} for app in CATALOGUE}
    assert beta == dict.fromkeys(alpha, False)


def test_the_catalogue_is_paginated(world):
    response = api(world.a.collaborator).get(APPS_URL, {"page": 2})

    # Five apps fit on the first page: a second page does not exist.
    assert response.status_code == 404
    assert set(api(world.a.collaborator).get(APPS_URL, {"page": 1}).json()) == PAGE_FIELDS


def test_the_catalogue_outlives_a_flush_of_the_database(transactional_db):
    # Transactional tests (the integration tests, with a real worker) and `manage.py flush`
    # empty every table, the catalogue the data migration seeded included; the tests and
    # cabinets that come after must still find the five apps.
    call_command("flush", interactive=False, verbosity=0)
    admin = AdminFactory(cabinet=CabinetFactory(slug="alpha"))

    response = api(admin).get(APPS_URL)

    assert response.status_code == 200
    assert response.json()["results"] == [{**app, "installed": False} for app in CATALOGUE]


# --- Install and uninstall ---------------------------------------------------------------------


def test_admin_installs_an_app_and_gets_its_row(world):
    response = api(world.a.admin).post(install_url(ACHATS))

    assert response.status_code == 200
    assert response.json() == {**CATALOGUE[1], "installed": True}
    assert installed_slugs(world.a) == {ACHATS}
    assert installed_slugs(world.b) == set()
    entry = AuditEntry.objects.get(action="app.installed")
    assert entry.cabinet == world.a.cabinet
    assert entry.actor == world.a.admin
    assert entry.data == {"app": ACHATS}


def test_installing_twice_changes_nothing_and_answers_the_same_row(world):
    client = api(world.a.admin)
    client.post(install_url(ACHATS))
    before = store_state()

    response = client.post(install_url(ACHATS))

    assert response.status_code == 200
    assert response.json() == {**CATALOGUE[1], "installed": True}
    assert store_state() == before


def test_installing_inqom_through_the_api_installs_inqom_only(world):
    response = api(world.a.admin).post(install_url("inqom"))

    assert response.status_code == 200
    assert response.json() == {**CATALOGUE[0], "installed": True}
    assert installed_slugs(world.a) == {"inqom"}


def test_admin_uninstalls_an_app_and_gets_its_row(achats_installed):
    world = achats_installed
    install(world.b, ACHATS)

    response = api(world.a.admin).post(uninstall_url(ACHATS))

    assert response.status_code == 200
    assert response.json() == {**CATALOGUE[1], "installed": False}
    assert installed_slugs(world.a) == set()
    assert installed_slugs(world.b) == {ACHATS}
    assert AuditEntry.objects.filter(action="app.uninstalled", cabinet=world.a.cabinet).count() == 1


def test_uninstalling_keeps_the_addresses_for_later(achats_installed):
    world = achats_installed
    authorize(world.a, world.a.company, ACHATS, "achat.boulangerie@inqombox.com")
    client = api(world.a.admin)

    client.post(uninstall_url(ACHATS))
    client.post(install_url(ACHATS))

    rows = {row["company"]: row for row in every_page(client, authorizations_url(ACHATS))}
    assert rows[world.a.company.pk]["collection_email"] == "achat.boulangerie@inqombox.com"


def test_uninstalling_an_app_that_is_not_installed_is_refused_in_french(world):
    install(world.b, ACHATS)  # installed elsewhere does not count
    before = store_state()

    response = api(world.a.admin).post(uninstall_url(ACHATS))

    assert response.status_code == 400
    assert response.json() == {"detail": ["Cette application n'est pas installée."]}
    assert store_state() == before


@pytest.mark.parametrize("url", [install_url(UNKNOWN_SLUG), uninstall_url(UNKNOWN_SLUG)])
def test_installing_or_uninstalling_an_unknown_app_is_404(world, url):
    before = store_state()

    response = api(world.a.admin).post(url)

    assert response.status_code == 404
    assert store_state() == before


@pytest.mark.parametrize("action", ["install", "uninstall"])
def test_collaborator_may_not_install_or_uninstall(world, action):
    install(world.a, "inqom")
    before = store_state()
    url = install_url if action == "install" else uninstall_url

    for slug in ("inqom", ACHATS):
        response = api(world.a.collaborator).post(url(slug))
        assert response.status_code == 403, slug
    assert store_state() == before
    assert installed_slugs(world.a) == {"inqom"}


def test_install_and_uninstall_answer_post_only(world):
    client = api(world.a.admin)

    assert client.get(install_url(ACHATS)).status_code == 405
    assert client.get(uninstall_url(ACHATS)).status_code == 405
    assert installed_slugs(world.a) == set()


# --- Authorisations: the list ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_list_one_row_per_company_of_their_cabinet(achats_installed, role):
    world = achats_installed
    authorize(world.a, world.a.company, ACHATS, "achat.boulangerie@inqombox.com")

    response = api(getattr(world.a, role)).get(authorizations_url(ACHATS))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PAGE_FIELDS
    assert body["count"] == 2
    assert all(set(row) == AUTHORIZATION_FIELDS for row in body["results"])
    # In name order: "Boulangerie Alpha", then "Garage Alpha".
    assert body["results"] == [
        {
            "company": world.a.company.pk,
            "enabled": True,
            "collection_email": "achat.boulangerie@inqombox.com",
        },
        {"company": world.a.other_company.pk, "enabled": False, "collection_email": ""},
    ]


def test_the_list_never_shows_the_other_cabinets_companies_or_addresses(world):
    install(world.a, ACHATS)
    install(world.b, ACHATS)
    authorize(world.b, world.b.company, ACHATS, "achat.beta@inqombox.com")

    alpha = every_page(api(world.a.admin), authorizations_url(ACHATS))
    beta = every_page(api(world.b.admin), authorizations_url(ACHATS))

    assert {row["company"] for row in alpha} == {world.a.company.pk, world.a.other_company.pk}
    assert {row["company"] for row in beta} == {world.b.company.pk, world.b.other_company.pk}
    assert "achat.beta@inqombox.com" not in str(alpha)


def test_the_list_is_paginated_and_every_company_is_on_exactly_one_page(achats_installed):
    world = achats_installed
    extra = CompanyFactory.create_batch(PAGE_SIZE + 3, cabinet=world.a.cabinet)
    CompanyFactory.create_batch(3, cabinet=world.b.cabinet)
    client = api(world.a.collaborator)

    first = client.get(authorizations_url(ACHATS)).json()
    rows = every_page(client, authorizations_url(ACHATS))

    assert first["count"] == PAGE_SIZE + 5
    assert len(first["results"]) == PAGE_SIZE
    assert first["next"] is not None
    ids = [row["company"] for row in rows]
    assert len(ids) == len(set(ids)) == PAGE_SIZE + 5
    assert set(ids) == {world.a.company.pk, world.a.other_company.pk, *(c.pk for c in extra)}


def test_the_list_costs_the_same_queries_for_any_number_of_companies(achats_installed):
    world = achats_installed
    install(world.a, "inqom-ventes")
    client = api(world.a.admin)

    def add_companies(n: int) -> None:
        for company in CompanyFactory.create_batch(n, cabinet=world.a.cabinet):
            # Addresses of this connector and of a sibling (from which suggestions come).
            authorize(world.a, company, ACHATS, f"achat.societe-{company.pk}@inqombox.com")
            authorize(world.a, company, "inqom-ventes", f"vente.societe-{company.pk}@inqombox.com")

    add_companies(3)
    client.get(authorizations_url(ACHATS))  # warms the caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(authorizations_url(ACHATS)).json()["count"] == 5
    add_companies(9)
    with CaptureQueriesContext(connection) as many:
        assert client.get(authorizations_url(ACHATS)).json()["count"] == 14

    assert len(many) == len(few)


def test_the_list_can_be_searched_by_company_name(achats_installed):
    world = achats_installed

    response = api(world.a.admin).get(authorizations_url(ACHATS), {"q": "garage"})

    assert [row["company"] for row in response.json()["results"]] == [world.a.other_company.pk]


@pytest.mark.parametrize("slug", ["inqom", UNKNOWN_SLUG])
def test_a_link_app_or_an_unknown_slug_has_no_authorizations(achats_installed, slug):
    install(achats_installed.a, "inqom")

    response = api(achats_installed.a.admin).get(authorizations_url(slug))

    assert response.status_code == 404


# --- Authorisations: one company ---------------------------------------------------------------


def put(user, slug: str, company, *, enabled=True, collection_email=""):
    return api(user).put(
        authorization_url(slug, company),
        {"enabled": enabled, "collection_email": collection_email},
        format="json",
    )


def test_admin_authorises_a_company_and_the_address_is_saved_in_lower_case(achats_installed):
    world = achats_installed

    response = put(
        world.a.admin, ACHATS, world.a.company, collection_email="  ACHAT.Boulangerie@InqomBox.com "
    )

    assert response.status_code == 200
    assert response.json() == {
        "company": world.a.company.pk,
        "enabled": True,
        "collection_email": "achat.boulangerie@inqombox.com",
    }
    authorization = CompanyAuthorization.objects.get(company=world.a.company, app__slug=ACHATS)
    assert authorization.enabled
    assert authorization.collection_email == "achat.boulangerie@inqombox.com"
    assert authorization.updated_by == world.a.admin
    entry = AuditEntry.objects.get(action="authorization.changed")
    assert entry.cabinet == world.a.cabinet
    assert entry.data["old"] == {"enabled": False, "collection_email": ""}
    assert entry.data["new"] == {
        "enabled": True,
        "collection_email": "achat.boulangerie@inqombox.com",
    }


def test_revoking_keeps_the_address(achats_installed):
    world = achats_installed
    authorize(world.a, world.a.company, ACHATS, "achat.boulangerie@inqombox.com")

    response = put(
        world.a.admin,
        ACHATS,
        world.a.company,
        enabled=False,
        collection_email="achat.boulangerie@inqombox.com",
    )

    assert response.status_code == 200
    assert response.json()["enabled"] is False
    authorization = CompanyAuthorization.objects.get(company=world.a.company, app__slug=ACHATS)
    assert not authorization.enabled
    assert authorization.collection_email == "achat.boulangerie@inqombox.com"


def test_each_connector_takes_its_own_prefix(world):
    install(world.a, *CONNECTORS)
    prefixes = dict(zip(CONNECTORS, ["achat", "vente", "ndf", "admin"], strict=True))

    for slug, prefix in prefixes.items():
        response = put(
            world.a.admin, slug, world.a.company, collection_email=f"{prefix}.acme@inqombox.com"
        )
        assert response.status_code == 200, slug
        assert response.json()["collection_email"] == f"{prefix}.acme@inqombox.com"


REFUSED_ADDRESSES = {
    "wrong prefix": ("vente.boulangerie@inqombox.com", ["« vente. »", "Inqom Ventes"]),
    "no prefix": ("boulangerie@inqombox.com", ["« achat. »"]),
    "wrong domain": ("achat.boulangerie@inqom.com", ["@inqombox.com"]),
    "look-alike domain": ("achat.boulangerie@inqombox.com.exemple.fr", ["@inqombox.com"]),
    "sub-domain": ("achat.boulangerie@mail.inqombox.com", ["@inqombox.com"]),
    "no @": ("achat.boulangerie.inqombox.com", ["pas une adresse email"]),
    "two @": ("achat.boulangerie@@inqombox.com", ["pas une adresse email"]),
    "empty name": ("achat.@inqombox.com", ["lettres, des chiffres"]),
    "name with +": ("achat.boulangerie+x@inqombox.com", ["lettres, des chiffres"]),
    "header injection": ("achat.x@inqombox.com\r\nBcc: y@z.fr", ["Une seule adresse"]),
    "line feed": ("achat.x@inqombox.com\nachat.y@inqombox.com", ["Une seule adresse"]),
    "two addresses, comma": ("achat.a@inqombox.com,achat.b@inqombox.com", ["Une seule adresse"]),
    "two addresses, semicolon": ("achat.a@inqombox.com;achat.b@inqombox.com", ["Une seule"]),
    "two addresses, space": ("achat.a@inqombox.com achat.b@inqombox.com", ["Une seule adresse"]),
    "display name": ("Boulangerie <achat.boulangerie@inqombox.com>", ["Une seule adresse"]),
    "space inside": ("achat.boulan gerie@inqombox.com", ["Une seule adresse"]),
    "cyrillic a": ("\u0430chat.boulangerie@inqombox.com", ["imitent des lettres latines"]),
    "cyrillic o in domain": ("achat.boulangerie@inq\u043embox.com", ["imitent"]),
    "fullwidth at": ("achat.boulangerie\uff20inqombox.com", ["imitent des lettres latines"]),
    "zero-width space": ("achat.boulan\u200bgerie@inqombox.com", ["imitent"]),
    "kelvin sign": ("achat.\u212aebab@inqombox.com", ["imitent des lettres latines"]),
    "over-long local part": (f"achat.{'a' * 60}@inqombox.com", ["trop longue"]),
    "over-long address": (f"achat.{'a.' * 130}b@inqombox.com", ["trop longue"]),
}


@pytest.mark.parametrize("case", REFUSED_ADDRESSES, ids=str)
def test_a_refused_address_gets_its_reason_and_saves_nothing(achats_installed, case):
    world = achats_installed
    # A previous, valid authorisation stays as it was.
    authorize(world.a, world.a.company, ACHATS, "achat.ancienne@inqombox.com")
    address, reasons = REFUSED_ADDRESSES[case]
    before = store_state()

    response = put(world.a.admin, ACHATS, world.a.company, collection_email=address)

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["collection_email"]
    message = " ".join(body["collection_email"])
    for reason in reasons:
        assert reason in message
    assert f"Adresse attendue : {EXPECTED_FORM}" in message
    assert store_state() == before


def test_a_vente_address_on_inqom_achats_names_the_expected_achat_form(achats_installed):
    world = achats_installed

    response = put(
        world.a.admin, ACHATS, world.a.company, collection_email="vente.boulangerie@inqombox.com"
    )

    assert response.status_code == 400
    assert response.json() == {
        "collection_email": [
            "C'est une adresse « vente. », celle d'Inqom Ventes. "
            "Adresse attendue : achat.<nom>@inqombox.com"
        ]
    }
    assert not CompanyAuthorization.objects.exists()


def test_an_address_longer_than_the_field_allows_is_refused(achats_installed):
    world = achats_installed
    before = store_state()

    response = put(world.a.admin, ACHATS, world.a.company, collection_email="achat." + "a" * 2000)

    assert response.status_code == 400
    assert list(response.json()) == ["collection_email"]
    assert store_state() == before


@pytest.mark.parametrize("address", ["", "   "])
def test_authorising_without_an_address_is_refused(achats_installed, address):
    world = achats_installed
    before = store_state()

    response = put(world.a.admin, ACHATS, world.a.company, enabled=True, collection_email=address)

    assert response.status_code == 400
    message = " ".join(response.json()["collection_email"])
    assert "indiquez l'adresse de collecte" in message
    assert EXPECTED_FORM in message
    assert store_state() == before


@pytest.mark.parametrize(
    "data",
    [
        {"collection_email": "achat.boulangerie@inqombox.com"},
        {"enabled": True},
        {"enabled": "peut-être", "collection_email": "achat.boulangerie@inqombox.com"},
        {"enabled": True, "collection_email": None},
        {"enabled": True, "collection_email": ["achat.a@inqombox.com"]},
    ],
)
def test_a_malformed_body_is_refused_field_by_field(achats_installed, data):
    world = achats_installed
    before = store_state()

    response = api(world.a.admin).put(
        authorization_url(ACHATS, world.a.company), data, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) <= {"enabled", "collection_email"}
    assert store_state() == before


def test_an_app_that_is_not_installed_cannot_be_authorised(world):
    install(world.b, ACHATS)  # installed by the other cabinet only
    before = store_state()

    response = put(
        world.a.admin, ACHATS, world.a.company, collection_email="achat.boulangerie@inqombox.com"
    )

    assert response.status_code == 400
    assert response.json() == {"detail": ["Installez d'abord l'application « Inqom Achats »."]}
    assert store_state() == before


@pytest.mark.parametrize("slug", ["inqom", UNKNOWN_SLUG])
def test_a_link_app_or_an_unknown_slug_cannot_be_authorised(world, slug):
    install(world.a, "inqom")
    before = store_state()

    response = put(
        world.a.admin, slug, world.a.company, collection_email="achat.boulangerie@inqombox.com"
    )

    assert response.status_code == 404
    assert store_state() == before


def test_a_company_of_the_other_cabinet_is_404_like_a_missing_one(world):
    install(world.a, ACHATS)
    install(world.b, ACHATS)
    before = store_state()
    address = "achat.boulangerie@inqombox.com"

    foreign = put(world.a.admin, ACHATS, world.b.company, collection_email=address)
    missing = put(world.a.admin, ACHATS, MISSING_ID, collection_email=address)
    # An id past what the database stores is just as missing, not a 500.
    huge = put(world.a.admin, ACHATS, 2**63, collection_email=address)

    assert foreign.status_code == missing.status_code == huge.status_code == 404
    assert foreign.content == missing.content == huge.content
    assert store_state() == before


def test_collaborator_may_read_but_not_change_an_authorization(achats_installed):
    world = achats_installed
    authorize(world.a, world.a.company, ACHATS, "achat.boulangerie@inqombox.com")
    before = store_state()

    response = put(world.a.collaborator, ACHATS, world.a.company, enabled=False)
    valid = put(
        world.a.collaborator, ACHATS, world.a.other_company, collection_email="achat.g@inqombox.com"
    )

    assert response.status_code == valid.status_code == 403
    assert store_state() == before
    assert api(world.a.collaborator).get(authorizations_url(ACHATS)).status_code == 200


def test_options_on_an_authorization_describes_it_without_its_fields(achats_installed):
    # DRF's default metadata looked for a `queryset` the view does not have: a 500.
    world = achats_installed
    url = authorization_url(ACHATS, world.a.company)

    response = api(world.a.admin).options(url)

    assert response.status_code == 200
    assert response.json()["parses"] == ["application/json", "multipart/form-data"]
    assert "actions" not in response.json()
    assert api(world.a.client).options(url).status_code == 403


# --- Clients learn nothing; visitors are sent away ---------------------------------------------


def partner_calls(tenant: Tenant, slug: str, company_id: int) -> list[tuple[str, str, dict]]:
    """Every partner-app endpoint, for one slug and one company id."""
    body = {"enabled": True, "collection_email": "achat.boulangerie@inqombox.com"}
    return [
        ("get", APPS_URL, {}),
        ("get", f"{APPS_URL}?page=1", {}),
        ("post", install_url(slug), {}),
        ("post", uninstall_url(slug), {}),
        ("get", authorizations_url(slug), {}),
        ("get", f"{authorizations_url(slug)}?q=Boulangerie", {}),
        ("put", authorization_url(slug, company_id), body),
    ]


def send(client, method: str, url: str, data: dict):
    return (
        getattr(client, method)(url, data, format="json") if data else getattr(client, method)(url)
    )


def names_of_the_store() -> list[str]:
    """Every word that would tell a client which apps the cabinet uses."""
    apps = PartnerApp.objects.values_list("slug", "name")
    return ["inqom", "application", *(word.lower() for app in apps for word in app)]


@pytest.mark.parametrize("who", ["client", "other_client"])
@pytest.mark.parametrize("slug", [ACHATS, "inqom"])
def test_clients_are_refused_every_partner_app_endpoint_and_learn_nothing(world, who, slug):
    install(world.a, "inqom", *CONNECTORS)
    authorize(world.a, world.a.company, ACHATS, "achat.boulangerie@inqombox.com")
    user = getattr(world.a, who)
    client = api(user)
    forbidden = names_of_the_store()
    before = store_state()

    # Their own company and the one they may not see: the same answers as for an unknown app
    # and a missing company.
    for company in (world.a.company, world.a.other_company):
        calls = partner_calls(world.a, slug, company.pk)
        blind = partner_calls(world.a, UNKNOWN_SLUG, MISSING_ID)
        for (method, url, data), (_m, blind_url, _d) in zip(calls, blind, strict=True):
            response = send(client, method, url, data)
            what = f"{method.upper()} {url} as {who}"
            assert response.status_code in (403, 404), what
            body = response.content.decode().lower()
            named = [word for word in forbidden if word in body]
            assert not named, f"{what} names {named}"
            unknown = send(client, method, blind_url, data)
            assert (unknown.status_code, unknown.content) == (
                response.status_code,
                response.content,
            ), what
    assert store_state() == before


def test_anonymous_visitor_gets_401_from_every_partner_app_endpoint(world):
    install(world.a, ACHATS)
    client = api(cabinet=world.a.cabinet)
    before = store_state()

    for method, url, data in partner_calls(world.a, ACHATS, world.a.company.pk):
        response = send(client, method, url, data)
        assert response.status_code == 401, f"{method.upper()} {url}"
        assert "inqom" not in response.content.decode().lower()
    assert store_state() == before


def test_the_other_cabinets_token_is_refused_on_this_host(world):
    install(world.a, ACHATS)
    client = api(world.b.admin, cabinet=world.a.cabinet)
    before = store_state()

    for method, url, data in partner_calls(world.a, ACHATS, world.a.company.pk):
        assert send(client, method, url, data).status_code == 401, f"{method.upper()} {url}"
    assert store_state() == before
