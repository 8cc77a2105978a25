"""An API user exchanges an email and a password for a token that opens the API on their own
cabinet's host only; a logged-in browser uses the API with its session and its CSRF token."""

import json

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import api, browser, host_of
from tests.factories import PASSWORD, SuperuserFactory
from welyb_portal.tenancy.models import Company
from welyb_portal.tenancy.services.users import user_active_set

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
COMPANIES_URL = "/api/v1/companies/"
INVALID_CREDENTIALS = {"detail": "Identifiants invalides."}


def anonymous(cabinet) -> APIClient:
    return APIClient(HTTP_HOST=host_of(cabinet))


def token_request(cabinet, email, password):
    return anonymous(cabinet).post(TOKEN_URL, {"email": email, "password": password}, format="json")


def with_token(cabinet, key: str) -> APIClient:
    client = anonymous(cabinet)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def company_names(response) -> set[str]:
    return {company["name"] for company in response.json()["results"]}


def test_token_obtained_with_email_and_password_opens_the_api(world):
    response = token_request(world.a.cabinet, "admin@alpha.fr", PASSWORD)

    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    listing = with_token(world.a.cabinet, response.json()["token"]).get(COMPANIES_URL)
    assert listing.status_code == 200
    assert company_names(listing) == {"Boulangerie Alpha", "Garage Alpha"}


def test_token_request_matches_the_email_without_case(world):
    response = token_request(world.a.cabinet, "  Client@Alpha.FR ", PASSWORD)

    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=world.a.client).key


def test_refused_logins_all_get_the_same_answer(world):
    user_active_set(user=world.a.other_client, active=False, by=world.a.admin)
    SuperuserFactory(email="support@plateforme.fr")
    answers = {
        "platform support": token_request(world.a.cabinet, "support@plateforme.fr", PASSWORD),
        "wrong password": token_request(world.a.cabinet, "admin@alpha.fr", "mauvais mot de passe"),
        "unknown email": token_request(world.a.cabinet, "personne@alpha.fr", PASSWORD),
        "user of the other cabinet": token_request(world.a.cabinet, "admin@beta.fr", PASSWORD),
        "deactivated account": token_request(world.a.cabinet, "autre-client@alpha.fr", PASSWORD),
    }

    for reason, response in answers.items():
        assert response.status_code == 400, reason
        assert response.json() == INVALID_CREDENTIALS, reason
    assert len({response.content for response in answers.values()}) == 1
    assert not Token.objects.exists()


def test_user_of_the_other_cabinet_gets_a_token_on_their_own_host_only(world):
    assert token_request(world.a.cabinet, "admin@beta.fr", PASSWORD).status_code == 400
    assert token_request(world.b.cabinet, "admin@beta.fr", PASSWORD).status_code == 200


@pytest.mark.parametrize(
    ("body", "missing"),
    [
        ({}, {"email", "password"}),
        ({"email": "admin@alpha.fr"}, {"password"}),
        ({"password": PASSWORD}, {"email"}),
    ],
)
def test_token_request_without_its_fields_gets_field_errors(world, body, missing):
    response = anonymous(world.a.cabinet).post(TOKEN_URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == {field: ["Ce champ est obligatoire."] for field in missing}


def test_token_request_with_a_malformed_email_gets_a_field_error(world):
    response = token_request(world.a.cabinet, "pas-une-adresse", PASSWORD)

    assert response.status_code == 400
    assert response.json() == {"email": ["Saisissez une adresse e-mail valide."]}


def test_token_request_with_broken_json_is_a_400_not_a_500(world):
    response = anonymous(world.a.cabinet).post(
        TOKEN_URL, data='{"email": ', content_type="application/json"
    )

    assert response.status_code == 400
    assert "detail" in response.json()


def test_token_of_one_cabinet_is_refused_on_another_cabinets_host(world):
    assert api(world.a.admin).get(COMPANIES_URL).status_code == 200

    response = api(world.a.admin, cabinet=world.b.cabinet).get(COMPANIES_URL)

    assert response.status_code == 401
    assert "Alpha" not in response.text
    assert "Beta" not in response.text


def test_platform_supports_token_is_refused_on_a_cabinets_host(world):
    response = api(SuperuserFactory(), cabinet=world.a.cabinet).get(COMPANIES_URL)

    assert response.status_code == 401
    assert "Boulangerie" not in response.text


def test_call_without_credentials_is_refused_with_401(world):
    response = anonymous(world.a.cabinet).get(COMPANIES_URL)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")
    assert "Boulangerie" not in response.text


def test_call_with_an_unknown_token_is_refused_with_401(world):
    response = with_token(world.a.cabinet, "0" * 40).get(COMPANIES_URL)

    assert response.status_code == 401
    assert "Boulangerie" not in response.text


@pytest.mark.parametrize("header", ["Token", "Token a b", "Bearer abc", "Token \u00e9\u00e9"])
def test_call_with_a_malformed_authorization_header_is_refused_with_401(world, header):
    client = anonymous(world.a.cabinet)
    client.credentials(HTTP_AUTHORIZATION=header)

    response = client.get(COMPANIES_URL)

    assert response.status_code == 401


def test_deactivated_users_token_stops_working_at_once(world):
    client = api(world.a.client)
    assert client.get(COMPANIES_URL).status_code == 200

    user_active_set(user=world.a.client, active=False, by=world.a.admin)

    response = client.get(COMPANIES_URL)
    assert response.status_code == 401
    assert "Boulangerie" not in response.text


def test_browser_session_reads_the_api(world):
    response = browser(world.a.collaborator).get(COMPANIES_URL)

    assert response.status_code == 200
    assert company_names(response) == {"Boulangerie Alpha", "Garage Alpha"}


def test_browser_session_write_without_csrf_token_is_refused_with_403(world):
    client = APIClient(enforce_csrf_checks=True, HTTP_HOST=host_of(world.a.cabinet))
    client.force_login(world.a.admin)

    response = client.post(COMPANIES_URL, {"name": "Sans jeton"}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert not Company.objects.filter(name="Sans jeton").exists()


def test_browser_session_write_with_csrf_token_is_accepted(world):
    client = Client(enforce_csrf_checks=True, HTTP_HOST=host_of(world.a.cabinet))
    client.force_login(world.a.admin)
    # Any page sets the CSRF cookie; htmx and scripts send it back in X-CSRFToken.
    assert client.get("/").status_code == 200
    csrf_token = client.cookies["csrftoken"].value

    response = client.post(
        COMPANIES_URL,
        data=json.dumps({"name": "Avec jeton"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf_token,
    )

    assert response.status_code == 201
    assert Company.objects.filter(cabinet=world.a.cabinet, name="Avec jeton").exists()


def test_session_of_one_cabinet_replayed_on_another_host_is_anonymous_for_the_api(world):
    beta = browser(world.b.admin)
    assert beta.get(COMPANIES_URL).status_code == 200
    replayed = APIClient(HTTP_HOST=host_of(world.a.cabinet))
    replayed.cookies = beta.cookies

    response = replayed.get(COMPANIES_URL)

    assert response.status_code == 401
    assert "Alpha" not in response.text


def test_a_session_cookie_that_django_could_not_have_set_is_no_session(world):
    # A quoted cookie may carry a NUL as \000, which PostgreSQL refuses in a query: a 500 there.
    cookie = 'sessionid="abcdefghij\\000klmnop"'
    client = APIClient(HTTP_HOST=host_of(world.a.cabinet), HTTP_COOKIE=cookie)

    response = client.get(COMPANIES_URL)

    assert response.status_code == 401
    page = Client(HTTP_HOST=host_of(world.a.cabinet), HTTP_COOKIE=cookie).get("/")
    assert page.status_code == 302
    assert page["Location"].startswith("/connexion/")
