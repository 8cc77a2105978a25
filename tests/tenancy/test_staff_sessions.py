"""A staff session ends after SESSION_IDLE_MINUTES without a request: the next page is the
login, which says why and leads back. The activity is written at most once a minute, so that a
page costs no session save. Clients keep their sessions as before."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp import DEVICE_ID_SESSION_KEY

from tests.conftest import api, browser
from tests.helpers.two_factor import enrolled, is_logged_in, verified_browser
from tests.pages import text_of
from welyb_portal.tenancy.session_guards import LAST_ACTIVITY_KEY

pytestmark = pytest.mark.django_db

IDLE_MINUTES = 120  # SESSION_IDLE_MINUTES's default
EXPIRED = "Votre session a expiré après 120 minutes d'inactivité : reconnectez-vous pour continuer."


def idle_for(client, minutes: float) -> int:
    """The session's last activity moved `minutes` into the past (the stored timestamp, as the
    clock would have left it); returns the timestamp."""
    session = client.session
    session[LAST_ACTIVITY_KEY] = int(time.time() - minutes * 60)
    session.save()
    return session[LAST_ACTIVITY_KEY]


def last_activity(client) -> int | None:
    return client.session.get(LAST_ACTIVITY_KEY)


def test_a_staff_session_starts_active_at_login(world):
    client = browser(world.a.collaborator)

    assert abs(last_activity(client) - time.time()) < 5


def test_an_idle_staff_session_ends_and_the_login_says_why(world):
    client = browser(world.a.collaborator)
    idle_for(client, IDLE_MINUTES + 1)

    response = client.get("/reglages/entreprises/")

    assert response.status_code == 302
    assert response.url == "/connexion/?next=/reglages/entreprises/"
    assert not is_logged_in(client)
    login = client.get(response.url)
    assert EXPIRED in text_of(login)


def test_a_staff_session_used_within_the_limit_goes_on(world):
    client = browser(world.a.admin)
    idle_for(client, IDLE_MINUTES - 1)

    response = client.get("/reglages/entreprises/")

    assert response.status_code == 200
    assert abs(last_activity(client) - time.time()) < 5


def test_the_activity_is_written_at_most_once_a_minute(world):
    client = browser(world.a.admin)
    half_a_minute_ago = idle_for(client, 0.5)

    client.get("/")
    assert last_activity(client) == half_a_minute_ago

    idle_for(client, 1.1)
    client.get("/")
    assert abs(last_activity(client) - time.time()) < 5


def test_a_page_within_the_minute_saves_no_session(world):
    client = browser(world.a.admin)
    idle_for(client, 0.5)

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/reglages/entreprises/").status_code == 200

    writes = [q["sql"] for q in queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert writes == []


def test_the_limit_comes_from_the_setting(world, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client = browser(world.a.collaborator)
    idle_for(client, 6)

    response = client.get("/", follow=True)

    assert not is_logged_in(client)
    assert (
        "Votre session a expiré après 5 minutes d'inactivité : reconnectez-vous pour continuer."
        in text_of(response)
    )


def test_an_idle_form_sent_goes_to_the_login_without_acting(world):
    client = browser(world.a.admin)
    idle_for(client, IDLE_MINUTES + 1)

    response = client.post("/reglages/entreprises/nouvelle/", {"name": "Scierie Alpha"})

    assert response.status_code == 302
    assert response.url == "/connexion/"
    assert not world.a.cabinet.companies.filter(name="Scierie Alpha").exists()


def test_an_idle_htmx_request_sends_the_whole_page_to_the_login(world):
    client = browser(world.a.admin)
    idle_for(client, IDLE_MINUTES + 1)

    response = client.get("/reglages/entreprises/", headers={"HX-Request": "true"})

    assert response["HX-Redirect"] == "/connexion/"
    assert not is_logged_in(client)


def test_an_idle_session_opens_nothing_in_the_api(world):
    client = browser(world.a.admin)
    idle_for(client, IDLE_MINUTES + 1)

    response = client.get("/api/v1/companies/")

    assert response.status_code == 401
    assert not is_logged_in(client)


def test_an_api_token_is_not_a_session_and_does_not_expire(world):
    client = api(world.a.admin)

    assert client.get("/api/v1/companies/").status_code == 200


def test_a_verified_session_ends_the_same_way(world):
    device, _codes = enrolled(world.a.admin)
    client = verified_browser(world.a.admin, device)
    idle_for(client, IDLE_MINUTES + 1)

    client.get("/")

    assert not is_logged_in(client)
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_client_sessions_keep_their_behaviour(world):
    client = browser(world.a.client)
    assert last_activity(client) is None
    # Even a mark as old as can be ends nothing: clients are not concerned.
    mark = idle_for(client, 10 * IDLE_MINUTES)

    response = client.get("/")

    assert response.status_code == 200
    assert is_logged_in(client)
    assert last_activity(client) == mark  # left as it was, not refreshed
    assert browser(world.a.client).get("/").status_code == 200
    assert last_activity(browser(world.a.client)) is None


def test_the_cabinets_stylesheet_is_no_activity_and_reads_no_session(world):
    client = browser(world.a.admin)
    before = idle_for(client, 2)

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/theme.css").status_code == 200

    assert last_activity(client) == before
    assert not [q for q in queries if "django_session" in q["sql"]]


# --- The cost of the guards ----------------------------------------------------------------


def page_queries(client, url: str) -> list[str]:
    client.get(url)  # warm up: the first request after the login may finish its session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries]


def test_a_session_verified_by_a_code_costs_one_query_a_page(world):
    """django-otp's look-up of the session's device, and nothing else (a collaborator of the
    same cabinet, without two-factor authentication, is the reference)."""
    device, _codes = enrolled(world.a.admin)
    verified = page_queries(verified_browser(world.a.admin, device), "/reglages/entreprises/")
    plain = page_queries(browser(world.a.collaborator), "/reglages/entreprises/")

    assert len(verified) == len(plain) + 1
    assert [sql for sql in verified if "otp_totp_totpdevice" in sql] != []
    assert not [sql for sql in plain if "otp_" in sql]
