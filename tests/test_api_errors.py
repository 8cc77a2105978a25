"""How the API answers a refusal (API.md): a service's ValidationError reaches the caller as the
API's 400 field errors through one exception handler, and a staff-only action answers a client
the same 404 as a missing company for a company they may not see, and 403 only for their own."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.http import Http404

from ged.services.inbound_addresses import inbound_addresses_ensure
from tests.conftest import api
from welyb_portal.tenancy.api.exception_handlers import api_exception_handler
from welyb_portal.tenancy.models import Company

pytestmark = pytest.mark.django_db

MISSING_ID = 10**9
NOT_ALLOWED = {"detail": "Vous n'avez pas la permission d'effectuer cette action."}


def answer(error: Exception) -> tuple[int, object]:
    response = api_exception_handler(error, {})
    assert response is not None
    return response.status_code, response.data


# --- One handler: a service's refusal as the API's answer ---------------------------------------


def test_a_field_error_is_a_400_under_its_field():
    error = ValidationError(
        {"siren": ["SIREN invalide."], "name": ["Trop long.", "Caractère refusé."]}
    )

    assert answer(error) == (
        400,
        {"siren": ["SIREN invalide."], "name": ["Trop long.", "Caractère refusé."]},
    )


def test_a_non_field_error_is_a_400_under_detail():
    error = ValidationError({NON_FIELD_ERRORS: ["Déjà enregistré."], "name": ["Trop long."]})

    assert answer(error) == (400, {"detail": ["Déjà enregistré."], "name": ["Trop long."]})


def test_a_message_or_a_list_of_messages_is_a_400_under_detail():
    assert answer(ValidationError("Cet envoi n'attend rien du cabinet.")) == (
        400,
        {"detail": ["Cet envoi n'attend rien du cabinet."]},
    )
    assert answer(
        ValidationError(["Ligne 2 : SIREN invalide.", ValidationError("Ligne 5 : nom vide.")])
    ) == (400, {"detail": ["Ligne 2 : SIREN invalide.", "Ligne 5 : nom vide."]})
    assert answer(ValidationError("Ligne %(n)s refusée.", params={"n": 3})) == (
        400,
        {"detail": ["Ligne 3 refusée."]},
    )


def test_a_refusal_with_a_reason_is_a_403_with_that_reason():
    assert answer(PermissionDenied("Seul votre cabinet peut déplacer un document.")) == (
        403,
        {"detail": "Seul votre cabinet peut déplacer un document."},
    )
    assert answer(PermissionDenied()) == (403, NOT_ALLOWED)
    assert answer(Http404())[0] == 404


def test_any_other_exception_is_left_to_the_server_error_page():
    assert api_exception_handler(ValueError("bug"), {}) is None


def test_a_service_refusal_reaches_the_caller_as_a_field_error_and_saves_nothing(world):
    before = Company.objects.count()

    response = api(world.a.admin).post(
        "/api/v1/companies/",
        {"name": "Homonyme", "siren": world.a.company.siren},
        format="json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.content.decode() == (
        '{"siren":["Une entreprise du cabinet porte déjà ce SIREN."]}'
    )
    assert Company.objects.count() == before


# --- One staff check, after the company was looked up -------------------------------------------


def _root_folder(client, company_id):
    return client.post(
        f"/api/v1/companies/{company_id}/folders/", {"name": "Mes papiers"}, format="json"
    )


def _client_invite(client, company_id):
    return client.post(
        f"/api/v1/companies/{company_id}/clients/", {"email": "ami@client.fr"}, format="json"
    )


def _address_regenerate(client, company_id):
    return client.post(f"/api/v1/companies/{company_id}/inbound-addresses/achats/regenerate/")


STAFF_ONLY_ACTIONS = [_root_folder, _client_invite, _address_regenerate]


@pytest.fixture
def companies(world, settings):
    settings.INBOUND_EMAIL_DOMAIN = "depot.example.fr"
    for tenant in (world.a, world.b):
        for company in (tenant.company, tenant.other_company):
            inbound_addresses_ensure(company=company)
    return world


@pytest.mark.parametrize("action", STAFF_ONLY_ACTIONS, ids=lambda action: action.__name__)
def test_a_client_gets_404_for_a_company_they_may_not_see_and_403_for_their_own(companies, action):
    world = companies
    client = api(world.a.client)

    missing = action(client, MISSING_ID)
    of_the_cabinet = action(client, world.a.other_company.pk)
    of_another_cabinet = action(client, world.b.company.pk)
    own = action(client, world.a.company.pk)

    assert missing.status_code == 404
    assert of_the_cabinet.status_code == 404
    assert of_another_cabinet.status_code == 404
    assert of_the_cabinet.content == missing.content
    assert of_another_cabinet.content == missing.content
    assert own.status_code == 403
    assert own.json() == NOT_ALLOWED


@pytest.mark.parametrize("action", STAFF_ONLY_ACTIONS, ids=lambda action: action.__name__)
def test_staff_pass_the_staff_check(companies, action):
    response = action(api(companies.a.collaborator), companies.a.company.pk)

    assert response.status_code in (200, 201)
