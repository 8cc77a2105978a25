from django.conf import settings

from ..models import AuditEntry, Cabinet
from ..plurals import nplural
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


def login_lock_message(*, password_reset: bool) -> str:
    """What a locked login reads, the same whether the address has an account or not."""
    minutes = settings.LOGIN_LOCK_MINUTES
    if password_reset:
        message = nplural(
            "Trop de tentatives de connexion ont échoué : ce compte est temporairement "
            "bloqué. Réessayez dans %(minutes)d minute ou réinitialisez votre mot de passe.",
            "Trop de tentatives de connexion ont échoué : ce compte est temporairement "
            "bloqué. Réessayez dans %(minutes)d minutes ou réinitialisez votre mot de passe.",
            minutes,
        )
    else:
        message = nplural(
            "Trop de tentatives de connexion ont échoué : ce compte est temporairement "
            "bloqué. Réessayez dans %(minutes)d minute.",
            "Trop de tentatives de connexion ont échoué : ce compte est temporairement "
            "bloqué. Réessayez dans %(minutes)d minutes.",
            minutes,
        )
    return message % {"minutes": minutes}
