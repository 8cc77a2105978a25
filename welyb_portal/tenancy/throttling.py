"""Login throttling with django-axes: whose failures count together, what a locked login
answers, and the audit entry of a lock; and the client's address, as axes reads it, for the
other throttles.

Axes counts the failures of `login_throttle_key` (a cabinet and an address) and, once
LOGIN_FAILURE_LIMIT is reached, refuses every attempt with that key for LOGIN_LOCK_MINUTES.
`AxesMiddleware` then replaces the login's answer with `views/lockout.py`'s. Settings:
`welyb_portal/settings/accounts.py`; why so: README.md, « Login throttling ».
"""

import hashlib

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_ip_address
from axes.signals import user_locked_out
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver

from .models.user import normalize_email
from .services.logins import login_lock_record

# The length of axes' `username` column.
_KEY_MAX_LENGTH = 255


def _email_in(request, credentials: dict | None) -> str:
    """The address of a login attempt: `email` for the API, `username` for the login forms."""
    credentials = credentials or {}
    email = credentials.get("email") or credentials.get("username")
    if email is None and getattr(request, "method", None) == "POST":
        email = request.POST.get("username")
    return normalize_email(email) if isinstance(email, str) else ""


def login_throttle_key(request, credentials: dict | None = None) -> str:
    """The key axes counts failures under: `<cabinet slug>:<address>`, or
    `platform:<address>` on the platform's own host.

    Failures count per address and per cabinet: a lock on one cabinet leaves the same address
    free on another, and other addresses free on this one. The address is normalised as the
    login normalises it, so that "Marie@Exemple.fr" and "marie@exemple.fr" share a counter.
    """
    cabinet = getattr(request, "cabinet", None)
    scope = cabinet.slug if cabinet is not None else "platform"
    key = f"{scope}:{_email_in(request, credentials)}"
    if len(key) > _KEY_MAX_LENGTH:
        # Only an absurdly long address gets here: cut it, and keep it apart from its cousins.
        digest = hashlib.sha256(key.encode()).hexdigest()
        key = f"{key[: _KEY_MAX_LENGTH - len(digest) - 1]}#{digest}"
    return key


def client_ip(request) -> str | None:
    """The client's IP address, read as axes reads it (AXES_CLIENT_IP_CALLABLE when set, else
    REMOTE_ADDR), so that every throttle of the portal sees the same client."""
    return get_client_ip_address(request) or None


def login_attempt_allowed(request, *, email: str) -> bool:
    """Whether a login of `email` may be tried now on this request's cabinet: false while the
    address is locked. For the steps that follow the password (the two-factor code), which
    axes' backend does not see."""
    return AxesProxyHandler.is_allowed(request, {"username": email})


def login_failure_record(request, *, email: str) -> None:
    """Counts a failed login of `email` (a wrong two-factor code) as a wrong password counts:
    at LOGIN_FAILURE_LIMIT the address is locked, and AxesMiddleware answers with the lock."""
    user_login_failed.send(sender=__name__, credentials={"username": email}, request=request)


def login_failures_forget(request, *, email: str) -> None:
    """Lifts the lock of `email` on this cabinet, as a successful login does: for a new password
    chosen from a reset link, when the login still waits for the two-factor code. (The app's
    own back-off after wrong codes stays.)"""
    AxesProxyHandler.reset_attempts(username=login_throttle_key(request, {"username": email}))


@receiver(user_locked_out, dispatch_uid="tenancy.login_locked_audit")
def _audit_the_lock(sender, request, username, ip_address, **kwargs):
    # Axes sends this signal for the failure that reaches the limit, then again for each attempt
    # it refuses while the lock lasts. Only the former counted a failure in this request.
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    login_lock_record(
        cabinet=getattr(request, "cabinet", None),
        email=_email_in(request, getattr(request, "axes_credentials", None)),
        ip_address=ip_address,
        failures=request.axes_failures_since_start,
    )
