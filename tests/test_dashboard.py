"""The cabinet's home is its dashboard: every company with its connections, its last deposit and
what needs action, searchable by name or SIREN, sortable, paginated, in a fixed number of
queries whatever the number of companies."""

import datetime as dt

import pytest
from django.utils import timezone

from ged.models import Document
from tests.conftest import browser
from tests.factories import CompanyFactory, valid_siren
from tests.helpers.attention import stopped_deliveries
from tests.helpers.documents import folder_at
from tests.helpers.forwarding import ACHATS, ANNUAL, VENTES, connect, switch_on
from tests.pages import page_of

pytestmark = pytest.mark.django_db

# The page's own queries whatever the number of companies: the session, the user and the
# cabinet; the top bar's bell and its two badges (sends to settle, emails held), counted in
# one query; the home tiles; the count of companies, their page with every column's figures,
# and the names of the connectors of that page's companies.
DASHBOARD_QUERIES = 8


def rows(response) -> list[list[str]]:
    """The dashboard's lines as a reader sees them: the company, then each column's text."""
    page = page_of(response)
    tables = [t for t in page.find("table") if "dashboard-table" in t.attrs.get("class", "")]
    if not tables:  # no company to show: no table at all
        return []
    [table] = tables
    return [
        [cell.text for cell in page.find("th", inside=row) + page.find("td", inside=row)]
        for row in page.find("tr", inside=table)
        if page.find("td", inside=row)
    ]


def names(response) -> list[str]:
    return [row[0].split(" SIREN ")[0] for row in rows(response)]


def headers(response) -> dict[str, tuple[str, str]]:
    """Each sortable header: (where its link leads, its aria-sort)."""
    page = page_of(response)
    return {
        th.text.rstrip(" ↑↓"): (page.find("a", inside=th)[0].attrs["href"], th.attrs["aria-sort"])
        for th in page.find("th", scope="col")
        if th.has("aria-sort")
    }


def deposited_on(company, day: dt.date) -> None:
    """Every document of the company as if deposited that day at noon."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    Document.objects.filter(company=company).update(deposited_at=moment)


@pytest.fixture
def connected(world, django_capture_on_commit_callbacks):
    """Alpha's bakery: authorised for Achats and Ventes, both folders on, four sends stopped;
    Alpha's garage: nothing at all."""
    stopped_deliveries(world.a, django_capture_on_commit_callbacks)
    connect(world.a, world.a.company, VENTES, name="boulangerie-alpha")
    switch_on(folder_at(world.a.company, f"{ANNUAL}/Ventes"), VENTES, world.a.admin)
    deposited_on(world.a.company, dt.date(2026, 11, 3))
    return world


def test_each_company_shows_its_connections_its_last_deposit_and_what_waits(connected):
    world = connected

    home = browser(world.a.collaborator).get("/")

    assert rows(home) == [
        [
            "Boulangerie Alpha SIREN " + world.a.company.siren,
            "Inqom Achats, Inqom Ventes 2 dossiers automatisés",
            "3 novembre 2026",
            "4 envois à régler",
        ],
        [
            "Garage Alpha SIREN " + world.a.other_company.siren,
            "Aucune connexion",
            "Aucun dépôt",
            "Rien à régler",
        ],
    ]
    page = page_of(home)
    assert (
        page.links("Boulangerie Alpha")[0].attrs["href"]
        == f"/ged/entreprises/{world.a.company.pk}/"
    )
    assert page.links("4 envois à régler")[0].attrs["href"] == (
        f"/reglages/applications/a-regler/?entreprise={world.a.company.pk}"
    )
    assert "2 entreprises suivies par le cabinet." in page.text


def test_what_no_longer_counts_leaves_the_dashboard(connected):
    """A connector uninstalled is no connection, a trashed folder automates nothing, a trashed
    document is no deposit."""
    from ged.services.documents import document_trash
    from partner_apps.services.store import app_uninstall
    from tests.helpers.store import app

    world = connected
    app_uninstall(cabinet=world.a.cabinet, app=app(VENTES), by=world.a.admin)
    for document in Document.objects.filter(company=world.a.company):
        document_trash(document=document, by=world.a.admin)

    [bakery, _garage] = rows(browser(world.a.admin).get("/"))

    assert bakery[1:3] == ["Inqom Achats 1 dossier automatisé", "Aucun dépôt"]


def test_search_finds_a_company_by_name_or_by_siren_however_written(world):
    siren = valid_siren(55210055)
    CompanyFactory(cabinet=world.a.cabinet, name="Studio Lumière", siren=siren)
    client = browser(world.a.admin)

    assert names(client.get("/", {"q": "studio"})) == ["Studio Lumière"]
    # Without regard to case or accents, as the documents' search.
    assert names(client.get("/", {"q": "LUMIERE"})) == ["Studio Lumière"]
    assert names(client.get("/", {"q": "lumière"})) == ["Studio Lumière"]
    spaced = f"{siren[:3]} {siren[3:6]} {siren[6:]}"
    found = client.get("/", {"q": spaced})
    assert names(found) == ["Studio Lumière"]
    assert f"1 entreprise pour « {spaced} »." in page_of(found).text
    nothing = client.get("/", {"q": "introuvable"})
    assert "Aucune entreprise ne correspond à « introuvable »." in page_of(nothing).text
    # Another cabinet's company is found by no one else.
    assert names(browser(world.b.admin).get("/", {"q": "studio"})) == []


def test_sorting_puts_what_needs_looking_at_first_and_links_keep_the_search(connected):
    world = connected
    CompanyFactory(cabinet=world.a.cabinet, name="Atelier Alpha")
    client = browser(world.a.admin)

    assert names(client.get("/")) == ["Atelier Alpha", "Boulangerie Alpha", "Garage Alpha"]
    by_name = headers(client.get("/"))
    assert by_name == {
        "Entreprise": ("?tri=-nom", "ascending"),
        "Connexions": ("?tri=-connexions", "none"),
        "Dernier dépôt": ("?tri=-depot", "none"),
        "À régler": ("?tri=-a-regler", "none"),
    }
    for sort in ("-a-regler", "-depot", "-connexions"):
        assert names(client.get("/", {"tri": sort}))[0] == "Boulangerie Alpha", sort
    # Companies without a deposit come last both ways; a tie goes by name.
    assert names(client.get("/", {"tri": "depot"})) == [
        "Boulangerie Alpha",
        "Atelier Alpha",
        "Garage Alpha",
    ]
    assert names(client.get("/", {"tri": "-nom"})) == [
        "Garage Alpha",
        "Boulangerie Alpha",
        "Atelier Alpha",
    ]
    sorted_search = client.get("/", {"q": "alpha", "tri": "-depot"})
    assert headers(sorted_search)["Dernier dépôt"] == ("?q=alpha&tri=depot", "descending")
    # A sort the page does not know is the order by name, not an error.
    assert names(client.get("/", {"tri": "sha256"})) == names(client.get("/"))


def test_pages_of_25_keep_the_search_and_the_sort(world):
    for number in range(30):
        CompanyFactory(cabinet=world.a.cabinet, name=f"Société {number:02d}")
    client = browser(world.a.admin)

    first = client.get("/", {"q": "société", "tri": "-nom"})
    second = client.get("/", {"q": "société", "tri": "-nom", "page": "2"})

    assert names(first) == [f"Société {n:02d}" for n in range(29, 4, -1)]
    assert names(second) == [f"Société {n:02d}" for n in range(4, -1, -1)]
    [next_link] = page_of(first).links("Suivante ›")
    assert next_link.attrs["href"] == "?q=soci%C3%A9t%C3%A9&tri=-nom&page=2"
    assert "30 entreprises pour « société »." in page_of(first).text
    # A page past the end, or no number at all, shows a page that exists.
    assert names(client.get("/", {"q": "société", "tri": "-nom", "page": "99"})) == names(second)
    assert names(client.get("/", {"q": "société", "tri": "-nom", "page": "²"})) == names(first)


def test_the_queries_do_not_grow_with_the_companies(
    connected, django_capture_on_commit_callbacks, django_assert_num_queries
):
    world = connected
    client = browser(world.a.admin)
    client.get("/")  # the session's first use writes nothing afterwards
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get("/").status_code == 200
    for number in range(40):
        company = CompanyFactory(cabinet=world.a.cabinet, name=f"Société {number:02d}")
        connect(world.a, company, ACHATS, name=f"societe-{number}")
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert len(rows(client.get("/"))) == 25


def test_beta_sees_none_of_alpha_and_clients_see_no_dashboard(connected):
    world = connected

    beta = browser(world.b.admin).get("/")
    client = browser(world.a.client).get("/")

    assert names(beta) == ["Boulangerie Beta", "Garage Beta"]
    assert all(
        row[1:] == ["Aucune connexion", "Aucun dépôt", "Rien à régler"] for row in rows(beta)
    )
    assert "dashboard-table" not in client.content.decode()
    client_text = page_of(client).text
    assert "Boulangerie Alpha" in client_text
    assert "Garage Alpha" not in client_text
    assert not any(word in client_text for word in ("Connexions", "régler", "Inqom"))
