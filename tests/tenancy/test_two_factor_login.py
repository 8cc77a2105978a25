"""A staff member with two-factor authentication logs in with their password, then with the
code of their authenticator app (or a recovery code) on a second page. Before the code, the
browser is nobody; a wrong code is refused and counts towards the lock of the address."""

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import browser, host_of
from tests.helpers.login import _reset_link, form_errors, open_link
from tests.helpers.two_factor import (
    CODE_URL,
    INVALID,
    LOGIN_URL,
    REQUIRED,
    anonymous,
    enrolled,
    is_logged_in,
    logged_in_with_code,
    next_code,
    password_step,
    seconds_later,
    wrong_code,
)
from tests.pages import text_of
from welyb_portal.tenancy.models import AuditEntry
from welyb_portal.tenancy.two_factor import PENDING_LOGIN_KEY

pytestmark = pytest.mark.django_db

LOCKED = "Compte temporairement bloqué"


@pytest.fixture
def admin(world):
    """Alpha's admin, with an authenticator app and recovery codes."""
    device, codes = enrolled(world.a.admin)
    world.a.admin.device, world.a.admin.codes = device, codes
    return world.a.admin


def test_the_password_leads_to_the_code_page_and_the_session_stays_anonymous(admin):
    client, response = password_step(admin)

    assert response.status_code == 302
    assert response.url == CODE_URL
    assert not is_logged_in(client)
    page = client.get(CODE_URL)
    assert page.status_code == 200
    assert "Saisissez le code affiché par votre application d'authentification." in text_of(page)
    # Nothing of the portal opens before the code.
    home = client.get("/reglages/entreprises/")
    assert home.status_code == 302
    assert home.url.startswith(LOGIN_URL)


def test_the_right_code_logs_in_and_verifies_the_session(admin):
    client, _response = password_step(admin)

    response = client.post(CODE_URL, {"code": next_code(admin.device)})

    assert response.status_code == 302
    assert response.url == "/"
    assert is_logged_in(client)
    assert client.session[DEVICE_ID_SESSION_KEY] == admin.device.persistent_id
    assert PENDING_LOGIN_KEY not in client.session
    assert "Se déconnecter" in text_of(client.get("/"))


def test_a_code_typed_with_spaces_is_read_as_its_digits(admin):
    client, _response = password_step(admin)
    code = next_code(admin.device)

    response = client.post(CODE_URL, {"code": f" {code[:3]} {code[3:]} "})

    assert response.status_code == 302
    assert is_logged_in(client)


def test_a_wrong_code_is_refused_and_counts_as_a_failed_login(admin):
    client, _response = password_step(admin)

    response = client.post(CODE_URL, {"code": wrong_code(admin.device)})

    assert response.status_code == 400
    assert form_errors(response) == [INVALID]
    assert not is_logged_in(client)
    assert AccessAttempt.objects.get().failures_since_start == 1


def test_no_code_is_asked_again(admin):
    client, _response = password_step(admin)

    response = client.post(CODE_URL, {"code": ""})

    assert response.status_code == 400
    assert form_errors(response) == [REQUIRED]
    assert not is_logged_in(client)


def test_right_after_a_wrong_code_the_app_waits_a_second_then_takes_the_right_one(admin):
    client, _response = password_step(admin)
    client.post(CODE_URL, {"code": wrong_code(admin.device)})

    too_soon = client.post(CODE_URL, {"code": next_code(admin.device)})

    assert too_soon.status_code == 400
    assert form_errors(too_soon) == ["Trop de codes erronés : réessayez dans 1 seconde."]
    with seconds_later(2):
        response = client.post(CODE_URL, {"code": next_code(admin.device)})
    assert response.status_code == 302
    assert is_logged_in(client)


def test_ten_wrong_codes_lock_the_address_even_for_the_right_code(admin, settings):
    # Without the app's own back-off, to reach the lock at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    client, _response = password_step(admin)
    for _ in range(9):
        assert client.post(CODE_URL, {"code": wrong_code(admin.device)}).status_code == 400

    tenth = client.post(CODE_URL, {"code": wrong_code(admin.device)})

    assert tenth.status_code == 429
    assert LOCKED in text_of(tenth)
    assert AuditEntry.objects.filter(action="login.locked").count() == 1
    right = client.post(CODE_URL, {"code": next_code(admin.device)})
    assert right.status_code == 429
    assert not is_logged_in(client)
    # The password too is refused while the lock lasts.
    _again, with_password = password_step(admin)
    assert with_password.status_code == 429


def test_a_recovery_code_opens_the_session_once(admin):
    code = admin.codes[0]
    client, _response = password_step(admin)

    response = client.post(CODE_URL, {"code": code.upper()}, follow=True)

    assert is_logged_in(client)
    assert (
        "Vous vous êtes connecté avec un code de secours : il vous en reste 9. "
        "Générez-en de nouveaux dans « Sécurité du compte »." in text_of(response)
    )
    entry = AuditEntry.objects.get(action="two_factor.recovery_code_used")
    assert (entry.actor, entry.data) == (admin, {"remaining": 9})

    other, _response = password_step(admin)
    again = other.post(CODE_URL, {"code": code})
    assert again.status_code == 400
    assert form_errors(again) == [INVALID]
    assert not is_logged_in(other)


def test_the_same_app_code_does_not_open_a_second_session(admin):
    code = next_code(admin.device)
    first, _response = password_step(admin)
    assert first.post(CODE_URL, {"code": code}).status_code == 302

    second, _response = password_step(admin)
    replayed = second.post(CODE_URL, {"code": code})

    assert replayed.status_code == 400
    assert not is_logged_in(second)


def test_the_page_asked_for_before_the_login_opens_after_the_code(admin):
    client, response = password_step(admin, next_url="/reglages/entreprises/")
    assert response.url == CODE_URL

    response = client.post(CODE_URL, {"code": next_code(admin.device)})

    assert response.url == "/reglages/entreprises/"


def test_an_outside_page_is_never_the_destination(admin):
    client, _response = password_step(admin, next_url="https://ailleurs.example/")

    response = client.post(CODE_URL, {"code": next_code(admin.device)})

    assert response.url == "/"


def test_the_code_page_without_a_password_leads_to_the_login(world):
    response = anonymous(world.a.cabinet).get(CODE_URL)

    assert response.status_code == 302
    assert response.url == LOGIN_URL


def test_the_code_page_waits_ten_minutes_for_the_code(admin):
    client, _response = password_step(admin)

    with seconds_later(10 * 60 + 1):
        response = client.post(CODE_URL, {"code": next_code(admin.device)}, follow=True)

    assert not is_logged_in(client)
    assert response.redirect_chain[-1][0] == LOGIN_URL
    assert "Votre connexion a expiré : saisissez à nouveau votre mot de passe." in text_of(response)


def test_a_login_begun_on_another_cabinets_host_is_nothing_here(world, admin):
    client, _response = password_step(admin)
    elsewhere = Client(HTTP_HOST=host_of(world.b.cabinet))
    elsewhere.cookies = client.cookies

    response = elsewhere.post(CODE_URL, {"code": next_code(admin.device)})

    assert response.status_code == 302
    assert response.url == LOGIN_URL
    assert not is_logged_in(elsewhere)


def test_staff_without_two_factor_and_clients_log_in_with_their_password(world):
    for user in (world.a.collaborator, world.a.client):
        client, response = password_step(user)

        assert response.status_code == 302
        assert response.url == "/"
        assert is_logged_in(client)


def test_a_session_opened_without_the_code_is_ended(admin):
    # As any login that would not go through the code page (here, the test client's).
    client = browser(admin)

    response = client.get("/reglages/entreprises/", follow=True)

    assert not is_logged_in(client)
    assert response.redirect_chain[-1][0].startswith(LOGIN_URL)
    assert (
        "Confirmez votre identité : reconnectez-vous avec le code de votre application "
        "d'authentification." in text_of(response)
    )


def test_a_new_password_from_a_reset_link_still_asks_for_the_code(
    world, admin, django_capture_on_commit_callbacks
):
    link = _reset_link(world, django_capture_on_commit_callbacks, admin)
    client, page = open_link(link)
    new_password = "Un nouveau mot de passe solide 2026"

    response = client.post(
        page.request["PATH_INFO"],
        {"new_password1": new_password, "new_password2": new_password},
        follow=True,
    )

    assert not is_logged_in(client)
    assert response.redirect_chain[-1][0] == CODE_URL
    assert "Votre mot de passe est enregistré. Saisissez le code" in text_of(response)
    client.post(CODE_URL, {"code": next_code(admin.device)})
    assert is_logged_in(client)
    admin.refresh_from_db()
    assert admin.check_password(new_password)


def test_a_new_password_lifts_the_lock_and_the_apps_back_off(
    world, admin, settings, django_capture_on_commit_callbacks
):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    locked, _response = password_step(admin)
    for _ in range(10):
        locked.post(CODE_URL, {"code": wrong_code(admin.device)})
    assert password_step(admin)[1].status_code == 429
    # Thirty wrong codes with the old password: the app would wait for years.
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    TOTPDevice.objects.filter(pk=admin.device.pk).update(
        throttling_failure_count=30, throttling_failure_timestamp=timezone.now()
    )
    link = _reset_link(world, django_capture_on_commit_callbacks, admin)
    client, page = open_link(link)
    new_password = "Un nouveau mot de passe solide 2026"

    client.post(
        page.request["PATH_INFO"], {"new_password1": new_password, "new_password2": new_password}
    )
    response = client.post(CODE_URL, {"code": next_code(admin.device)})

    assert response.status_code == 302
    assert is_logged_in(client)


def test_logging_out_after_a_code_login_ends_the_session(admin):
    client = logged_in_with_code(admin, admin.device)

    client.post("/deconnexion/")

    assert not is_logged_in(client)
    assert DEVICE_ID_SESSION_KEY not in client.session
