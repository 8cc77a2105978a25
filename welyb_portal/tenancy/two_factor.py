"""The web side of two-factor authentication: what a browser's session remembers of it (a login
waiting for its code, the secret of an enrolment under way, whether the person had an app when
the session opened) and the QR code an authenticator app scans. What the database keeps, and
every check of a code, is in services/two_factor.py.
"""

import time
from base64 import b32encode
from binascii import unhexlify
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import segno
from django.conf import settings
from django.contrib.auth import login
from django.utils.safestring import SafeString, mark_safe
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device

from .models import User
from .selectors import two_factor_enabled
from .services.two_factor import two_factor_key_new

# A login whose password was right, waiting for its code: {"user", "backend", "next", "at"}.
PENDING_LOGIN_KEY = "two_factor_pending_login"
# How long the code page waits for the code before the password is asked again.
PENDING_LOGIN_SECONDS = 10 * 60
# The secret shown by the enrolment page, until a code confirms it (a reload shows the same).
ENROLMENT_KEY = "two_factor_enrolment_key"
# Whether the person had an authenticator app when this staff session opened: such a session
# is only valid once a code verified it (django-otp's DEVICE_ID_SESSION_KEY).
EXPECTS_CODE_KEY = "two_factor_expected"


@dataclass(frozen=True)
class PendingLogin:
    user: User
    backend: str
    next_url: str


def pending_login_start(request, *, user: User, next_url: str) -> None:
    """Remembers that `user` gave the right password, without logging them in: the session stays
    anonymous until the code page calls pending_login_finish."""
    request.session[PENDING_LOGIN_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "at": int(time.time()),
    }


def pending_login(request) -> PendingLogin | None:
    """The login waiting for its code in this browser, or None (none, expired, or an account
    that meanwhile left this cabinet or was deactivated)."""
    data = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(data, dict):
        return None
    if time.time() - data.get("at", 0) > PENDING_LOGIN_SECONDS:
        del request.session[PENDING_LOGIN_KEY]
        return None
    user = User.objects.filter(pk=data["user"], cabinet=request.cabinet, is_active=True).first()
    if user is None or data["backend"] not in settings.AUTHENTICATION_BACKENDS:
        return None
    return PendingLogin(user=user, backend=data["backend"], next_url=data["next"])


def pending_login_finish(request, pending: PendingLogin, device: Device) -> None:
    """Logs the person in, the session verified by `device` (the code it accepted)."""
    del request.session[PENDING_LOGIN_KEY]
    user = pending.user
    # django-otp's receiver of user_logged_in records the device in the session (otp_login).
    user.otp_device = device
    login(request, user, backend=pending.backend)


def session_expects_code(request, user: User) -> bool:
    """Whether this staff session must be verified by a code: the person had an authenticator
    app when it opened. Marked at login (session_guards.py); a session older than that is
    looked up once."""
    expected = request.session.get(EXPECTS_CODE_KEY)
    if expected is None:
        expected = request.session[EXPECTS_CODE_KEY] = two_factor_enabled(user=user)
    return expected


def enrolment_key(request) -> str:
    """The secret the enrolment page shows, the same until it is confirmed."""
    key = request.session.get(ENROLMENT_KEY)
    if not key:
        key = request.session[ENROLMENT_KEY] = two_factor_key_new()
    return key


def enrolment_finish(request, device: Device) -> None:
    """The session that confirmed the app's code counts as verified by it."""
    request.session.pop(ENROLMENT_KEY, None)
    otp_login(request, device)
    request.session[EXPECTS_CODE_KEY] = True


def session_forget_two_factor(request) -> None:
    """After the person turned two-factor authentication off."""
    request.session.pop(DEVICE_ID_SESSION_KEY, None)
    request.session[EXPECTS_CODE_KEY] = False


def totp_config_url(*, key: str, account: str, issuer: str) -> str:
    """The otpauth:// URL an authenticator app reads from the QR code (Google's Key URI
    format): the secret, and "<issuer>: <account>" as the app lists it."""
    issuer = issuer.replace(":", "")
    params = {
        "secret": totp_secret(key),
        "issuer": issuer,
        "algorithm": "SHA1",
        "digits": 6,
        "period": 30,
    }
    return f"otpauth://totp/{quote(f'{issuer}:{account}')}?{urlencode(params, quote_via=quote)}"


def totp_secret(key: str) -> str:
    """The secret as authenticator apps take it when typed: base32, without padding."""
    return b32encode(unhexlify(key)).decode().rstrip("=")


def qr_code_svg(data: str, *, title: str) -> SafeString:
    """`data` as a QR code in inline SVG, drawn here: the secret never leaves the server, and
    the markup has no style attribute nor script (the Content-Security-Policy allows none)."""
    qr = segno.make(data, error="m")
    svg = qr.svg_inline(scale=4, border=4, dark="#000", light="#fff", title=title, svgclass="qr")
    return mark_safe(svg)  # noqa: S308 - segno's own markup; `title` is escaped by segno
