"""What the two-factor tests share: the authenticator app of a test (codes computed with
django-otp's own TOTP on the device's key), a person enrolled without the pages, the login in
two steps, and the clock moved forward."""

import re
import time
from base64 import b32decode
from binascii import unhexlify
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import host_of
from tests.factories import PASSWORD
from welyb_portal.tenancy.models import User
from welyb_portal.tenancy.services.two_factor import two_factor_enable, two_factor_key_new

LOGIN_URL = "/connexion/"
CODE_URL = "/connexion/code/"
SECURITY_URL = "/compte/securite/"
ENABLE_URL = "/compte/securite/activer/"
RECOVERY_CODES_URL = "/compte/securite/codes-de-secours/"
DISABLE_URL = "/compte/securite/desactiver/"
CABINET_SECURITY_URL = "/reglages/securite/"
TOKEN_URL = "/api/v1/auth/token/"
REQUIRED = "Code de double authentification requis."
INVALID = "Code de double authentification invalide."
STEP = 30


def code_for(key: bytes, *, steps: int = 0) -> str:
    """What an authenticator app holding `key` shows now, or `steps` periods of 30 s later."""
    return f"{totp(key, step=STEP, digits=6, drift=steps):06d}"


def next_code(device: TOTPDevice) -> str:
    """The app's next code the device has not accepted yet (one accepted code per period: the
    next one is the next period's, which the device accepts a period early)."""
    device.refresh_from_db()
    now = int(time.time()) // STEP
    steps = max(0, device.last_t + 1 - now)
    assert steps <= 1, "the device took this period's and the next one's code: move the clock"
    return code_for(device.bin_key, steps=steps)


def wrong_code(device: TOTPDevice) -> str:
    """A code of six digits that the device refuses now."""
    valid = {code_for(device.bin_key, steps=steps) for steps in (-1, 0, 1)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def enrolled(user: User) -> tuple[TOTPDevice, list[str]]:
    """`user` with an authenticator app and their ten recovery codes, as if they had enrolled
    a minute ago (the period of their enrolment's code is over)."""
    key = two_factor_key_new()
    device, codes = two_factor_enable(user=user, key=key, code=code_for(unhexlify(key)))
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=device.last_t - 2)
    device.refresh_from_db()
    return device, codes


def recovery_codes_of(user: User) -> set[str]:
    return set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))


def secret_on(page: str) -> bytes:
    """The key of the secret the enrolment page shows as text ("ABCD EFGH …")."""
    secret = re.search(r'<code class="secret-key"[^>]*>([A-Z2-7 ]+)</code>', page).group(1)
    secret = secret.replace(" ", "")
    return b32decode(secret + "=" * (-len(secret) % 8))


def codes_on(page: str) -> list[str]:
    """The recovery codes a page lists."""
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)


def anonymous(cabinet) -> Client:
    return Client(HTTP_HOST=host_of(cabinet))


def password_step(user: User, *, client: Client | None = None, next_url: str | None = None):
    """The login page, with the right password; the client and its answer."""
    client = client or anonymous(user.cabinet)
    url = f"{LOGIN_URL}?next={next_url}" if next_url else LOGIN_URL
    data = {"username": user.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client, client.post(url, data)


def logged_in_with_code(user: User, device: TOTPDevice) -> Client:
    """A browser that logged in through both steps."""
    client, response = password_step(user)
    assert response.status_code == 302
    assert response.url == CODE_URL
    answer = client.post(CODE_URL, {"code": next_code(device)})
    assert answer.status_code == 302, answer.content.decode()
    return client


def verified_browser(user: User, device: TOTPDevice) -> Client:
    """A browser whose session a code verified, without the login pages."""
    client = Client(HTTP_HOST=host_of(user.cabinet))
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@contextmanager
def seconds_later(seconds: float):
    """Every clock moved forward, and stopped there: Python's (the TOTP periods, the idle
    sessions) and Django's (django-otp's back-off after a wrong code)."""
    later = timezone.now() + timedelta(seconds=seconds)
    then = time.time() + seconds
    with (
        mock.patch("time.time", return_value=then),
        # django_otp.oath took its own `time` when it was imported.
        mock.patch("django_otp.oath.time", return_value=then),
        mock.patch("django.utils.timezone.now", return_value=later),
    ):
        yield
