"""Companies through the API: staff list and create the cabinet's companies, clients list
theirs, and staff give people access to a company as its clients."""

from urllib.parse import urlsplit

import pytest
from django.core import mail
from rest_framework.test import APIClient

from tests.conftest import api, host_of
from tests.factories import CompanyFactory, valid_siren
from welyb_portal.tenancy.models import AuditEntry, Company, Membership, Role, User

pytestmark = pytest.mark.django_db

COMPANIES_URL = "/api/v1/companies/"
STRONG_PASSWORD = "Tournesol-Pivoine-1987"


def clients_url(company_or_id) -> str:
    company_id = getattr(company_or_id, "pk", company_or_id)
    return f"/api/v1/companies/{company_id}/clients/"


def names(response) -> list[str]:
    return [company["name"] for company in response.json()["results"]]


def spaced(siren: str) -> str:
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}"


def wrong_key(siren: str) -> str:
    """The same first eight digits with another check digit: only one digit passes Luhn."""
    return siren[:8] + str((int(siren[8]) + 1) % 10)


def snapshot() -> tuple[int, int, int, int]:
    """What a refused request must leave untouched."""
    return (
        Company.objects.count(),
        User.objects.count(),
        Membership.objects.count(),
        AuditEntry.objects.count(),
    )


# --- Listing -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_list_every_company_of_their_cabinet_and_none_of_the_other(world, role):
    response = api(getattr(world.a, role)).get(COMPANIES_URL)

    assert response.status_code == 200
    assert response.json()["count"] == 2
    assert names(response) == ["Boulangerie Alpha", "Garage Alpha"]


def test_client_lists_only_their_own_companies(world):
    assert names(api(world.a.client).get(COMPANIES_URL)) == ["Boulangerie Alpha"]
    assert names(api(world.a.other_client).get(COMPANIES_URL)) == ["Garage Alpha"]
    assert names(api(world.b.client).get(COMPANIES_URL)) == ["Boulangerie Beta"]


def test_client_of_two_companies_lists_both(world):
    Membership.objects.create(user=world.a.client, company=world.a.other_company)

    assert names(api(world.a.client).get(COMPANIES_URL)) == ["Boulangerie Alpha", "Garage Alpha"]


def test_each_company_is_exactly_its_id_name_and_siren(world):
    response = api(world.a.admin).get(COMPANIES_URL)

    company = world.a.company
    assert response.json()["results"][0] == {
        "id": company.pk,
        "name": "Boulangerie Alpha",
        "siren": company.siren,
    }


def test_list_is_paginated_by_50_with_links_on_the_cabinets_host(world):
    CompanyFactory.create_batch(58, cabinet=world.a.cabinet)
    CompanyFactory.create_batch(3, cabinet=world.b.cabinet)
    client = api(world.a.collaborator)

    first = client.get(COMPANIES_URL)

    assert first.status_code == 200
    page = first.json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 60
    assert len(page["results"]) == 50
    assert page["previous"] is None
    next_link = urlsplit(page["next"])
    assert next_link.netloc == host_of(world.a.cabinet)
    assert next_link.path == COMPANIES_URL
    assert next_link.query == "page=2"

    second = client.get(f"{next_link.path}?{next_link.query}").json()
    assert len(second["results"]) == 10
    assert second["next"] is None
    assert urlsplit(second["previous"]).netloc == host_of(world.a.cabinet)
    seen = {c["id"] for c in page["results"]} | {c["id"] for c in second["results"]}
    assert seen == set(Company.objects.filter(cabinet=world.a.cabinet).values_list("pk", flat=True))


@pytest.mark.parametrize("page", ["abc", "0", "3", "99999999999999999999999"])
def test_a_page_that_does_not_exist_is_not_an_error_500(world, page):
    response = api(world.a.admin).get(COMPANIES_URL, {"page": page})

    assert response.status_code in (400, 404)
    assert "detail" in response.json()


def test_staff_search_companies_by_name_or_siren(world):
    client = api(world.a.collaborator)

    assert names(client.get(COMPANIES_URL, {"q": "boul"})) == ["Boulangerie Alpha"]
    assert names(client.get(COMPANIES_URL, {"q": spaced(world.a.other_company.siren)})) == [
        "Garage Alpha"
    ]


def test_search_stays_inside_what_the_user_may_see(world):
    assert names(api(world.a.client).get(COMPANIES_URL, {"q": "Garage"})) == []
    assert names(api(world.b.admin).get(COMPANIES_URL, {"q": "Alpha"})) == []
    assert names(api(world.b.admin).get(COMPANIES_URL, {"q": world.a.company.siren})) == []


@pytest.mark.parametrize("query", ["\x00", "Boul\x00angerie"])
def test_search_with_a_nul_character_is_not_an_error_500(world, query):
    # PostgreSQL refuses NUL in text parameters: an unfiltered one would be a 500 there.
    response = api(world.a.admin).get(COMPANIES_URL, {"q": query})

    assert response.status_code == 200
    assert set(names(response)) <= {"Boulangerie Alpha", "Garage Alpha"}


# --- Creation ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_create_a_company_with_a_spaced_siren(world, role):
    user = getattr(world.a, role)
    siren = valid_siren(73_282_932)

    response = api(user).post(
        COMPANIES_URL, {"name": "  Menuiserie Dupont ", "siren": spaced(siren)}, format="json"
    )

    assert response.status_code == 201
    company = Company.objects.get(pk=response.json()["id"])
    assert response.json() == {"id": company.pk, "name": "Menuiserie Dupont", "siren": siren}
    assert company.cabinet == world.a.cabinet
    assert company.siren == siren
    assert company.created_by == user


def test_company_created_without_siren(world):
    client = api(world.a.admin)

    first = client.post(COMPANIES_URL, {"name": "Sans SIREN"}, format="json")
    second = client.post(COMPANIES_URL, {"name": "Autre sans SIREN", "siren": ""}, format="json")

    assert first.status_code == 201
    assert first.json()["siren"] == ""
    assert second.status_code == 201


def test_company_creation_is_written_to_the_audit_trail(world):
    response = api(world.a.collaborator).post(COMPANIES_URL, {"name": "Fromagerie"}, format="json")

    entry = AuditEntry.objects.get(action="company.created", target_id=str(response.json()["id"]))
    assert entry.cabinet == world.a.cabinet
    assert entry.actor == world.a.collaborator
    assert entry.data["name"] == "Fromagerie"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {"name": "Clé fausse", "siren": wrong_key(valid_siren(73_282_932))},
            {"siren": ["Ce SIREN n'est pas valide (clé de contrôle incorrecte)."]},
        ),
        (
            {"name": "Huit chiffres", "siren": "12345678"},
            {"siren": ["Le SIREN compte 9 chiffres."]},
        ),
        ({"name": "Lettres", "siren": "73282932A"}, {"siren": ["Le SIREN compte 9 chiffres."]}),
        ({"name": "", "siren": ""}, {"name": ["Ce champ ne peut être vide."]}),
        ({"name": "   "}, {"name": ["Ce champ ne peut être vide."]}),
        ({"siren": "732829320"}, {"name": ["Ce champ est obligatoire."]}),
        ({"name": "Cloche\x07"}, {"name": ["Caractères de contrôle interdits."]}),
    ],
)
def test_invalid_company_gets_french_field_errors_and_nothing_is_written(world, body, errors):
    before = snapshot()

    response = api(world.a.admin).post(COMPANIES_URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == errors
    assert snapshot() == before


def test_too_long_name_gets_a_field_error(world):
    response = api(world.a.admin).post(COMPANIES_URL, {"name": "x" * 201}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["name"]


@pytest.mark.parametrize("typed", [str, spaced])
def test_siren_already_used_in_the_cabinet_is_a_field_error(world, typed):
    before = snapshot()

    response = api(world.a.admin).post(
        COMPANIES_URL, {"name": "Doublon", "siren": typed(world.a.company.siren)}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"siren": ["Une entreprise du cabinet porte déjà ce SIREN."]}
    assert snapshot() == before


def test_same_siren_is_accepted_in_the_other_cabinet(world):
    response = api(world.b.admin).post(
        COMPANIES_URL, {"name": "Homonyme", "siren": world.a.company.siren}, format="json"
    )

    assert response.status_code == 201
    assert Company.objects.get(pk=response.json()["id"]).cabinet == world.b.cabinet


def test_client_cannot_create_a_company(world):
    before = snapshot()

    response = api(world.a.client).post(COMPANIES_URL, {"name": "Intrus"}, format="json")

    assert response.status_code == 403
    assert snapshot() == before


# --- Giving a person access to a company -------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_invite_a_new_client_who_receives_an_invitation(
    world, role, django_capture_on_commit_callbacks
):
    user = getattr(world.a, role)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(user).post(
            clients_url(world.a.company), {"email": "Nouveau@Client.fr"}, format="json"
        )

    assert response.status_code == 201
    client = User.objects.get(pk=response.json()["id"])
    assert response.json() == {"id": client.pk, "email": "nouveau@client.fr"}
    assert client.cabinet == world.a.cabinet
    assert client.role == Role.CLIENT
    assert not client.has_usable_password()
    assert list(client.companies.all()) == [world.a.company]
    assert len(mail.outbox) == 1
    invitation = mail.outbox[0]
    assert invitation.to == ["nouveau@client.fr"]
    assert invitation.subject == "Cabinet Alpha vous invite sur votre espace documentaire"
    assert "http://alpha.localhost/mot-de-passe/" in invitation.body
    assert "Boulangerie Alpha" in invitation.body
    assert AuditEntry.objects.filter(
        action="client.invited", target_id=str(client.pk), cabinet=world.a.cabinet, actor=user
    ).exists()


def test_client_created_with_a_password_gets_no_email_and_can_get_a_token(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.a.admin).post(
            clients_url(world.a.company),
            {"email": "script@client.fr", "password": STRONG_PASSWORD},
            format="json",
        )

    assert response.status_code == 201
    assert set(response.json()) == {"id", "email"}
    assert mail.outbox == []
    token = APIClient(HTTP_HOST=host_of(world.a.cabinet)).post(
        "/api/v1/auth/token/",
        {"email": "script@client.fr", "password": STRONG_PASSWORD},
        format="json",
    )
    assert token.status_code == 200
    listing = APIClient(HTTP_HOST=host_of(world.a.cabinet))
    listing.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert names(listing.get(COMPANIES_URL)) == ["Boulangerie Alpha"]


@pytest.mark.parametrize("password", ["abc", "12345678901", "password123", "script@client"])
def test_weak_password_gets_french_field_errors_and_nothing_is_written(world, password):
    before = snapshot()

    response = api(world.a.admin).post(
        clients_url(world.a.company),
        {"email": "script@client.fr", "password": password},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert response.json()["password"]
    assert all("mot de passe" in message for message in response.json()["password"])
    assert snapshot() == before


@pytest.mark.parametrize("email", ["pas-une-adresse", "client@", "", "a b@exemple.fr"])
def test_malformed_email_gets_a_field_error(world, email):
    before = snapshot()

    response = api(world.a.admin).post(
        clients_url(world.a.company), {"email": email}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert snapshot() == before


def test_missing_email_gets_a_field_error(world):
    response = api(world.a.admin).post(clients_url(world.a.company), {}, format="json")

    assert response.status_code == 400
    assert response.json() == {"email": ["Ce champ est obligatoire."]}


@pytest.mark.parametrize("member", ["admin", "collaborator"])
def test_staff_members_address_cannot_become_a_client(
    world, member, django_capture_on_commit_callbacks
):
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.a.admin).post(
            clients_url(world.a.company), {"email": getattr(world.a, member).email}, format="json"
        )

    assert response.status_code == 400
    assert response.json() == {"email": ["Cette adresse appartient à un membre du cabinet."]}
    assert snapshot() == before
    assert mail.outbox == []


def test_client_of_another_company_gets_access_and_an_access_email(
    world, django_capture_on_commit_callbacks
):
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.a.collaborator).post(
            clients_url(world.a.company), {"email": "Autre-Client@alpha.fr"}, format="json"
        )

    assert response.status_code == 201
    assert response.json() == {"id": world.a.other_client.pk, "email": "autre-client@alpha.fr"}
    assert User.objects.count() == users_before
    assert set(world.a.other_client.companies.all()) == {world.a.company, world.a.other_company}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["autre-client@alpha.fr"]
    assert mail.outbox[0].subject == "Cabinet Alpha : accès à Boulangerie Alpha"
    assert "mot-de-passe" not in mail.outbox[0].body


def test_existing_client_given_a_password_is_refused(world):
    before = snapshot()

    response = api(world.a.admin).post(
        clients_url(world.a.company),
        {"email": "autre-client@alpha.fr", "password": STRONG_PASSWORD},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert snapshot() == before


def test_client_who_already_has_access_is_refused(world, django_capture_on_commit_callbacks):
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.a.admin).post(
            clients_url(world.a.company), {"email": "client@alpha.fr"}, format="json"
        )

    assert response.status_code == 400
    assert response.json() == {"email": ["Ce client a déjà accès à cette entreprise."]}
    assert snapshot() == before
    assert mail.outbox == []


def test_deactivated_client_cannot_be_given_access(world, django_capture_on_commit_callbacks):
    world.a.other_client.is_active = False
    world.a.other_client.save()
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.a.admin).post(
            clients_url(world.a.company), {"email": "autre-client@alpha.fr"}, format="json"
        )

    assert response.status_code == 400
    assert response.json() == {"email": ["Ce compte est désactivé."]}
    assert snapshot() == before
    assert mail.outbox == []


def test_address_known_to_the_other_cabinet_becomes_a_new_account_here(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(world.a.admin).post(
            clients_url(world.a.company), {"email": "client@beta.fr"}, format="json"
        )

    assert response.status_code == 201
    assert response.json()["id"] != world.b.client.pk
    assert list(world.b.client.companies.all()) == [world.b.company]
    assert User.objects.filter(email="client@beta.fr").count() == 2
    assert mail.outbox[0].subject == "Cabinet Alpha vous invite sur votre espace documentaire"


def test_company_of_the_other_cabinet_answers_exactly_like_a_missing_one(world):
    before = snapshot()
    client = api(world.a.admin)
    missing_id = Company.objects.order_by("-pk").first().pk + 1000

    foreign = client.post(clients_url(world.b.company), {"email": "x@exemple.fr"}, format="json")
    missing = client.post(clients_url(missing_id), {"email": "x@exemple.fr"}, format="json")

    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert "Beta" not in foreign.text
    assert snapshot() == before


def test_client_may_not_invite_to_their_own_company(world):
    before = snapshot()

    response = api(world.a.client).post(
        clients_url(world.a.company), {"email": "ami@client.fr"}, format="json"
    )

    assert response.status_code == 403
    assert snapshot() == before


def test_client_asking_for_another_company_of_the_cabinet_gets_404(world):
    before = snapshot()
    client = api(world.a.client)

    other = client.post(
        clients_url(world.a.other_company), {"email": "x@exemple.fr"}, format="json"
    )
    missing = client.post(clients_url(10**9), {"email": "x@exemple.fr"}, format="json")

    assert other.status_code == 404
    assert other.json() == missing.json()
    assert "Garage" not in other.text
    assert snapshot() == before
