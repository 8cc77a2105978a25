"""The API's token endpoint under two-factor authentication: a staff member who turned it on,
or whose cabinet requires it, gives `otp` (the app's code, or a recovery code) with the email
and the password. A missing or wrong code is a 400 on `otp`; wrong codes count towards the lock
of the address as wrong passwords do."""

import pytest
from axes.models import AccessAttempt
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import host_of
from tests.factories import PASSWORD
from tests.helpers.two_factor import (
    INVALID,
    REQUIRED,
    TOKEN_URL,
    enrolled,
    next_code,
    recovery_codes_of,
    wrong_code,
)
from welyb_portal.tenancy.models import AuditEntry
from welyb_portal.tenancy.services.two_factor import two_factor_requirement_set

pytestmark = pytest.mark.django_db

NOT_ENROLLED = (
    "Votre cabinet exige la double authentification : activez-la sur le portail, dans "
    "« Sécurité du compte », avant de demander un jeton."
)


def token_request(user, password: str = PASSWORD, **extra):
    client = APIClient(HTTP_HOST=host_of(user.cabinet))
    return client.post(
        TOKEN_URL, {"email": user.email, "password": password, **extra}, format="json"
    )


@pytest.fixture
def admin(world):
    device, codes = enrolled(world.a.admin)
    world.a.admin.device, world.a.admin.codes = device, codes
    return world.a.admin


def failures_of(user) -> int:
    attempt = AccessAttempt.objects.filter(username=f"{user.cabinet.slug}:{user.email}").first()
    return attempt.failures_since_start if attempt else 0


def test_without_the_code_the_token_is_refused_on_otp(admin):
    response = token_request(admin)

    assert response.status_code == 400
    assert response.json() == {"otp": [REQUIRED]}
    assert not Token.objects.filter(user=admin).exists()
    assert failures_of(admin) == 0


def test_a_wrong_code_is_refused_and_counted(admin):
    response = token_request(admin, otp=wrong_code(admin.device))

    assert response.status_code == 400
    assert response.json() == {"otp": [INVALID]}
    assert not Token.objects.filter(user=admin).exists()
    assert failures_of(admin) == 1


def test_the_right_code_gives_the_token(admin):
    response = token_request(admin, otp=next_code(admin.device))

    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=admin).key}


def test_a_recovery_code_gives_the_token_once(admin):
    code = admin.codes[3]

    first = token_request(admin, otp=code)
    second = token_request(admin, otp=code)

    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json() == {"otp": [INVALID]}
    assert code not in recovery_codes_of(admin)
    assert AuditEntry.objects.filter(action="two_factor.recovery_code_used").count() == 1


def test_a_wrong_password_says_nothing_of_the_code(admin):
    response = token_request(admin, "pas le bon", otp=next_code(admin.device))

    assert response.status_code == 400
    assert response.json() == {"detail": "Identifiants invalides."}


def test_wrong_codes_lock_the_address_with_the_wrong_passwords(admin, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    for _ in range(5):
        token_request(admin, "pas le bon")
    for _ in range(4):
        assert token_request(admin, otp=wrong_code(admin.device)).status_code == 400

    tenth = token_request(admin, otp=wrong_code(admin.device))

    assert tenth.status_code == 429
    assert tenth["Retry-After"] == str(15 * 60)
    locked = token_request(admin, otp=next_code(admin.device))
    assert locked.status_code == 429
    assert not Token.objects.filter(user=admin).exists()


def test_the_cabinets_requirement_asks_the_staff_for_a_code(world):
    two_factor_requirement_set(cabinet=world.a.cabinet, required=True, by=world.a.admin)
    device, _codes = enrolled(world.a.collaborator)

    without = token_request(world.a.collaborator)
    right = token_request(world.a.collaborator, otp=next_code(device))

    assert without.json() == {"otp": [REQUIRED]}
    assert right.status_code == 200


def test_under_the_requirement_staff_without_an_app_are_told_to_enrol(world):
    two_factor_requirement_set(cabinet=world.a.cabinet, required=True, by=world.a.admin)

    response = token_request(world.a.admin, otp="123456")

    assert response.status_code == 400
    assert response.json() == {"otp": [NOT_ENROLLED]}
    assert failures_of(world.a.admin) == 0


def test_clients_get_their_token_without_a_code_even_under_the_requirement(world):
    two_factor_requirement_set(cabinet=world.a.cabinet, required=True, by=world.a.admin)

    response = token_request(world.a.client)

    assert response.status_code == 200


def test_staff_of_a_cabinet_without_requirement_and_without_app_need_no_code(world):
    two_factor_requirement_set(cabinet=world.b.cabinet, required=True, by=world.b.admin)

    response = token_request(world.a.collaborator)

    assert response.status_code == 200
