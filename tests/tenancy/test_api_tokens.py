"""An API token lives while it is used: after API_TOKEN_DAYS days without a call it answers 401
and is gone, and the token endpoint hands out a new key. A new password, by any path, and a
logout revoke it at once; another cabinet's host can neither use nor revoke it."""

import re
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.conftest import host_of
from tests.factories import PASSWORD, SuperuserFactory
from welyb_portal.tenancy.models import TokenActivity
from welyb_portal.tenancy.services.tokens import api_token_touch
from welyb_portal.tenancy.tasks import purge_expired_api_tokens

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
LOGOUT_URL = "/api/v1/auth/logout/"
COMPANIES_URL = "/api/v1/companies/"
DAYS = 30  # API_TOKEN_DAYS's default
NEW_PASSWORD = "Un nouveau mot de passe solide 2026"
EXPIRED = "Jeton expiré : demandez-en un nouveau avec votre email et votre mot de passe."


@contextmanager
def days_later(days: float):
    """The clock moved forward by `days`."""
    later = timezone.now() + timedelta(days=days)
    with mock.patch("django.utils.timezone.now", return_value=later):
        yield


def token_for(cabinet, email: str, password: str = PASSWORD) -> str:
    response = APIClient(HTTP_HOST=host_of(cabinet)).post(
        TOKEN_URL, {"email": email, "password": password}, format="json"
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(cabinet, key: str) -> APIClient:
    client = APIClient(HTTP_HOST=host_of(cabinet))
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def companies_with(cabinet, key: str):
    return with_token(cabinet, key).get(COMPANIES_URL)


def choose_password_through_the_reset_link(cabinet, email: str, django_capture_on_commit_callbacks):
    browser = Client(HTTP_HOST=host_of(cabinet))
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/mot-de-passe/oublie/", {"email": email})
    [message] = mail.outbox
    link = urlsplit(re.search(r"https?://\S+", message.body).group(0))
    page = browser.get(link.path, follow=True)
    chosen = browser.post(
        page.request["PATH_INFO"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert chosen.status_code == 302, chosen.content
    assert chosen.url == "/"


def admin_password_form(user, data: dict) -> None:
    """Platform support sends the Django admin's password form of `user`, successfully."""
    support = Client(HTTP_HOST="localhost")
    support.force_login(SuperuserFactory())
    response = support.post(reverse("admin:auth_user_password_change", args=[user.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert response.url == reverse("admin:tenancy_user_change", args=[user.pk])


# --- A new password revokes the token --------------------------------------------------------


def test_token_stops_working_once_a_new_password_is_chosen_through_the_reset_link(
    world, django_capture_on_commit_callbacks
):
    old = token_for(world.a.cabinet, world.a.client.email)
    assert companies_with(world.a.cabinet, old).status_code == 200

    choose_password_through_the_reset_link(
        world.a.cabinet, world.a.client.email, django_capture_on_commit_callbacks
    )

    refused = companies_with(world.a.cabinet, old)
    assert refused.status_code == 401
    assert "Boulangerie" not in refused.text
    new = token_for(world.a.cabinet, world.a.client.email, NEW_PASSWORD)
    assert new != old
    assert companies_with(world.a.cabinet, new).status_code == 200


def test_token_stops_working_once_support_sets_a_new_password_in_the_admin(world):
    old = token_for(world.a.cabinet, world.a.admin.email)

    admin_password_form(
        world.a.admin,
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert companies_with(world.a.cabinet, old).status_code == 401
    assert token_for(world.a.cabinet, world.a.admin.email, NEW_PASSWORD) != old


def test_token_stops_working_once_support_disables_password_login_in_the_admin(world):
    old = token_for(world.a.cabinet, world.a.collaborator.email)

    # « Désactiver l'authentification par mot de passe », and the button that goes with it.
    admin_password_form(world.a.collaborator, {"usable_password": "false", "unset-password": "1"})

    assert companies_with(world.a.cabinet, old).status_code == 401
    assert not Token.objects.filter(user=world.a.collaborator).exists()


def test_token_stops_working_when_any_code_saves_a_new_password(world):
    old = token_for(world.a.cabinet, world.a.client.email)
    colleague = token_for(world.a.cabinet, world.a.admin.email)

    world.a.client.set_password(NEW_PASSWORD)
    world.a.client.save()

    assert companies_with(world.a.cabinet, old).status_code == 401
    # Only that account's token goes.
    assert companies_with(world.a.cabinet, colleague).status_code == 200


def test_a_login_that_rehashes_the_same_password_keeps_the_token(world, settings):
    key = token_for(world.a.cabinet, world.a.admin.email)
    # A stronger hasher comes first: the next login stores the password again, unchanged.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]

    assert token_for(world.a.cabinet, world.a.admin.email) == key

    world.a.admin.refresh_from_db()
    assert world.a.admin.password.startswith("pbkdf2_sha256$")
    assert companies_with(world.a.cabinet, key).status_code == 200


# --- Disuse expires the token ----------------------------------------------------------------


def test_token_unused_for_thirty_days_is_refused_and_a_new_key_is_handed_out(world):
    old = token_for(world.a.cabinet, world.a.admin.email)

    with days_later(DAYS + 0.1):
        refused = companies_with(world.a.cabinet, old)
        new = token_for(world.a.cabinet, world.a.admin.email)
        accepted = companies_with(world.a.cabinet, new)

    assert refused.status_code == 401
    assert refused.json() == {"detail": EXPIRED}
    assert refused["WWW-Authenticate"].startswith("Token")
    assert "Boulangerie" not in refused.text
    assert new != old
    assert accepted.status_code == 200
    assert list(Token.objects.filter(user=world.a.admin).values_list("key", flat=True)) == [new]


def test_an_expired_token_asked_for_again_is_not_handed_back(world):
    old = token_for(world.a.cabinet, world.a.admin.email)

    with days_later(DAYS + 1):
        new = token_for(world.a.cabinet, world.a.admin.email)
        assert companies_with(world.a.cabinet, old).status_code == 401
        assert companies_with(world.a.cabinet, new).status_code == 200

    assert new != old


def test_a_token_in_use_stays_alive_past_thirty_days(world):
    key = token_for(world.a.cabinet, world.a.client.email)

    for day in (20, 40, 60, 80):
        with days_later(day):
            assert companies_with(world.a.cabinet, key).status_code == 200, day

    with days_later(80 + DAYS - 1):
        assert companies_with(world.a.cabinet, key).status_code == 200
    with days_later(80 + DAYS - 1 + DAYS + 0.1):
        assert companies_with(world.a.cabinet, key).status_code == 401


def test_asking_for_the_token_again_counts_as_a_use(world):
    key = token_for(world.a.cabinet, world.a.admin.email)

    with days_later(DAYS - 1):
        assert token_for(world.a.cabinet, world.a.admin.email) == key
    with days_later(2 * DAYS - 2):
        assert companies_with(world.a.cabinet, key).status_code == 200


def test_the_expiry_comes_from_api_token_days(world, settings):
    settings.API_TOKEN_DAYS = 2
    key = token_for(world.a.cabinet, world.a.admin.email)

    with days_later(1.5):
        assert companies_with(world.a.cabinet, key).status_code == 200
    with days_later(3.6):
        assert companies_with(world.a.cabinet, key).status_code == 401


def token_queries(queries) -> list[str]:
    return [
        q["sql"] for q in queries if "authtoken_token" in q["sql"] or "tokenactivity" in q["sql"]
    ]


def test_a_call_within_the_hour_of_the_last_recorded_use_writes_nothing(world):
    key = token_for(world.a.cabinet, world.a.admin.email)
    with days_later(1):
        companies_with(world.a.cabinet, key)  # recorded: a day since the token was made

    with days_later(1 + 50 / (24 * 60)), CaptureQueriesContext(connection) as queries:
        assert companies_with(world.a.cabinet, key).status_code == 200

    # The token, its user and its last use, in the one lookup; no write.
    [lookup] = token_queries(queries.captured_queries)
    assert lookup.lstrip().upper().startswith("SELECT")
    assert "tokenactivity" in lookup


def test_a_call_an_hour_after_the_last_recorded_use_records_it_once(world):
    key = token_for(world.a.cabinet, world.a.admin.email)

    with days_later(2 / 24), CaptureQueriesContext(connection) as queries:
        assert companies_with(world.a.cabinet, key).status_code == 200

    [lookup, record] = token_queries(queries.captured_queries)
    assert lookup.lstrip().upper().startswith("SELECT")
    assert record.lstrip().upper().startswith("INSERT")


def test_the_nightly_purge_deletes_the_tokens_unused_for_thirty_days(world, settings):
    assert "welyb_portal.tenancy.tasks.purge_expired_api_tokens" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    forgotten = token_for(world.a.cabinet, world.a.client.email)
    used = token_for(world.a.cabinet, world.a.admin.email)
    with days_later(DAYS - 5):
        assert companies_with(world.a.cabinet, used).status_code == 200
    with days_later(DAYS):
        recent = token_for(world.b.cabinet, world.b.admin.email)

    with days_later(DAYS + 1):
        assert purge_expired_api_tokens.delay().get() == 1

    assert set(Token.objects.values_list("key", flat=True)) == {used, recent}
    assert forgotten not in set(Token.objects.values_list("key", flat=True))


# --- Logout ----------------------------------------------------------------------------------


def test_logout_revokes_the_token_it_is_called_with(world):
    key = token_for(world.a.cabinet, world.a.collaborator.email)

    response = with_token(world.a.cabinet, key).post(LOGOUT_URL)

    assert response.status_code == 204
    assert response.content == b""
    refused = companies_with(world.a.cabinet, key)
    assert refused.status_code == 401
    assert "Boulangerie" not in refused.text
    assert with_token(world.a.cabinet, key).post(LOGOUT_URL).status_code == 401
    assert token_for(world.a.cabinet, world.a.collaborator.email) != key


def test_logout_without_a_token_is_refused_and_revokes_nothing(world):
    key = token_for(world.a.cabinet, world.a.admin.email)
    session = APIClient(HTTP_HOST=host_of(world.a.cabinet))
    session.force_login(world.a.admin)

    assert APIClient(HTTP_HOST=host_of(world.a.cabinet)).post(LOGOUT_URL).status_code == 401
    # A browser's session has no token to give back: it logs out at « Se déconnecter ».
    assert session.post(LOGOUT_URL).status_code == 401
    assert companies_with(world.a.cabinet, key).status_code == 200


def test_another_cabinets_host_can_neither_use_nor_revoke_a_token(world):
    alpha = token_for(world.a.cabinet, world.a.admin.email)
    beta = token_for(world.b.cabinet, world.b.admin.email)

    on_beta = with_token(world.b.cabinet, alpha)
    assert on_beta.get(COMPANIES_URL).status_code == 401
    refused = on_beta.post(LOGOUT_URL)
    assert refused.status_code == 401
    assert refused.json() == {"detail": "Jeton invalide."}
    assert with_token(world.a.cabinet, beta).post(LOGOUT_URL).status_code == 401

    # Both still work at home.
    assert companies_with(world.a.cabinet, alpha).status_code == 200
    assert companies_with(world.b.cabinet, beta).status_code == 200


def test_an_expired_token_on_another_cabinets_host_is_just_invalid(world):
    alpha = token_for(world.a.cabinet, world.a.admin.email)

    with days_later(DAYS + 1):
        response = companies_with(world.b.cabinet, alpha)

    assert response.status_code == 401
    assert response.json() == {"detail": "Jeton invalide."}


@pytest.mark.django_db(transaction=True)
def test_a_token_revoked_while_its_use_is_being_recorded_is_refused_without_an_error(world):
    key = token_for(world.a.cabinet, world.a.admin.email)
    # The call has read the token; a logout elsewhere deletes it before the call records its use.
    token = Token.objects.select_related("activity").get(key=key)
    Token.objects.filter(key=key).delete()

    with days_later(1):
        assert api_token_touch(token=token) is False

    assert not TokenActivity.objects.exists()
