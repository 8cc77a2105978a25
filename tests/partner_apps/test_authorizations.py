"""The pencil of a connector: every company of the cabinet with its "Accès autorisé" switch and
its "Adresse de collecte", saved line by line (htmx) or the whole page at once, searched,
paginated, read-only for collaborators, with the addresses proposed from the company's other
Inqom addresses and the reminder to authorise the portal's sender in Inqom."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partner_apps.models import CompanyAuthorization
from tests.conftest import browser
from tests.factories import CompanyFactory
from tests.helpers.store import (
    ALL_APPS,
    CONNECTORS,
    FORBIDDEN,
    HTMX,
    NO_ADDRESS,
    NOT_FOUND,
    WRONG_PREFIX,
    app,
    audit_actions,
    authorizations_url,
    authorize,
    import_url,
    install,
    row_url,
    saved,
)
from tests.not_ids import KINDS, not_ids
from tests.pages import flashes, page_of, visible_text
from welyb_portal.tenancy.models import AuditEntry, Company

pytestmark = pytest.mark.django_db

ACHATS = "inqom-achats"
PAGE = authorizations_url(ACHATS)
NOTHING_SAVED = "Rien n'est enregistré : corrigez les lignes signalées puis recommencez."


@pytest.fixture
def world(world):
    """Both cabinets have installed Inqom and its four connectors."""
    install(world.a, *ALL_APPS)
    install(world.b, *ALL_APPS)
    return world


def line(company, *, enabled: bool, email: str) -> dict:
    """What a line of the page sends: its switch (only when on) and its address."""
    data = {f"email-{company.pk}": email}
    if enabled:
        data[f"enabled-{company.pk}"] = "on"
    return data


def whole_page(*lines: tuple) -> dict:
    """What "Tout enregistrer" sends: every line of the page, with its hidden company id."""
    data = {"rows": [company.pk for company, _enabled, _email in lines]}
    for company, enabled, email in lines:
        data.update(line(company, enabled=enabled, email=email))
    return data


def field_of(page, company):
    [field] = page.find("input", inside=page.row(company), name=f"email-{company.pk}")
    return field


def switch_of(page, company):
    [switch] = page.find("input", inside=page.row(company), name=f"enabled-{company.pk}")
    return switch


def errors_of(page, company) -> list[str]:
    return [
        li.text
        for ul in page.find("ul", inside=page.row(company))
        for li in page.find("li", inside=ul)
    ]


def companies_listed(page) -> list[str]:
    return [
        row.attrs["id"]
        for row in page.find("tr")
        if row.attrs.get("id", "").startswith("authorization-")
    ]


def add_companies(cabinet, count: int, *, start: int = 0) -> list[Company]:
    Company.objects.bulk_create(
        Company(cabinet=cabinet, name=f"Client {n:04d}") for n in range(start, start + count)
    )
    return list(Company.objects.filter(cabinet=cabinet, name__startswith="Client "))


# --- What the page shows -----------------------------------------------------------------------


def test_the_page_lists_every_company_of_the_cabinet_and_none_of_the_other(world):
    third = CompanyFactory(cabinet=world.a.cabinet, name="Atelier Alpha")

    response = browser(world.a.admin).get(PAGE)
    page = page_of(response)

    assert response.status_code == 200
    assert page.one("h1").text == "Inqom Achats"
    assert companies_listed(page) == [
        f"authorization-{c.pk}" for c in (third, world.a.company, world.a.other_company)
    ]
    text = visible_text(response)
    assert "Boulangerie Beta" not in text
    assert "Garage Beta" not in text


def test_each_line_has_a_labelled_access_switch_and_collection_address(world):
    page = page_of(browser(world.a.admin).get(PAGE))

    headers = [th.text for th in page.find("th", scope="col")]
    assert headers[:3] == ["Entreprise", "Accès autorisé", "Adresse de collecte"]
    for company in (world.a.company, world.a.other_company):
        switch = switch_of(page, company)
        assert switch.attrs["type"] == "checkbox"
        assert switch.attrs["role"] == "switch"
        assert not switch.has("checked")
        [switch_label] = [a for a in switch.ancestors if a.tag == "label"]
        assert switch_label.text == f"Accès autorisé pour {company.name}"
        field = field_of(page, company)
        assert field.attrs["id"] == f"email-{company.pk}"
        assert field.attrs["value"] == ""
        assert field.attrs["placeholder"] == "achat.<nom>@inqombox.com"
        [label] = page.find("label", **{"for": f"email-{company.pk}"})
        assert label.text == f"Adresse de collecte de {company.name}"
        assert "Enregistrer" in page.buttons(inside=page.row(company))
    assert "Tout enregistrer" in page.buttons()
    assert "achat.<nom>@inqombox.com" in visible_text(browser(world.a.admin).get(PAGE))


def test_the_page_shows_what_is_saved(world):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")
    authorize(world.a, world.a.other_company, ACHATS, "achat.garage@inqombox.com", enabled=False)

    page = page_of(browser(world.a.admin).get(PAGE))

    assert switch_of(page, world.a.company).has("checked")
    assert field_of(page, world.a.company).attrs["value"] == "achat.acme@inqombox.com"
    assert not switch_of(page, world.a.other_company).has("checked")
    assert field_of(page, world.a.other_company).attrs["value"] == "achat.garage@inqombox.com"


def test_each_connector_has_its_own_addresses(world):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")

    page = page_of(browser(world.a.admin).get(authorizations_url("inqom-ventes")))

    assert page.one("h1").text == "Inqom Ventes"
    assert not switch_of(page, world.a.company).has("checked")
    assert field_of(page, world.a.company).attrs["value"] == ""


@pytest.mark.parametrize("slug", ["inqom", "dext", "inqom-achats-2"])
def test_only_a_connector_of_the_catalogue_has_an_authorisation_page(world, slug):
    admin = browser(world.a.admin)

    assert admin.get(authorizations_url(slug)).status_code == 404
    assert admin.post(row_url(slug, world.a.company), **HTMX).status_code == 404


def test_a_connector_that_is_not_installed_has_no_page(world):
    browser(world.a.admin).post("/reglages/applications/inqom-ndf/desinstaller/")
    admin = browser(world.a.admin)

    assert admin.get(authorizations_url("inqom-ndf")).status_code == 404
    response = admin.post(
        row_url("inqom-ndf", world.a.company),
        line(world.a.company, enabled=True, email="ndf.acme@inqombox.com"),
        **HTMX,
    )
    assert response.status_code == 404
    assert saved(world.a.company, "inqom-ndf") is None


# --- Saving one line with htmx -----------------------------------------------------------------


def test_saving_one_line_with_htmx_answers_the_line_showing_enregistre(world):
    response = browser(world.a.admin).post(
        row_url(ACHATS, world.a.company),
        line(world.a.company, enabled=True, email="  ACHAT.Boulangerie-Alpha@InqomBox.com "),
        **HTMX,
    )
    page = page_of(response)

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert companies_listed(page) == [f"authorization-{world.a.company.pk}"]
    assert "Enregistré" in page.row(world.a.company).text
    assert switch_of(page, world.a.company).has("checked")
    assert field_of(page, world.a.company).attrs["value"] == (
        "achat.boulangerie-alpha@inqombox.com"
    )
    assert saved(world.a.company, ACHATS) == (True, "achat.boulangerie-alpha@inqombox.com")
    assert saved(world.a.other_company, ACHATS) is None
    # The line that replaces the old one can be saved again.
    [button] = page.find("button", inside=page.row(world.a.company))
    assert button.attrs["hx-post"] == row_url(ACHATS, world.a.company)
    assert button.attrs["hx-target"] == "closest tr"


def test_a_wrong_address_on_one_line_answers_the_french_error_and_saves_nothing(world):
    response = browser(world.a.admin).post(
        row_url(ACHATS, world.a.company),
        line(world.a.company, enabled=True, email="vente.acme@inqombox.com"),
        **HTMX,
    )
    page = page_of(response)

    # htmx swaps 200 answers only: the refusal is the line itself, showing its error.
    assert response.status_code == 200
    assert errors_of(page, world.a.company) == [WRONG_PREFIX]
    assert "Enregistré" not in page.row(world.a.company).text
    field = field_of(page, world.a.company)
    assert field.attrs["value"] == "vente.acme@inqombox.com"
    assert field.attrs["aria-invalid"] == "true"
    assert field.attrs["aria-describedby"] == f"error-{world.a.company.pk}"
    assert saved(world.a.company, ACHATS) is None
    assert audit_actions(world.a.cabinet, "authorization.") == []


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("achat.acme@inqombox.com\r\nBcc: espion@exemple.fr", "Une seule adresse"),
        ("achat.acme@inqombox.com, achat.autre@inqombox.com", "Une seule adresse"),
        ("achat.acme@gmail.com", "se terminent par @inqombox.com"),
        ("achat.\u0430cme@inqombox.com", "imitent des lettres latines"),
        ("achat." + "a" * 300 + "@inqombox.com", "Adresse trop longue."),
    ],
)
def test_bad_input_on_a_line_is_refused_in_french_and_saves_nothing(world, typed, reason):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")

    response = browser(world.a.admin).post(
        row_url(ACHATS, world.a.company), line(world.a.company, enabled=True, email=typed), **HTMX
    )

    [error] = errors_of(page_of(response), world.a.company)
    assert reason in error
    assert error.endswith("Adresse attendue : achat.<nom>@inqombox.com")
    assert saved(world.a.company, ACHATS) == (True, "achat.acme@inqombox.com")


def test_authorising_without_an_address_is_refused(world):
    response = browser(world.a.admin).post(
        row_url(ACHATS, world.a.company), line(world.a.company, enabled=True, email=""), **HTMX
    )

    assert errors_of(page_of(response), world.a.company) == [NO_ADDRESS]
    assert saved(world.a.company, ACHATS) is None


def test_revoking_stops_the_access_and_keeps_the_address(world):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")
    admin = browser(world.a.admin)

    response = admin.post(
        row_url(ACHATS, world.a.company),
        line(world.a.company, enabled=False, email="achat.acme@inqombox.com"),
        **HTMX,
    )

    assert "Enregistré" in page_of(response).row(world.a.company).text
    assert saved(world.a.company, ACHATS) == (False, "achat.acme@inqombox.com")
    page = page_of(admin.get(PAGE))
    assert not switch_of(page, world.a.company).has("checked")
    assert field_of(page, world.a.company).attrs["value"] == "achat.acme@inqombox.com"


def test_without_htmx_a_line_is_saved_and_the_page_comes_back_with_a_message(world):
    admin = browser(world.a.admin)

    response = admin.post(
        row_url(ACHATS, world.a.company),
        line(world.a.company, enabled=True, email="achat.acme@inqombox.com"),
        follow=True,
    )

    assert response.redirect_chain == [(PAGE, 302)]
    assert flashes(response) == ["Boulangerie Alpha : enregistré."]
    assert saved(world.a.company, ACHATS) == (True, "achat.acme@inqombox.com")


def test_without_htmx_a_refused_line_comes_back_with_its_french_error(world):
    response = browser(world.a.admin).post(
        row_url(ACHATS, world.a.other_company),
        line(world.a.other_company, enabled=True, email="vente.garage@inqombox.com"),
        follow=True,
    )

    assert flashes(response) == [f"Garage Alpha : {WRONG_PREFIX}"]
    assert saved(world.a.other_company, ACHATS) is None


def test_a_company_of_the_other_cabinet_cannot_be_saved(world):
    response = browser(world.a.admin).post(
        row_url(ACHATS, world.b.company),
        line(world.b.company, enabled=True, email="achat.espion@inqombox.com"),
        **HTMX,
    )

    assert response.status_code == 404
    assert "Boulangerie Beta" not in visible_text(response)
    assert saved(world.b.company, ACHATS) is None
    assert not CompanyAuthorization.objects.exists()


def test_a_company_id_that_does_not_exist_answers_the_same_404(world):
    missing = Company.objects.order_by("-pk").first().pk + 1000

    response = browser(world.a.admin).post(
        f"{PAGE}{missing}/",
        {f"enabled-{missing}": "on", f"email-{missing}": "achat.x@inqombox.com"},
    )

    assert response.status_code == 404
    assert not CompanyAuthorization.objects.exists()


# --- Saving the whole page ---------------------------------------------------------------------


def test_saving_the_whole_page_saves_every_line(world):
    response = browser(world.a.admin).post(
        PAGE,
        whole_page(
            (world.a.company, True, "achat.boulangerie@inqombox.com"),
            (world.a.other_company, True, "ACHAT.Garage@inqombox.com"),
        ),
        follow=True,
    )

    assert response.redirect_chain == [(PAGE, 302)]
    assert flashes(response) == ["Autorisations enregistrées."]
    assert saved(world.a.company, ACHATS) == (True, "achat.boulangerie@inqombox.com")
    assert saved(world.a.other_company, ACHATS) == (True, "achat.garage@inqombox.com")
    page = page_of(response)
    assert switch_of(page, world.a.other_company).has("checked")
    assert field_of(page, world.a.other_company).attrs["value"] == "achat.garage@inqombox.com"


def test_saving_the_page_leaves_untouched_lines_alone(world):
    browser(world.a.admin).post(
        PAGE,
        whole_page(
            (world.a.company, True, "achat.boulangerie@inqombox.com"),
            (world.a.other_company, False, ""),
        ),
    )

    assert saved(world.a.other_company, ACHATS) is None
    assert audit_actions(world.a.cabinet, "authorization.") == ["authorization.changed"]


def test_one_wrong_line_saves_nothing_at_all_and_shows_the_error_next_to_it(world):
    authorize(world.a, world.a.company, ACHATS, "achat.ancien@inqombox.com", enabled=False)
    entries = AuditEntry.objects.count()

    response = browser(world.a.admin).post(
        PAGE,
        whole_page(
            (world.a.company, True, "achat.nouveau@inqombox.com"),
            (world.a.other_company, True, "vente.garage@inqombox.com"),
        ),
    )
    page = page_of(response)

    assert response.status_code == 400
    assert flashes(response) == [NOTHING_SAVED]
    assert errors_of(page, world.a.other_company) == [WRONG_PREFIX]
    assert errors_of(page, world.a.company) == []
    # What was typed is still there, to be corrected.
    assert field_of(page, world.a.company).attrs["value"] == "achat.nouveau@inqombox.com"
    assert switch_of(page, world.a.company).has("checked")
    assert field_of(page, world.a.other_company).attrs["value"] == "vente.garage@inqombox.com"
    assert field_of(page, world.a.other_company).attrs["aria-invalid"] == "true"
    # The valid line was not saved either.
    assert saved(world.a.company, ACHATS) == (False, "achat.ancien@inqombox.com")
    assert saved(world.a.other_company, ACHATS) is None
    assert AuditEntry.objects.count() == entries


def test_authorising_a_line_of_the_page_without_an_address_saves_nothing(world):
    response = browser(world.a.admin).post(
        PAGE,
        whole_page(
            (world.a.company, True, "achat.boulangerie@inqombox.com"),
            (world.a.other_company, True, ""),
        ),
    )

    assert response.status_code == 400
    assert errors_of(page_of(response), world.a.other_company) == [NO_ADDRESS]
    assert not CompanyAuthorization.objects.exists()


def test_a_page_naming_a_company_of_the_other_cabinet_saves_nothing(world):
    response = browser(world.a.admin).post(
        PAGE,
        whole_page(
            (world.a.company, True, "achat.boulangerie@inqombox.com"),
            (world.b.company, True, "achat.espion@inqombox.com"),
        ),
    )

    assert response.status_code == 404
    assert not CompanyAuthorization.objects.exists()
    assert "Boulangerie Beta" not in visible_text(response)


@pytest.mark.parametrize("kind", KINDS)
def test_a_page_whose_row_is_no_company_id_answers_404_and_saves_nothing(world, kind):
    """The hidden `rows` are ids: "²" used to be a 500, "+<id>" or the id in Arabic-Indic
    digits a second copy of the same company."""
    data = whole_page((world.a.company, True, "achat.boulangerie@inqombox.com"))
    data["rows"].append(not_ids(world.a.company.pk)[kind])

    response = browser(world.a.admin).post(PAGE, data)

    assert response.status_code == 404
    assert not CompanyAuthorization.objects.exists()


# --- Uninstalling ------------------------------------------------------------------------------


def test_uninstalling_keeps_addresses_and_switches_and_closes_the_page_until_reinstalled(world):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")
    authorize(world.a, world.a.other_company, ACHATS, "achat.garage@inqombox.com", enabled=False)
    admin = browser(world.a.admin)

    admin.post(f"/reglages/applications/{ACHATS}/desinstaller/")

    assert saved(world.a.company, ACHATS) == (True, "achat.acme@inqombox.com")
    assert saved(world.a.other_company, ACHATS) == (False, "achat.garage@inqombox.com")
    assert admin.get(PAGE).status_code == 404
    assert admin.get(import_url(ACHATS)).status_code == 404
    response = admin.post(
        row_url(ACHATS, world.a.company),
        line(world.a.company, enabled=False, email="achat.autre@inqombox.com"),
        **HTMX,
    )
    assert response.status_code == 404
    assert saved(world.a.company, ACHATS) == (True, "achat.acme@inqombox.com")

    admin.post(f"/reglages/applications/{ACHATS}/installer/")

    page = page_of(admin.get(PAGE))
    assert switch_of(page, world.a.company).has("checked")
    assert field_of(page, world.a.company).attrs["value"] == "achat.acme@inqombox.com"
    assert not switch_of(page, world.a.other_company).has("checked")
    assert field_of(page, world.a.other_company).attrs["value"] == "achat.garage@inqombox.com"


# --- Search and pagination ---------------------------------------------------------------------


def test_search_by_company_name(world):
    response = browser(world.a.admin).get(PAGE, {"q": "garage"})
    page = page_of(response)

    assert companies_listed(page) == [f"authorization-{world.a.other_company.pk}"]
    assert page.one("input", name="q").attrs["value"] == "garage"


def test_search_by_siren_as_it_is_written(world):
    siren = world.a.company.siren
    written = f"{siren[:3]} {siren[3:6]} {siren[6:]}"

    page = page_of(browser(world.a.admin).get(PAGE, {"q": written}))

    assert companies_listed(page) == [f"authorization-{world.a.company.pk}"]


def test_search_never_finds_the_other_cabinets_companies(world):
    response = browser(world.a.admin).get(PAGE, {"q": "Beta"})

    assert companies_listed(page_of(response)) == []
    assert "Aucune entreprise ne correspond à « Beta »." in visible_text(response)


def test_the_page_shows_50_companies_at_a_time(world):
    add_companies(world.a.cabinet, 60)
    admin = browser(world.a.admin)

    first = page_of(admin.get(PAGE))
    second = page_of(admin.get(PAGE, {"page": 2}))

    assert len(companies_listed(first)) == 50
    assert len(companies_listed(second)) == 12
    assert set(companies_listed(first)).isdisjoint(companies_listed(second))
    assert "Page 1 sur 2 (62 entreprises)" in first.text
    assert "Page 2 sur 2 (62 entreprises)" in second.text
    [following] = first.links("Suivante ›")
    assert following.attrs["href"] == "?q=&page=2"
    [previous] = second.links("‹ Précédente")
    assert previous.attrs["href"] == "?q=&page=1"


def test_pages_of_a_search_keep_the_search(world):
    add_companies(world.a.cabinet, 60)

    page = page_of(browser(world.a.admin).get(PAGE, {"q": "client"}))

    assert len(companies_listed(page)) == 50
    assert "Page 1 sur 2 (60 entreprises)" in page.text
    [following] = page.links("Suivante ›")
    assert following.attrs["href"] == "?q=client&page=2"


def test_the_page_costs_as_many_queries_with_2000_companies_as_with_60(
    world, django_assert_num_queries, django_assert_max_num_queries
):
    companies = add_companies(world.a.cabinet, 58)
    # Some lines have their address, others a Ventes address that proposes theirs.
    CompanyAuthorization.objects.bulk_create(
        [
            CompanyAuthorization(
                company=company,
                app=app(ACHATS) if n % 2 else app("inqom-ventes"),
                enabled=True,
                collection_email=f"{'achat' if n % 2 else 'vente'}.client{n}@inqombox.com",
            )
            for n, company in enumerate(companies[:30])
        ]
    )
    admin = browser(world.a.admin)
    admin.get(PAGE)
    with CaptureQueriesContext(connection) as sixty:
        response = admin.get(PAGE)
    assert response.status_code == 200
    assert len(companies_listed(page_of(response))) == 50
    # Nothing is fetched line by line: the last page, of 10 lines, costs the same.
    with django_assert_num_queries(len(sixty)):
        last = admin.get(PAGE, {"page": 2})
    assert len(companies_listed(page_of(last))) == 10

    add_companies(world.a.cabinet, 1940, start=58)

    with django_assert_max_num_queries(len(sixty)):
        response = admin.get(PAGE)
    page = page_of(response)
    assert len(companies_listed(page)) == 50
    assert "Page 1 sur 40 (2000 entreprises)" in page.text
    with django_assert_max_num_queries(len(sixty)):
        assert admin.get(PAGE, {"page": 40}).status_code == 200


# --- Collaborators and clients -----------------------------------------------------------------


def test_collaborators_see_the_page_read_only(world):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")
    authorize(world.a, world.a.company, "inqom-ventes", "vente.acme@inqombox.com")

    response = browser(world.a.collaborator).get(PAGE)
    page = page_of(response)

    assert response.status_code == 200
    for company in (world.a.company, world.a.other_company):
        assert switch_of(page, company).has("disabled")
        assert field_of(page, company).has("readonly")
    assert switch_of(page, world.a.company).has("checked")
    assert field_of(page, world.a.company).attrs["value"] == "achat.acme@inqombox.com"
    # No way to save, import or use a proposed address; copying and searching still work.
    assert page.buttons(inside=page.one("main")) == ["Copier", "Rechercher"]
    assert page.links("Importer un fichier CSV") == []
    assert "Utiliser" not in visible_text(response)


def test_collaborators_cannot_save_the_page_or_a_line(world):
    collaborator = browser(world.a.collaborator)

    whole = collaborator.post(PAGE, whole_page((world.a.company, True, "achat.acme@inqombox.com")))
    one = collaborator.post(
        row_url(ACHATS, world.a.company),
        line(world.a.company, enabled=True, email="achat.acme@inqombox.com"),
        **HTMX,
    )

    assert whole.status_code == 403
    assert one.status_code == 403
    assert FORBIDDEN in visible_text(whole)
    assert not CompanyAuthorization.objects.exists()
    assert audit_actions(world.a.cabinet, "authorization.") == []


def test_clients_get_404_and_learn_nothing(world):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")
    client = browser(world.a.client)

    responses = [
        client.get(PAGE),
        client.post(PAGE, whole_page((world.a.company, False, "achat.x@inqombox.com"))),
        client.post(
            row_url(ACHATS, world.a.company),
            line(world.a.company, enabled=False, email="achat.x@inqombox.com"),
            **HTMX,
        ),
    ]

    for response in responses:
        assert response.status_code == 404
        assert NOT_FOUND in visible_text(response)
        assert "Inqom" not in visible_text(response)
        assert "achat.acme" not in visible_text(response)
    assert saved(world.a.company, ACHATS) == (True, "achat.acme@inqombox.com")


# --- Addresses proposed from the company's other Inqom addresses -------------------------------


@pytest.mark.parametrize(
    ("slug", "prefix"),
    [("inqom-ventes", "vente"), ("inqom-ndf", "ndf"), ("inqom-administratif", "admin")],
)
def test_a_known_achats_address_proposes_the_others_without_saving_them(world, slug, prefix):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")
    stored = list(CompanyAuthorization.objects.values_list("pk", "app__slug", "collection_email"))
    entries = AuditEntry.objects.count()

    response = browser(world.a.admin).get(authorizations_url(slug))
    page = page_of(response)

    proposal = f"{prefix}.acme@inqombox.com"
    field = field_of(page, world.a.company)
    assert field.attrs["value"] == ""
    assert field.attrs["placeholder"] == proposal
    assert not switch_of(page, world.a.company).has("checked")
    [use] = [
        b
        for b in page.find("button", inside=page.row(world.a.company))
        if b.text.startswith("Utiliser")
    ]
    assert use.text == f"Utiliser {proposal}"
    assert use.attrs["data-use-suggestion"] == proposal
    assert use.attrs["data-target"] == f"email-{world.a.company.pk}"
    assert "Utiliser toutes les adresses proposées de la page" in page.buttons()
    # Viewing saves nothing.
    assert (
        list(CompanyAuthorization.objects.values_list("pk", "app__slug", "collection_email"))
        == stored
    )
    assert AuditEntry.objects.count() == entries


def test_a_company_without_a_known_address_gets_no_proposal(world):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")

    page = page_of(browser(world.a.admin).get(authorizations_url("inqom-ventes")))

    field = field_of(page, world.a.other_company)
    assert field.attrs["placeholder"] == "vente.<nom>@inqombox.com"
    assert "Utiliser" not in page.row(world.a.other_company).text


def test_a_company_with_its_own_address_keeps_it_rather_than_a_proposal(world):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")
    authorize(world.a, world.a.company, "inqom-ventes", "vente.acme-ventes@inqombox.com")

    page = page_of(browser(world.a.admin).get(authorizations_url("inqom-ventes")))

    assert field_of(page, world.a.company).attrs["value"] == "vente.acme-ventes@inqombox.com"
    assert "Utiliser" not in page.row(world.a.company).text


def test_a_revoked_address_still_proposes_the_others(world):
    authorize(world.a, world.a.company, "inqom-ndf", "ndf.acme@inqombox.com", enabled=False)

    page = page_of(browser(world.a.admin).get(PAGE))

    assert field_of(page, world.a.company).attrs["placeholder"] == "achat.acme@inqombox.com"


def test_the_other_cabinets_addresses_propose_nothing_here(world):
    authorize(world.b, world.b.company, ACHATS, "achat.acme@inqombox.com")

    response = browser(world.a.admin).get(authorizations_url("inqom-ventes"))

    assert "acme" not in visible_text(response)


def test_a_proposed_address_is_saved_only_once_the_admin_saves_it(world):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")
    admin = browser(world.a.admin)
    admin.get(authorizations_url("inqom-ventes"))
    assert saved(world.a.company, "inqom-ventes") is None

    admin.post(
        row_url("inqom-ventes", world.a.company),
        line(world.a.company, enabled=True, email="vente.acme@inqombox.com"),
        **HTMX,
    )

    assert saved(world.a.company, "inqom-ventes") == (True, "vente.acme@inqombox.com")


# --- The second half of the procedure: the sender address in Inqom -----------------------------


@pytest.mark.parametrize("who", ["admin", "collaborator"])
def test_the_page_tells_to_authorise_the_portal_sender_in_inqom(world, settings, who):
    settings.INQOM_SENDER_EMAIL = "envois@cabinet-alpha.fr"

    response = browser(getattr(world.a, who)).get(PAGE)
    page = page_of(response)

    [address] = page.find("code", id="sender-address")
    assert address.text == "envois@cabinet-alpha.fr"
    [copy] = page.find("button", data_copy="#sender-address")
    assert copy.text == "Copier"
    text = visible_text(response)
    assert "Paramètres › Emails d'envoi" in text
    assert "Dans Inqom › Paramètres › Emails d'envoi, autorisez l'adresse d'envoi" in text
    assert "no-reply@welyb.fr" not in text


def test_the_copy_button_is_wired_by_the_page_script(world):
    page = page_of(browser(world.a.admin).get(PAGE))

    assert [
        s.attrs["src"] for s in page.find("script") if "authorizations" in s.attrs.get("src", "")
    ] == ["/static/js/authorizations.js"]


# --- The audit trail ---------------------------------------------------------------------------


def test_each_change_is_in_the_audit_trail_with_the_old_and_the_new_address(world):
    admin = browser(world.a.admin)
    for enabled, email in [
        (True, "achat.acme@inqombox.com"),
        (True, "achat.acme-sarl@inqombox.com"),
        (False, "achat.acme-sarl@inqombox.com"),
    ]:
        admin.post(
            row_url(ACHATS, world.a.company),
            line(world.a.company, enabled=enabled, email=email),
            **HTMX,
        )

    entries = list(AuditEntry.objects.filter(action="authorization.changed").order_by("id"))
    assert [(e.data["old"], e.data["new"]) for e in entries] == [
        (
            {"enabled": False, "collection_email": ""},
            {"enabled": True, "collection_email": "achat.acme@inqombox.com"},
        ),
        (
            {"enabled": True, "collection_email": "achat.acme@inqombox.com"},
            {"enabled": True, "collection_email": "achat.acme-sarl@inqombox.com"},
        ),
        (
            {"enabled": True, "collection_email": "achat.acme-sarl@inqombox.com"},
            {"enabled": False, "collection_email": "achat.acme-sarl@inqombox.com"},
        ),
    ]
    for entry in entries:
        assert entry.cabinet == world.a.cabinet
        assert entry.actor == world.a.admin
        assert entry.data["app"] == ACHATS
        assert entry.data["company_id"] == world.a.company.pk
        assert entry.target_label == "Boulangerie Alpha"


def test_a_save_that_changes_nothing_or_is_refused_adds_nothing_to_the_audit_trail(world):
    authorize(world.a, world.a.company, ACHATS, "achat.acme@inqombox.com")
    admin = browser(world.a.admin)

    admin.post(
        row_url(ACHATS, world.a.company),
        line(world.a.company, enabled=True, email="ACHAT.ACME@inqombox.com"),
        **HTMX,
    )
    admin.post(
        row_url(ACHATS, world.a.company),
        line(world.a.company, enabled=True, email="vente.acme@inqombox.com"),
        **HTMX,
    )

    assert audit_actions(world.a.cabinet, "authorization.") == ["authorization.changed"]


def test_saving_the_whole_page_records_each_changed_line(world):
    browser(world.a.admin).post(
        PAGE,
        whole_page(
            (world.a.company, True, "achat.boulangerie@inqombox.com"),
            (world.a.other_company, True, "achat.garage@inqombox.com"),
        ),
    )

    entries = AuditEntry.objects.filter(action="authorization.changed")
    assert sorted((e.data["company_id"], e.data["new"]["collection_email"]) for e in entries) == (
        sorted(
            [
                (world.a.company.pk, "achat.boulangerie@inqombox.com"),
                (world.a.other_company.pk, "achat.garage@inqombox.com"),
            ]
        )
    )


def test_the_four_connectors_pages_each_save_their_own_address(world):
    admin = browser(world.a.admin)

    for slug, (_name, prefix) in CONNECTORS.items():
        response = admin.post(
            row_url(slug, world.a.company),
            line(world.a.company, enabled=True, email=f"{prefix}.acme@inqombox.com"),
            **HTMX,
        )
        assert "Enregistré" in page_of(response).row(world.a.company).text

    assert {slug: saved(world.a.company, slug) for slug in CONNECTORS} == {
        slug: (True, f"{prefix}.acme@inqombox.com") for slug, (_n, prefix) in CONNECTORS.items()
    }


def test_a_line_saved_with_htmx_carries_the_pages_csrf_token(world):
    """In a real browser CSRF is checked: htmx sends the token the page puts on its body."""
    admin = browser(world.a.admin, enforce_csrf_checks=True)
    page = page_of(admin.get(PAGE))
    [body] = page.find("body")
    token = json.loads(body.attrs["hx-headers"])["X-CSRFToken"]

    without = admin.post(
        row_url(ACHATS, world.a.company),
        line(world.a.company, enabled=True, email="achat.acme@inqombox.com"),
        **HTMX,
    )
    assert without.status_code == 403
    assert saved(world.a.company, ACHATS) is None

    response = admin.post(
        row_url(ACHATS, world.a.company),
        line(world.a.company, enabled=True, email="achat.acme@inqombox.com"),
        HTTP_X_CSRFTOKEN=token,
        **HTMX,
    )
    assert response.status_code == 200
    assert saved(world.a.company, ACHATS) == (True, "achat.acme@inqombox.com")
