"""After ten failed logins for one address on one cabinet, that address is locked there for a
quarter of an hour: the login page and the API's token endpoint refuse it, even with the right
password, in French, and the audit trail says so once. Other addresses, and the same address
on another cabinet, are not affected; an unknown address is locked just the same."""

import re
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from tests.conftest import host_of
from tests.factories import PASSWORD, ClientFactory, SuperuserFactory
from tests.pages import text_of
from welyb_portal.tenancy.models import AuditEntry

pytestmark = pytest.mark.django_db

LIMIT = 10  # LOGIN_FAILURE_LIMIT's default
LOCK_MINUTES = 15  # LOGIN_LOCK_MINUTES's default
WRONG = "pas le bon mot de passe"
NEW_PASSWORD = "Un nouveau mot de passe solide 2026"
LOCKED = (
    "Trop de tentatives de connexion ont échoué : ce compte est temporairement bloqué. "
    "Réessayez dans 15 minutes ou réinitialisez votre mot de passe."
)
TOKEN_URL = "/api/v1/auth/token/"


def main_of(response) -> str:
    """The page's main landmark: the same for everyone, unlike the CSRF token in its head."""
    return re.search(r"<main.*?</main>", text_of(response), re.S).group(0)


def log_in(cabinet, email: str, password: str = PASSWORD, *, client: Client | None = None):
    client = client or Client(HTTP_HOST=host_of(cabinet))
    return client.post("/connexion/", {"username": email, "password": password})


def fail(cabinet, email: str, times: int):
    """`times` logins with a wrong password; the last answer."""
    for _ in range(times):
        response = log_in(cabinet, email, WRONG)
    return response


def assert_logged_in(response):
    assert response.status_code == 302, text_of(response)
    assert response.url == "/"


def assert_locked_page(response):
    assert response.status_code == 429
    assert "Compte temporairement bloqué" in text_of(response)
    assert LOCKED in text_of(response)
    assert 'href="/mot-de-passe/oublie/"' in response.text
    assert response["Retry-After"] == str(LOCK_MINUTES * 60)


def lock_entries():
    return list(AuditEntry.objects.filter(action="login.locked"))


@contextmanager
def minutes_later(minutes: float):
    """The clock moved forward: Django's, and the one axes stamps each attempt with (imported
    into its module under its own name)."""
    later = timezone.now() + timedelta(minutes=minutes)
    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        mock.patch("axes.handlers.proxy.now", return_value=later),
    ):
        yield


# --- The login page ------------------------------------------------------------------------


def test_nine_failures_then_the_right_password_logs_in(world):
    assert fail(world.a.cabinet, world.a.admin.email, LIMIT - 1).status_code == 200

    assert_logged_in(log_in(world.a.cabinet, world.a.admin.email))
    assert lock_entries() == []


def test_ten_failures_lock_the_address_even_for_the_right_password(world):
    tenth = fail(world.a.cabinet, world.a.admin.email, LIMIT)
    assert_locked_page(tenth)

    client = Client(HTTP_HOST=host_of(world.a.cabinet))
    right = log_in(world.a.cabinet, "Admin@Alpha.fr", client=client)
    assert_locked_page(right)
    assert "_auth_user_id" not in client.session
    assert "Cabinet Alpha" in text_of(right)
    # Written once, for the failure that set the lock, not for the attempts refused after it.
    fail(world.a.cabinet, world.a.admin.email, 2)
    [entry] = lock_entries()
    assert entry.cabinet == world.a.cabinet
    assert entry.actor is None
    assert entry.data["email"] == world.a.admin.email
    assert entry.data["failures"] == LIMIT


def test_a_lock_leaves_the_other_addresses_of_the_cabinet_free(world):
    fail(world.a.cabinet, world.a.admin.email, LIMIT)

    assert_logged_in(log_in(world.a.cabinet, world.a.collaborator.email))


def test_a_lock_on_one_cabinet_leaves_the_same_address_free_on_another(world):
    # The same person is a client of Cabinet Beta too, with an account of its own there.
    ClientFactory(cabinet=world.b.cabinet, email=world.a.admin.email, companies=[world.b.company])
    fail(world.a.cabinet, world.a.admin.email, LIMIT)

    assert_logged_in(log_in(world.b.cabinet, world.a.admin.email))
    assert_locked_page(log_in(world.a.cabinet, world.a.admin.email))


def test_an_unknown_address_is_locked_the_same_way(world):
    ninth_known = fail(world.a.cabinet, world.a.collaborator.email, LIMIT - 1)
    ninth_unknown = fail(world.a.cabinet, "personne@inconnu.fr", LIMIT - 1)
    assert ninth_unknown.status_code == ninth_known.status_code == 200

    known = fail(world.a.cabinet, world.a.collaborator.email, 1)
    unknown = fail(world.a.cabinet, "personne@inconnu.fr", 1)

    assert_locked_page(unknown)
    assert unknown.status_code == known.status_code
    assert main_of(unknown) == main_of(known)
    assert [entry.data["email"] for entry in lock_entries()] == [
        "personne@inconnu.fr",
        world.a.collaborator.email,
    ]


def test_the_lock_lifts_after_login_lock_minutes(world):
    fail(world.a.cabinet, world.a.admin.email, LIMIT)

    # Attempts refused during the lock do not make it last longer.
    with minutes_later(LOCK_MINUTES - 1):
        assert_locked_page(log_in(world.a.cabinet, world.a.admin.email))
    with minutes_later(LOCK_MINUTES + 0.1):
        assert_logged_in(log_in(world.a.cabinet, world.a.admin.email))


def test_a_successful_login_starts_the_count_again(world):
    fail(world.a.cabinet, world.a.admin.email, LIMIT - 1)
    assert_logged_in(log_in(world.a.cabinet, world.a.admin.email))

    assert fail(world.a.cabinet, world.a.admin.email, LIMIT - 1).status_code == 200
    assert_logged_in(log_in(world.a.cabinet, world.a.admin.email))


def test_a_new_password_from_the_reset_link_lifts_the_lock(
    world, django_capture_on_commit_callbacks
):
    fail(world.a.cabinet, world.a.client.email, LIMIT)
    client = Client(HTTP_HOST=host_of(world.a.cabinet))
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/mot-de-passe/oublie/", {"email": world.a.client.email})
    [message] = mail.outbox
    link = urlsplit(re.search(r"https?://\S+", message.body).group(0))

    page = client.get(link.path, follow=True)
    chosen = client.post(
        page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    # Logged in by the reset itself (a login without authenticate, next to two backends)...
    assert_logged_in(chosen)
    assert client.get("/").status_code == 200
    # ...which lifted the lock: the new password works from another browser too.
    assert_logged_in(log_in(world.a.cabinet, world.a.client.email, NEW_PASSWORD))


def test_an_address_too_long_for_the_counter_is_locked_without_an_error(world):
    # Valid, and longer than axes' 255-character column once the cabinet is added (PostgreSQL
    # would refuse to store it whole).
    email = "a" * 64 + "@" + ("b" * 63 + ".") * 3 + "fr"

    assert fail(world.a.cabinet, email, LIMIT - 1).status_code == 200
    assert_locked_page(fail(world.a.cabinet, email, 1))


# --- The API and the Django admin ----------------------------------------------------------


def test_the_api_token_endpoint_locks_the_address_too(world):
    api = APIClient(HTTP_HOST=host_of(world.a.cabinet))

    def token(password):
        return api.post(
            TOKEN_URL, {"email": world.a.admin.email, "password": password}, format="json"
        )

    answers = [token(WRONG) for _ in range(LIMIT)]
    right = token(PASSWORD)

    assert [answer.status_code for answer in answers] == [400] * (LIMIT - 1) + [429]
    assert answers[0].json() == {"detail": "Identifiants invalides."}
    assert right.status_code == 429
    assert right["Content-Type"] == "application/json"
    assert right.json() == {"detail": LOCKED}
    assert right["Retry-After"] == str(LOCK_MINUTES * 60)
    assert len(lock_entries()) == 1
    # One count per address, whatever the door: the login page is locked as well.
    assert_locked_page(log_in(world.a.cabinet, world.a.admin.email))


def test_the_django_admin_login_locks_on_the_platform_host(world):
    support = SuperuserFactory(email="support@plateforme.fr")
    platform = Client(HTTP_HOST="localhost")

    def admin_login(password):
        return platform.post(
            "/admin/login/?next=/admin/",
            {"username": support.email, "password": password, "next": "/admin/"},
        )

    for _ in range(LIMIT):
        admin_login(WRONG)
    response = admin_login(PASSWORD)

    assert response.status_code == 429
    assert "ce compte est temporairement bloqué. Réessayez dans 15 minutes." in text_of(response)
    # No password reset on the platform's host: the page offers none.
    assert "réinitialisez" not in text_of(response)
    assert 'href="/admin/login/?next=/admin/"' in response.text
    [entry] = lock_entries()
    assert entry.cabinet is None
    assert entry.data["email"] == support.email


def test_platform_support_lifts_a_lock_by_deleting_its_attempt_in_the_admin(world):
    fail(world.a.cabinet, world.a.admin.email, LIMIT)
    support = Client(HTTP_HOST="localhost")
    support.force_login(SuperuserFactory())

    listing = support.get("/admin/axes/accessattempt/", {"q": "alpha:admin@alpha.fr"})
    [attempt] = listing.context["cl"].result_list
    support.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})

    assert_logged_in(log_in(world.a.cabinet, world.a.admin.email))
