"""« Sécurité du compte »: a staff member turns two-factor authentication on by scanning a QR
code (or typing the secret) and confirming the app's first code, then sees ten recovery codes
once; later they replace their phone, get new recovery codes, or turn it off."""

import re
from binascii import hexlify
from html.parser import HTMLParser

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import browser
from tests.helpers.login import form_errors
from tests.helpers.two_factor import (
    CODE_URL,
    DISABLE_URL,
    ENABLE_URL,
    INVALID,
    RECOVERY_CODES_URL,
    SECURITY_URL,
    code_for,
    codes_on,
    enrolled,
    is_logged_in,
    logged_in_with_code,
    next_code,
    password_step,
    recovery_codes_of,
    seconds_later,
    secret_on,
    verified_browser,
    wrong_code,
)
from tests.pages import text_of
from welyb_portal.tenancy.models import AuditEntry
from welyb_portal.tenancy.two_factor import totp_config_url

pytestmark = pytest.mark.django_db

MISMATCH = (
    "Ce code ne correspond pas : vérifiez que l'heure de votre téléphone est exacte, puis "
    "saisissez le code affiché maintenant."
)


class SvgAttributes(HTMLParser):
    """Every attribute of the inline QR code's elements."""

    def __init__(self, content: str):
        super().__init__()
        self.names: set[str] = set()
        self.in_svg = False
        self.feed(content)

    def handle_starttag(self, tag, attrs):
        self.in_svg = self.in_svg or tag == "svg"
        if self.in_svg:
            self.names.update(name for name, _value in attrs)

    def handle_endtag(self, tag):
        if tag == "svg":
            self.in_svg = False


def enrol(client, *, current_code: str | None = None):
    """Opens the enrolment page, reads the secret as a person would type it into their app,
    and confirms the app's code; the page of recovery codes, and the key."""
    page = client.get(ENABLE_URL)
    assert page.status_code == 200
    key = secret_on(page.content.decode())
    data = {"code": code_for(key)}
    if current_code is not None:
        data["current_code"] = current_code
    return client.post(ENABLE_URL, data), key


# --- Turning it on -----------------------------------------------------------------------------


def test_a_staff_member_turns_two_factor_on_through_the_pages(world):
    admin = world.a.admin
    client = browser(admin)
    assert "Désactivée" in text_of(client.get(SECURITY_URL))
    assert 'href="/compte/securite/"' in client.get("/").content.decode()

    response, key = enrol(client)

    assert response.status_code == 200
    codes = codes_on(response.content.decode())
    assert len(set(codes)) == 10
    assert "La double authentification est activée." in text_of(response)
    assert "ils ne seront plus affichés" in text_of(response)
    assert response["Cache-Control"].startswith("max-age=0, no-cache, no-store")
    device = TOTPDevice.objects.get(user=admin)
    assert (device.confirmed, device.key) == (True, hexlify(key).decode())
    assert recovery_codes_of(admin) == set(codes)
    entry = AuditEntry.objects.get(action="two_factor.enabled")
    assert (entry.actor, entry.cabinet, entry.data) == (admin, world.a.cabinet, {"replaced": False})
    # The session that enrolled is verified: it goes on, and the status page says so.
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    status = text_of(client.get(SECURITY_URL))
    assert "Activée" in status
    assert "Codes de secours restants : <strong>10</strong> sur 10." in status


def test_the_enrolment_page_shows_the_qr_code_inline_and_the_same_secret_until_confirmed(world):
    client = browser(world.a.collaborator)

    first = client.get(ENABLE_URL).content.decode()
    second = client.get(ENABLE_URL).content.decode()

    assert secret_on(first) == secret_on(second)
    svg = re.search(r'<svg[^>]*class="qr".*?</svg>', first, re.S).group(0)
    assert "<title>QR code à scanner avec votre application</title>" in svg
    # Drawn on the server: no image service, nothing the Content-Security-Policy refuses.
    assert "http" not in svg
    assert "style" not in SvgAttributes(svg).names
    assert not any(name.startswith("on") for name in SvgAttributes(svg).names)


def test_the_qr_code_names_the_cabinet_and_the_person(world):
    url = totp_config_url(key="00" * 20, account="admin@alpha.fr", issuer="Cabinet: Alpha")

    assert url == (
        "otpauth://totp/Cabinet%20Alpha%3Aadmin%40alpha.fr?secret=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        "&issuer=Cabinet%20Alpha&algorithm=SHA1&digits=6&period=30"
    )


def test_a_code_that_does_not_match_the_secret_enables_nothing(world):
    client = browser(world.a.admin)
    key = secret_on(client.get(ENABLE_URL).content.decode())

    response = client.post(ENABLE_URL, {"code": code_for(key, steps=5)})

    assert response.status_code == 400
    assert form_errors(response) == [MISMATCH]
    assert not TOTPDevice.objects.exists()
    assert recovery_codes_of(world.a.admin) == set()


def test_the_new_app_opens_the_next_login(world):
    client = browser(world.a.admin)
    _response, key = enrol(client)
    client.post("/deconnexion/")

    with seconds_later(30):
        other, response = password_step(world.a.admin)
        assert response.url == CODE_URL
        other.post(CODE_URL, {"code": code_for(key)})

    assert is_logged_in(other)


def test_clients_have_no_security_pages(world):
    client = browser(world.a.client)

    for url in (SECURITY_URL, ENABLE_URL):
        assert client.get(url).status_code == 404
    assert client.post(ENABLE_URL, {"code": "123456"}).status_code == 404
    assert "/compte/securite/" not in client.get("/").content.decode()
    assert not TOTPDevice.objects.exists()


# --- Replacing the phone, new recovery codes ---------------------------------------------------


def test_a_new_phone_replaces_the_app_with_a_code_of_the_old_one(world):
    admin = world.a.admin
    device, old_codes = enrolled(admin)
    client = verified_browser(admin, device)
    page = text_of(client.get(ENABLE_URL))
    assert "Changer d'application d'authentification" in page

    refused, _key = enrol(client, current_code=wrong_code(device))
    assert refused.status_code == 400
    assert form_errors(refused) == [INVALID]
    assert TOTPDevice.objects.get(user=admin).pk == device.pk

    response, key = enrol(client, current_code=old_codes[0])

    assert response.status_code == 200
    assert TOTPDevice.objects.get(user=admin).key == hexlify(key).decode()
    new_codes = codes_on(response.content.decode())
    assert recovery_codes_of(admin) == set(new_codes)
    assert not set(old_codes) & set(new_codes)
    assert AuditEntry.objects.filter(action="two_factor.enabled").first().data == {"replaced": True}


def test_new_recovery_codes_replace_the_old_ones(world):
    admin = world.a.admin
    device, old_codes = enrolled(admin)
    client = logged_in_with_code(admin, device)

    response = client.post(RECOVERY_CODES_URL, {"regenerate-code": next_code(device)})

    assert response.status_code == 200
    codes = codes_on(response.content.decode())
    assert len(codes) == 10
    assert recovery_codes_of(admin) == set(codes)
    assert not set(old_codes) & set(codes)
    assert AuditEntry.objects.filter(action="two_factor.recovery_codes_regenerated").count() == 1


def test_new_recovery_codes_need_a_right_code(world):
    admin = world.a.admin
    device, old_codes = enrolled(admin)
    client = verified_browser(admin, device)

    response = client.post(RECOVERY_CODES_URL, {"regenerate-code": wrong_code(device)})

    assert response.status_code == 400
    assert form_errors(response) == [INVALID]
    assert recovery_codes_of(admin) == set(old_codes)


# --- Turning it off ----------------------------------------------------------------------------


def test_a_staff_member_turns_two_factor_off_with_a_code(world):
    admin = world.a.admin
    device, _codes = enrolled(admin)
    client = verified_browser(admin, device)

    response = client.post(DISABLE_URL, {"disable-code": next_code(device)}, follow=True)

    assert "Double authentification désactivée." in text_of(response)
    assert "Désactivée" in text_of(response)
    assert not TOTPDevice.objects.filter(user=admin).exists()
    assert recovery_codes_of(admin) == set()
    assert AuditEntry.objects.filter(action="two_factor.disabled", actor=admin).count() == 1
    # The session goes on; the next login needs the password only.
    assert is_logged_in(client)
    assert client.get("/").status_code == 200
    _other, login = password_step(admin)
    assert login.url == "/"


def test_turning_it_off_needs_a_right_code(world):
    admin = world.a.admin
    device, _codes = enrolled(admin)
    client = verified_browser(admin, device)

    response = client.post(DISABLE_URL, {"disable-code": wrong_code(device)})

    assert response.status_code == 400
    assert form_errors(response) == [INVALID]
    assert TOTPDevice.objects.filter(user=admin).exists()
