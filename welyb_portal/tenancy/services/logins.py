from django.conf import settings

from ..models import AuditEntry, Cabinet
from .audit import audit_record


def login_lock_record(
    *, cabinet: Cabinet | None, email: str, ip_address: str | None, failures: int
) -> AuditEntry:
    """Writes "login.locked" in the audit trail: logins for `email` on this cabinet (None: the
    platform's own host) are refused for LOGIN_LOCK_MINUTES after `failures` failed attempts.

    Written whether the address has an account or not, with no actor: nobody is logged in."""
    return audit_record(
        cabinet=cabinet,
        actor=None,
        action="login.locked",
        data={
            "email": email,
            "ip_address": ip_address,
            "failures": failures,
            "minutes": settings.LOGIN_LOCK_MINUTES,
        },
    )
