"""« Exiger la double authentification » (gear › Sécurité): once a cabinet's admin ticks it,
each of its staff members without an authenticator app is sent to enrol, and reaches nothing
else until done; nobody can turn theirs off. Clients are not concerned. Only the cabinet's own
admins change it."""

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import api, browser, host_of
from tests.helpers.two_factor import (
    CABINET_SECURITY_URL,
    DISABLE_URL,
    ENABLE_URL,
    SECURITY_URL,
    code_for,
    codes_on,
    enrolled,
    is_logged_in,
    next_code,
    password_step,
    secret_on,
    verified_browser,
)
from tests.pages import text_of
from welyb_portal.tenancy.models import AuditEntry, Cabinet
from welyb_portal.tenancy.services.two_factor import two_factor_requirement_set

pytestmark = pytest.mark.django_db

# Pages of every kind a staff member opens: home, settings, GED, the API with the session.
STAFF_PAGES = ["/", "/reglages/entreprises/", "/notifications/", SECURITY_URL]


def require(tenant) -> None:
    two_factor_requirement_set(cabinet=tenant.cabinet, required=True, by=tenant.admin)


def test_an_admin_requires_two_factor_from_the_gear(world):
    client = browser(world.a.admin)
    page = client.get(CABINET_SECURITY_URL)
    assert "Exiger la double authentification" in text_of(page)

    response = client.post(CABINET_SECURITY_URL, {"require_two_factor": "on"}, follow=True)

    world.a.cabinet.refresh_from_db()
    assert world.a.cabinet.require_two_factor
    entry = AuditEntry.objects.get(action="two_factor.requirement_changed")
    assert (entry.actor, entry.cabinet, entry.data) == (
        world.a.admin,
        world.a.cabinet,
        {"old": False, "new": True},
    )
    # The admin has no app yet: the next page is their own enrolment, with the reason.
    assert response.redirect_chain[-1][0] == ENABLE_URL
    assert (
        "Votre cabinet exige la double authentification : activez-la pour accéder au portail."
        in text_of(response)
    )
    # Beta is as it was.
    assert not Cabinet.objects.get(pk=world.b.cabinet.pk).require_two_factor


def test_the_requirement_forces_enrolment_before_any_other_page(world):
    require(world.a)
    client = browser(world.a.collaborator)

    for url in STAFF_PAGES:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == ENABLE_URL, url
    htmx = client.get("/reglages/entreprises/", headers={"HX-Request": "true"})
    assert htmx["HX-Redirect"] == ENABLE_URL
    with_session = client.get("/api/v1/companies/")
    assert with_session.status_code == 403
    assert "Votre cabinet exige la double authentification" in with_session.json()["detail"]

    page = client.get(ENABLE_URL)
    assert page.status_code == 200
    key = secret_on(page.content.decode())
    done = client.post(ENABLE_URL, {"code": code_for(key)})
    assert len(codes_on(done.content.decode())) == 10

    for url in STAFF_PAGES:
        assert client.get(url).status_code == 200, url
    assert client.get("/api/v1/companies/").status_code == 200


def test_a_staff_member_who_must_enrol_may_still_log_out(world):
    require(world.a)
    client = browser(world.a.collaborator)

    client.post("/deconnexion/")

    assert not is_logged_in(client)


def test_a_password_login_under_the_requirement_leads_to_the_enrolment(world):
    require(world.a)

    client, response = password_step(world.a.collaborator)

    assert response.url == "/"
    assert client.get("/").url == ENABLE_URL


def test_someone_who_enrolled_elsewhere_logs_in_again_with_the_code(world):
    require(world.a)
    earlier = browser(world.a.collaborator)
    enrolled(world.a.collaborator)

    response = earlier.get("/", follow=True)

    assert not is_logged_in(earlier)
    assert "reconnectez-vous avec le code de votre application" in text_of(response)


def test_staff_with_an_app_work_as_before(world):
    device, _codes = enrolled(world.a.admin)
    require(world.a)
    client = verified_browser(world.a.admin, device)

    for url in STAFF_PAGES:
        assert client.get(url).status_code == 200, url


def test_nobody_turns_two_factor_off_while_the_cabinet_requires_it(world):
    device, _codes = enrolled(world.a.admin)
    require(world.a)
    client = verified_browser(world.a.admin, device)
    page = text_of(client.get(SECURITY_URL))
    assert "Votre cabinet exige la double authentification : elle ne peut pas être désactivée." in (
        page
    )
    assert DISABLE_URL not in page

    response = client.post(DISABLE_URL, {"disable-code": next_code(device)}, follow=True)

    assert response.redirect_chain == [(SECURITY_URL, 302)]
    assert 'class="flash flash-error" role="alert">Votre cabinet exige la double' in (
        response.content.decode()
    )
    assert TOTPDevice.objects.filter(user=world.a.admin).exists()


def test_clients_are_not_concerned(world):
    require(world.a)
    client = browser(world.a.client)

    assert client.get("/").status_code == 200
    assert client.get(f"/ged/entreprises/{world.a.company.pk}/").status_code == 200
    assert api(world.a.client).get("/api/v1/companies/").status_code == 200
    _client, response = password_step(world.a.client)
    assert response.url == "/"


def test_the_security_page_lists_who_has_two_factor(world):
    enrolled(world.a.collaborator)

    page = text_of(browser(world.a.admin).get(CABINET_SECURITY_URL))

    assert "collaborateur@alpha.fr</td>\n    <td>Activée" in page
    assert "admin@alpha.fr</td>\n    <td>Non activée" in page
    assert "client@alpha.fr" not in page
    assert "beta" not in page


def test_turning_the_requirement_off_is_audited_and_frees_the_staff(world):
    require(world.a)
    device, _codes = enrolled(world.a.admin)
    client = verified_browser(world.a.admin, device)

    response = client.post(CABINET_SECURITY_URL, {}, follow=True)

    assert "La double authentification n'est plus exigée : chacun peut la garder." in text_of(
        response
    )
    assert not Cabinet.objects.get(pk=world.a.cabinet.pk).require_two_factor
    assert AuditEntry.objects.filter(action="two_factor.requirement_changed").count() == 2
    assert browser(world.a.collaborator).get("/").status_code == 200


# --- Who may change it -------------------------------------------------------------------------


def test_a_collaborator_may_not_change_the_requirement(world):
    client = browser(world.a.collaborator)

    assert client.get(CABINET_SECURITY_URL).status_code == 403
    assert client.post(CABINET_SECURITY_URL, {"require_two_factor": "on"}).status_code == 403
    assert not Cabinet.objects.get(pk=world.a.cabinet.pk).require_two_factor


def test_another_cabinets_admin_cannot_touch_this_cabinets_setting(world):
    beta = browser(world.b.admin)
    # Their session, replayed on alpha's host, is nobody there.
    on_alpha = Client(HTTP_HOST=host_of(world.a.cabinet))
    on_alpha.cookies = beta.cookies

    replayed = on_alpha.post(CABINET_SECURITY_URL, {"require_two_factor": "on"})
    own = beta.post(CABINET_SECURITY_URL, {"require_two_factor": "on"})

    assert replayed.status_code == 302
    assert replayed.url.startswith("/connexion/")
    assert own.status_code == 302
    assert not Cabinet.objects.get(pk=world.a.cabinet.pk).require_two_factor
    assert Cabinet.objects.get(pk=world.b.cabinet.pk).require_two_factor
    # Beta's requirement asks nothing of alpha's staff.
    assert browser(world.a.collaborator).get("/").status_code == 200
    assert "Cabinet Alpha" not in text_of(beta.get(CABINET_SECURITY_URL, follow=True))


def test_another_cabinets_staff_cannot_touch_this_cabinets_people(world):
    device, codes = enrolled(world.a.admin)
    beta = browser(world.b.admin)
    on_alpha = Client(HTTP_HOST=host_of(world.a.cabinet))
    on_alpha.cookies = beta.cookies

    for url, data in (
        (DISABLE_URL, {"disable-code": codes[0]}),
        ("/compte/securite/codes-de-secours/", {"regenerate-code": codes[1]}),
        (ENABLE_URL, {"code": "123456"}),
    ):
        response = on_alpha.post(url, data)
        assert response.status_code == 302, url
        assert response.url.startswith("/connexion/"), url
    assert TOTPDevice.objects.get(user=world.a.admin).pk == device.pk
    assert len(world.a.admin.staticdevice_set.get().token_set.all()) == 10
