"""Documents are found by name in every folder, without regard to case or accents: in one
company's GED, and across every company the user sees (the whole cabinet for staff), on the
page and in the API. The same results on PostgreSQL and SQLite (CI runs this file on both)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from ged.models import Channel, Document
from ged.services.documents import document_rename, document_trash
from tests.conftest import api, browser
from tests.helpers.documents import deposit, folder_at
from tests.helpers.forwarding import ANNUAL
from tests.pages import page_of
from welyb_portal.tenancy.pagination import SEARCH_MAX_RESULTS, CappedPaginator
from welyb_portal.tenancy.search import search_key

pytestmark = pytest.mark.django_db

SEARCH = "/ged/recherche/"


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Studio Lumière", "studio lumiere"),
        ("FACTURE ÉLECTRICITÉ", "facture electricite"),
        ("Œuvre  d'art  æ", "oeuvre d'art ae"),
        ("Ｆａｃｔｕｒｅ", "facture"),
        ("Straße", "strasse"),
        ("  ", ""),
    ],
)
def test_a_name_search_key_ignores_case_accents_and_ligatures(name, key):
    assert search_key(name) == key


@pytest.fixture
def documents(world):
    """Alpha's bakery: an Orange bill in Achats, an Orange note in Ventes, a Lumière quote at the
    top of the annual folder; Alpha's garage: an Orange bill of its own."""
    achats = folder_at(world.a.company, f"{ANNUAL}/Achats")
    ventes = folder_at(world.a.company, f"{ANNUAL}/Ventes")
    annual = folder_at(world.a.company, ANNUAL)
    return {
        "achats": deposit(achats, "Facture-ORANGE-novembre.pdf", by=world.a.client),
        "ventes": deposit(ventes, "avoir orange.pdf", by=world.a.admin),
        "devis": deposit(annual, "Devis Studio Lumière.pdf", by=world.a.client),
        "garage": deposit(
            folder_at(world.a.other_company, f"{ANNUAL}/Achats"), "orange-garage.pdf"
        ),
    }


def found(response) -> list[tuple[str, ...]]:
    """The results' lines: (name, [company,] folder)."""
    page = page_of(response)
    tables = [t for t in page.find("table") if "search-results" in t.attrs.get("class", "")]
    if not tables:
        return []
    return [
        tuple(td.text for td in page.find("td", inside=row)[:-2])
        for row in page.find("tr", inside=tables[0])
        if page.find("td", inside=row)
    ]


def test_a_company_search_looks_in_every_folder(world, documents):
    client = browser(world.a.client)

    response = client.get(SEARCH, {"q": "orange", "entreprise": world.a.company.pk})

    assert found(response) == [
        ("avoir orange.pdf", f"{ANNUAL}/Ventes"),
        ("Facture-ORANGE-novembre.pdf", f"{ANNUAL}/Achats"),
    ]
    assert "2 documents pour « orange » dans Boulangerie Alpha." in page_of(response).text
    for query in ("lumiere", "LUMIÈRE", "studio lum"):
        response = client.get(SEARCH, {"q": query, "entreprise": world.a.company.pk})
        assert found(response) == [("Devis Studio Lumière.pdf", ANNUAL)], query


def test_every_ged_page_offers_the_search_of_the_whole_company(world, documents):
    page = page_of(browser(world.a.client).get(f"/ged/dossiers/{documents['achats'].folder_id}/"))

    [form] = [f for f in page.find("form") if f.attrs.get("action") == SEARCH]
    [company] = page.find("input", inside=form, name="entreprise")
    assert company.attrs["value"] == str(world.a.company.pk)
    assert page.find("label", inside=form)[0].text == "Rechercher dans tous les dossiers"


def test_staff_search_every_company_of_the_cabinet_and_clients_their_own(world, documents):
    staff = browser(world.a.collaborator).get(SEARCH, {"q": "orange"})
    client = browser(world.a.client).get(SEARCH, {"q": "orange"})
    beta = browser(world.b.admin).get(SEARCH, {"q": "orange"})

    assert found(staff) == [
        ("orange-garage.pdf", "Garage Alpha", f"{ANNUAL}/Achats"),
        ("avoir orange.pdf", "Boulangerie Alpha", f"{ANNUAL}/Ventes"),
        ("Facture-ORANGE-novembre.pdf", "Boulangerie Alpha", f"{ANNUAL}/Achats"),
    ]
    assert [row[0] for row in found(client)] == ["avoir orange.pdf", "Facture-ORANGE-novembre.pdf"]
    assert found(beta) == []
    assert "0 document pour « orange »." in page_of(beta).text


def test_another_company_cannot_be_searched(world, documents):
    beta = browser(world.b.admin).get(SEARCH, {"q": "orange", "entreprise": world.a.company.pk})
    other = browser(world.a.client).get(
        SEARCH, {"q": "orange", "entreprise": world.a.other_company.pk}
    )
    nonsense = browser(world.a.client).get(SEARCH, {"q": "orange", "entreprise": "²"})

    assert (beta.status_code, other.status_code, nonsense.status_code) == (404, 404, 404)


def test_a_trashed_document_is_not_found_and_a_renamed_one_by_its_new_name(world, documents):
    document_trash(document=documents["ventes"], by=world.a.admin)
    document_rename(document=documents["devis"], name="Électricité décembre.pdf", by=world.a.admin)
    client = browser(world.a.admin)

    assert [r[0] for r in found(client.get(SEARCH, {"q": "orange"}))] == [
        "orange-garage.pdf",
        "Facture-ORANGE-novembre.pdf",
    ]
    assert found(client.get(SEARCH, {"q": "lumiere"})) == []
    assert [r[0] for r in found(client.get(SEARCH, {"q": "electricite dec"}))] == [
        "Électricité décembre.pdf"
    ]


def test_an_empty_search_searches_nothing_on_the_page(world, documents):
    response = browser(world.a.admin).get(SEARCH, {"q": "  "})

    assert found(response) == []
    assert "les majuscules et les accents ne comptent pas" in page_of(response).text


def test_the_folder_filter_ignores_accents_too(world, documents):
    folder = documents["devis"].folder_id

    response = browser(world.a.client).get(f"/ged/dossiers/{folder}/", {"q": "lumiere"})

    assert "Devis Studio Lumière.pdf" in page_of(response).text


def test_the_api_searches_what_the_user_may_see(world, documents):
    staff = api(world.a.admin)
    client = api(world.a.client)

    everything = staff.get("/api/v1/documents/", {"search": "ORANGE"}).json()
    assert everything["count"] == 3
    assert [d["name"] for d in everything["results"]] == [
        "orange-garage.pdf",
        "avoir orange.pdf",
        "Facture-ORANGE-novembre.pdf",
    ]
    narrowed = staff.get("/api/v1/documents/", {"search": "orange", "company": world.a.company.pk})
    assert [d["name"] for d in narrowed.json()["results"]] == [
        "avoir orange.pdf",
        "Facture-ORANGE-novembre.pdf",
    ]
    mine = client.get("/api/v1/documents/", {"search": "lumiere"}).json()
    assert [d["id"] for d in mine["results"]] == [documents["devis"].pk]
    # No search: every document the user may see, newest first.
    assert client.get("/api/v1/documents/").json()["count"] == 3


def test_the_api_refuses_another_company_and_a_company_that_is_no_id(world, documents):
    foreign = api(world.b.admin).get("/api/v1/documents/", {"company": world.a.company.pk})
    other = api(world.a.client).get("/api/v1/documents/", {"company": world.a.other_company.pk})
    wrong = api(world.a.admin).get("/api/v1/documents/", {"company": "abc"})

    assert (foreign.status_code, other.status_code) == (404, 404)
    assert wrong.status_code == 400
    assert list(wrong.json()) == ["company"]
    assert api(world.b.admin).get("/api/v1/documents/", {"search": "orange"}).json()["count"] == 0


def many_statements(folder, count: int, *, by) -> list:
    """`count` statements « releve-0001.pdf »… in `folder`, a second apart, newest last."""
    start = timezone.now() - timedelta(days=1)
    return Document.objects.bulk_create(
        Document(
            company=folder.company,
            cabinet_id=folder.company.cabinet_id,
            folder=folder,
            file=f"documents/bulk-{n}",
            name=f"releve-{n:04d}.pdf",
            extension="pdf",
            size=100,
            sha256=f"{n:064x}",
            content_type="application/pdf",
            channel=Channel.API,
            deposited_by=by,
            deposited_at=start + timedelta(seconds=n),
        )
        for n in range(1, count + 1)
    )


def test_a_search_lists_its_thousand_newest_matches_and_says_there_are_more(world, documents):
    achats = folder_at(world.a.company, f"{ANNUAL}/Achats")
    many_statements(achats, SEARCH_MAX_RESULTS + 1, by=world.a.client)
    staff = api(world.a.admin)

    first = staff.get("/api/v1/documents/", {"search": "RELEVE"}).json()
    last = staff.get("/api/v1/documents/", {"search": "relevé", "page": 20}).json()
    beyond = staff.get("/api/v1/documents/", {"search": "relevé", "page": 21})
    orange = staff.get("/api/v1/documents/", {"search": "orange"}).json()

    assert (first["count"], first["truncated"]) == (1000, True)
    # The newest first, down to the 1,000th newest: the oldest statement is left out.
    assert first["results"][0]["name"] == "releve-1001.pdf"
    assert [d["name"] for d in last["results"]][-1] == "releve-0002.pdf"
    assert last["next"] is None
    assert beyond.status_code == 404
    assert (orange["count"], orange["truncated"]) == (3, False)


def test_the_search_page_says_when_it_lists_only_the_newest(world, documents):
    achats = folder_at(world.a.company, f"{ANNUAL}/Achats")
    many_statements(achats, SEARCH_MAX_RESULTS + 1, by=world.a.client)

    response = browser(world.a.client).get(SEARCH, {"q": "relevé"})

    assert found(response)[0][0] == "releve-1001.pdf"
    assert (
        "Plus de 1000 documents pour « relevé » : voici les 1000 plus récents. "
        "Précisez votre recherche pour trouver les autres."
    ) in page_of(response).text


def test_the_capped_paginator_pages_through_the_first_matches_in_order(world):
    achats = folder_at(world.a.company, f"{ANNUAL}/Achats")
    bills = many_statements(achats, 7, by=world.a.client)
    newest_first = Document.objects.filter(folder=achats).order_by("-deposited_at", "-id")

    capped = CappedPaginator(newest_first, 2, cap=5)
    whole = CappedPaginator(newest_first, 4, cap=7, orphans=3)

    assert (capped.count, capped.num_pages, capped.truncated) == (5, 3, True)
    assert [d.pk for d in capped.page(1)] == [bills[6].pk, bills[5].pk]
    assert [d.pk for d in capped.page(3)] == [bills[2].pk]
    assert (whole.count, whole.num_pages, whole.truncated) == (7, 1, False)
    assert [d.pk for d in whole.page(1)] == [b.pk for b in reversed(bills)]


def test_the_schema_describes_the_search_page_with_truncated_and_other_lists_without():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    def page_fields(path: str) -> set[str]:
        reference = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]["$ref"]
        return set(components[reference.rsplit("/", 1)[-1]]["properties"])

    assert page_fields("/api/v1/documents/") == {
        "count",
        "next",
        "previous",
        "results",
        "truncated",
    }
    assert page_fields("/api/v1/folders/{folder_id}/documents/") == {
        "count",
        "next",
        "previous",
        "results",
    }


def test_a_search_of_several_words_finds_them_together_and_in_their_order(world):
    """On PostgreSQL the index is asked for the rarest word only: the whole key still decides."""
    achats = folder_at(world.a.company, f"{ANNUAL}/Achats")
    together = deposit(achats, "Facture Fournisseur-0042 mars.pdf", by=world.a.client)
    deposit(achats, "0042 facture fournisseur.pdf", by=world.a.client)
    deposit(achats, "fournisseur-0043.pdf", by=world.a.client)
    many_statements(achats, 5, by=world.a.client)
    staff = api(world.a.admin)

    found_ids = [
        d["id"]
        for d in staff.get("/api/v1/documents/", {"search": "fournisseur-0042"}).json()["results"]
    ]

    assert found_ids == [together.pk]


# A company's search page for staff, pinned: the cabinet, the session, the user; the company;
# the matches' ids, the page's documents, what the apps note of them; the company's tree (which
# names their folders too) and the top bar's counts. The same for 2 matches in 2 folders as for
# 25 of 30 elsewhere.
COMPANY_SEARCH_QUERIES = 9


def test_a_company_search_costs_the_same_queries_for_many_matches_in_many_folders(
    world, documents, django_assert_num_queries
):
    client = browser(world.a.admin)
    query = {"q": "orange", "entreprise": world.a.company.pk}
    client.get(SEARCH, query)
    with django_assert_num_queries(COMPANY_SEARCH_QUERIES):
        assert len(found(client.get(SEARCH, query))) == 2
    many_statements(folder_at(world.a.company, f"{ANNUAL}/Banque"), 30, by=world.a.client)

    with django_assert_num_queries(COMPANY_SEARCH_QUERIES):
        response = client.get(SEARCH, {"q": "releve", "entreprise": world.a.company.pk})

    assert len(found(response)) == 25
    assert {row[1] for row in found(response)} == {f"{ANNUAL}/Banque"}


def test_a_search_of_several_words_costs_one_query_more_whatever_their_number(
    world, documents, django_assert_num_queries
):
    """On PostgreSQL the planner is asked once which word is the rarest (one plan of all of
    them), not once per word; SQLite has no plan to ask."""
    client = browser(world.a.admin)
    planned = 1 if connection.vendor == "postgresql" else 0
    client.get(SEARCH, {"q": "facture-orange", "entreprise": world.a.company.pk})
    for words in ("facture-orange", "facture-orange-novembre.pdf"):
        with django_assert_num_queries(COMPANY_SEARCH_QUERIES + planned):
            response = client.get(SEARCH, {"q": words, "entreprise": world.a.company.pk})
        assert [row[0] for row in found(response)] == ["Facture-ORANGE-novembre.pdf"]


# The cabinet-wide search page for staff, pinned: the cabinet, the session, the user; the
# matches' ids (from the cabinet's own documents: no query for its companies), the page's
# documents, what the apps note of them, their folders' paths; the top bar's counts (8, one
# fewer than when the search asked for the cabinet's companies). A client's asks for its own
# companies' ids, and has neither the apps' notes nor the top bar. The same for 3 matches in
# 2 companies as for 25 of 33 in another folder.
CABINET_SEARCH_QUERIES = {"admin": 8, "client": 7}


@pytest.mark.parametrize("role", ["admin", "client"])
def test_a_cabinet_wide_search_costs_the_same_queries_for_many_matches(
    world, documents, role, django_assert_num_queries
):
    client = browser(getattr(world.a, role))
    client.get(SEARCH, {"q": "orange"})
    with django_assert_num_queries(CABINET_SEARCH_QUERIES[role]):
        assert len(found(client.get(SEARCH, {"q": "orange"}))) == (3 if role == "admin" else 2)
    many_statements(folder_at(world.a.company, f"{ANNUAL}/Banque"), 30, by=world.a.client)

    with django_assert_num_queries(CABINET_SEARCH_QUERIES[role]):
        response = client.get(SEARCH, {"q": "releve"})

    assert len(found(response)) == 25
