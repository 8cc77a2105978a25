"""Validation of the identifiers users type or send: SIREN, colours, sub-domains, domains, the
ids of a request."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_DOMAIN_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Database ids are positive bigints (PostgreSQL's bigserial, SQLite's INTEGER).
MAX_ID = 2**63 - 1

# Sub-domains that a cabinet may not take: they name the platform's own services.
RESERVED_SLUGS = frozenset(
    {
        "www",
        "admin",
        "api",
        "app",
        "static",
        "media",
        "mail",
        "smtp",
        "inbound",
        "anymail",
        "support",
        "status",
        "platform",
        "portail",
        "welyb",
    }
)


def normalize_siren(value: str) -> str:
    """A SIREN as typed ("123 456 789") reduced to its nine digits."""
    return re.sub(r"[\s.\-]", "", value or "")


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def validate_siren(value: str) -> None:
    siren = normalize_siren(value)
    if not re.fullmatch(r"\d{9}", siren):
        raise ValidationError(_("Le SIREN compte 9 chiffres."), code="siren_format")
    if not luhn_is_valid(siren):
        raise ValidationError(
            _("Ce SIREN n'est pas valide (clé de contrôle incorrecte)."), code="siren_key"
        )


def validate_hex_color(value: str) -> None:
    if not _HEX_COLOR.match(value or ""):
        raise ValidationError(
            _("Couleur attendue au format #RRGGBB, par exemple #1f4e79."), code="color"
        )


def validate_cabinet_slug(value: str) -> None:
    if not _SLUG.match(value or ""):
        raise ValidationError(
            _(
                "Sous-domaine invalide : lettres minuscules, chiffres et tirets, "
                "63 caractères au plus."
            ),
            code="slug",
        )
    if value in RESERVED_SLUGS:
        raise ValidationError(_("Ce sous-domaine est réservé."), code="slug_reserved")


def validate_domain(value: str) -> None:
    labels = (value or "").split(".")
    if len(value) > 253 or len(labels) < 2 or not all(_DOMAIN_LABEL.match(x) for x in labels):
        raise ValidationError(_("Nom de domaine invalide."), code="domain")


def search_text(query: str | None) -> str:
    """A search typed in a box or a query string, without control characters (PostgreSQL
    refuses NUL in text parameters) and without surrounding spaces."""
    return _CONTROL.sub("", query or "").strip()


def validate_no_control_characters(value: str) -> None:
    if _CONTROL.search(value or ""):
        raise ValidationError(_("Caractères de contrôle interdits."), code="control")


def request_id(value) -> int | None:
    """The id a request names (in its path, query string, form or JSON), or None when the value
    cannot be one: a positive integer up to MAX_ID, or a string of ASCII digits only.

    `int()` alone takes too much, and `str.isdigit()` guards it badly: `int()` reads other
    scripts' digits ("٣" is 3), signs, spaces and underscores ("+1", " 1", "1_0"), while
    `isdigit()` also says yes to "²", which `int()` then refuses; and a number past MAX_ID is
    no id, which SQLite cannot even compare with one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not (value.isascii() and value.isdigit() and len(value) <= len(str(MAX_ID))):
            return None
        value = int(value)
    if isinstance(value, int) and 0 < value <= MAX_ID:
        return value
    return None
