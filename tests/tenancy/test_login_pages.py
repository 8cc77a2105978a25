"""Logging in and out, and choosing a new password, on a cabinet's own host."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from tests.conftest import browser
from tests.factories import PASSWORD, SuperuserFactory
from tests.helpers.login import (
    _reset_link,
    anonymous,
    form_errors,
    is_logged_in,
    link_in,
    log_in,
    open_link,
    request_reset,
)
from tests.pages import text_of

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Un nouveau mot de passe solide 2026"
INVALID = "Identifiants invalides."
RESET_SENT = (
    "Si un compte existe pour cette adresse, un email vient de lui être envoyé "
    "avec un lien pour choisir un nouveau mot de passe."
)
LINK_EXPIRED = "Lien expiré"


# --- Logging in --------------------------------------------------------------------------------


def test_staff_logs_in_on_own_host_and_lands_on_home(world):
    client, response = log_in(world.a.cabinet, world.a.admin.email)

    assert response.status_code == 302
    assert response.url == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert f"Bonjour {world.a.admin.email}" in text_of(home)
    assert "Boulangerie Alpha" in text_of(home)


def test_client_logs_in_with_an_address_typed_in_capitals(world):
    client, response = log_in(world.a.cabinet, "Client@ALPHA.fr")

    assert response.status_code == 302
    home = client.get("/")
    assert "Boulangerie Alpha" in text_of(home)
    assert "Garage Alpha" not in text_of(home)


def test_login_page_follows_next_inside_the_portal(world):
    client = anonymous(world.a.cabinet)
    response = client.post(
        "/connexion/?next=/reglages/entreprises/",
        {"username": world.a.admin.email, "password": PASSWORD, "next": "/reglages/entreprises/"},
    )
    assert response.status_code == 302
    assert response.url == "/reglages/entreprises/"


def test_login_never_redirects_to_another_site(world):
    client = anonymous(world.a.cabinet)
    response = client.post(
        "/connexion/",
        {"username": world.a.admin.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert response.url == "/"


def test_every_refused_login_reads_identifiants_invalides_whatever_the_cause(world):
    deactivated = world.a.collaborator
    deactivated.is_active = False
    deactivated.save()
    attempts = {
        "wrong password": (world.a.cabinet, world.a.admin.email, "pas le bon mot de passe"),
        "unknown address": (world.a.cabinet, "personne@inconnu.fr", PASSWORD),
        "user of alpha on beta": (world.b.cabinet, world.a.admin.email, PASSWORD),
        "deactivated user": (world.a.cabinet, deactivated.email, PASSWORD),
    }

    answers = {}
    for cause, (cabinet, email, password) in attempts.items():
        client, response = log_in(cabinet, email, password)
        assert response.status_code == 200, cause
        assert not is_logged_in(client), cause
        answers[cause] = (response.status_code, form_errors(response))

    assert answers["wrong password"] == (200, [INVALID])
    assert all(answer == answers["wrong password"] for answer in answers.values()), answers


def test_refused_login_page_says_nothing_about_the_other_cabinet(world):
    _client, response = log_in(world.b.cabinet, world.a.admin.email)

    assert "Cabinet Beta" in text_of(response)
    assert "Alpha" not in text_of(response).replace(world.a.admin.email, "")


def test_platform_superuser_cannot_log_in_on_a_cabinet_host(world):
    support = SuperuserFactory(email="support@plateforme.fr")
    client, response = log_in(world.a.cabinet, support.email)

    assert form_errors(response) == [INVALID]
    assert not is_logged_in(client)


# --- Logging out -------------------------------------------------------------------------------


def test_logout_by_post_ends_the_session_and_shows_the_login_page(world):
    client = browser(world.a.admin)
    assert is_logged_in(client)

    response = client.post("/deconnexion/")

    assert response.status_code == 302
    assert response.url == "/connexion/"
    home = client.get("/")
    assert home.status_code == 302
    assert home.url.startswith("/connexion/")


def test_logout_link_followed_by_get_does_not_log_out(world):
    # A GET (a prefetch, an image tag on another site) must not end the session.
    client = browser(world.a.admin)

    assert client.get("/deconnexion/").status_code == 405
    assert is_logged_in(client)


# --- Password forgotten ------------------------------------------------------------------------


def test_password_forgotten_answers_the_same_whether_the_address_exists_or_not(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = request_reset(world, world.a.client.email)
        unknown = request_reset(world, "personne@inconnu.fr")

    assert known.redirect_chain == unknown.redirect_chain == [("/connexion/", 302)]
    assert RESET_SENT in text_of(known)
    assert RESET_SENT in text_of(unknown)
    assert [m.to for m in mail.outbox] == [[world.a.client.email]]


def test_password_reset_email_is_sent_in_the_cabinets_name(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_reset(world, world.a.client.email)

    [message] = mail.outbox
    assert message.subject == "Cabinet Alpha : choisissez un nouveau mot de passe"
    assert message.from_email.startswith("Cabinet Alpha <")
    assert urlsplit(link_in(message)).netloc == "alpha.localhost"
    assert "Beta" not in message.body


def test_no_reset_email_for_an_account_of_another_cabinet(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_reset(world, world.a.client.email, cabinet=world.b.cabinet)

    assert RESET_SENT in text_of(response)
    assert mail.outbox == []


def test_no_reset_email_for_a_deactivated_account(world, django_capture_on_commit_callbacks):
    world.a.client.is_active = False
    world.a.client.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = request_reset(world, world.a.client.email)

    assert RESET_SENT in text_of(response)
    assert mail.outbox == []


def test_password_forgotten_with_a_malformed_address_shows_a_french_error(world):
    response = anonymous(world.a.cabinet).post(
        "/mot-de-passe/oublie/", {"email": "pas-une-adresse"}
    )

    assert response.status_code == 200
    assert form_errors(response) == ["Saisissez une adresse e-mail valide."]


def test_reset_link_lets_the_user_choose_a_new_password_and_log_in(
    world, django_capture_on_commit_callbacks
):
    link = _reset_link(world, django_capture_on_commit_callbacks, world.a.client)

    client, page = open_link(link)
    assert page.status_code == 200
    assert "Choisissez un nouveau mot de passe" in text_of(page)
    response = client.post(
        page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain == [("/", 302)]
    assert "Votre mot de passe est enregistré. Bienvenue !" in text_of(response)
    world.a.client.refresh_from_db()
    assert world.a.client.check_password(NEW_PASSWORD)
    assert not world.a.client.check_password(PASSWORD)
    _again, login = log_in(world.a.cabinet, world.a.client.email, NEW_PASSWORD)
    assert login.status_code == 302


def test_reset_link_is_invalid_on_the_other_cabinets_host(
    world, django_capture_on_commit_callbacks
):
    link = _reset_link(world, django_capture_on_commit_callbacks, world.a.client)

    beta = anonymous(world.b.cabinet)
    _client, page = open_link(link, client=beta)
    assert page.status_code == 200
    assert LINK_EXPIRED in text_of(page)
    assert "new_password1" not in page.text

    # Even a forged POST to the form's address changes nothing there.
    uid = urlsplit(link).path.split("/")[2]
    beta.post(
        f"/mot-de-passe/{uid}/set-password/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    world.a.client.refresh_from_db()
    assert world.a.client.check_password(PASSWORD)


def test_a_used_reset_link_is_invalid_afterwards(world, django_capture_on_commit_callbacks):
    link = _reset_link(world, django_capture_on_commit_callbacks, world.a.client)
    client, page = open_link(link)
    client.post(
        page.request["PATH_INFO"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    _other, again = open_link(link)

    assert LINK_EXPIRED in text_of(again)
    assert "new_password1" not in again.text


def test_a_weak_new_password_is_refused_with_djangos_french_message(
    world, django_capture_on_commit_callbacks
):
    link = _reset_link(world, django_capture_on_commit_callbacks, world.a.client)
    client, page = open_link(link)

    response = client.post(
        page.request["PATH_INFO"], {"new_password1": "1234", "new_password2": "1234"}
    )

    assert response.status_code == 200
    errors = form_errors(response)
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 8 caractères." in errors
    assert "Ce mot de passe est trop courant." in errors
    assert "Ce mot de passe est entièrement numérique." in errors
    world.a.client.refresh_from_db()
    assert world.a.client.check_password(PASSWORD)
    # The link still works: the user tries again with a better password.
    retry = client.post(
        page.request["PATH_INFO"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert retry.status_code == 302
    world.a.client.refresh_from_db()
    assert world.a.client.check_password(NEW_PASSWORD)


def test_two_different_new_passwords_are_refused_in_french(
    world, django_capture_on_commit_callbacks
):
    link = _reset_link(world, django_capture_on_commit_callbacks, world.a.client)
    client, page = open_link(link)

    response = client.post(
        page.request["PATH_INFO"],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "!"},
    )

    assert "Les deux mots de passe ne correspondent pas." in form_errors(response)
    world.a.client.refresh_from_db()
    assert world.a.client.check_password(PASSWORD)


# --- CSRF --------------------------------------------------------------------------------------


def test_login_form_sent_without_its_csrf_token_gets_the_french_expired_form_page(world):
    client = anonymous(world.a.cabinet, enforce_csrf_checks=True)
    page = client.get("/connexion/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    credentials = {"username": world.a.admin.email, "password": PASSWORD}

    refused = client.post("/connexion/", credentials)

    assert refused.status_code == 403
    assert "Formulaire expiré" in text_of(refused)
    assert "Rechargez la page et recommencez." in text_of(refused)
    assert "<main" in refused.text
    assert not is_logged_in(client)
    # The same form with its token goes through: the refusal was the token's doing.
    accepted = client.post("/connexion/", {**credentials, "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302


def test_login_form_posted_without_any_csrf_cookie_is_refused_too(world):
    client = anonymous(world.a.cabinet, enforce_csrf_checks=True)

    response = client.post("/connexion/", {"username": world.a.admin.email, "password": PASSWORD})

    assert response.status_code == 403
    assert "Formulaire expiré" in text_of(response)
