"""Two-factor authentication of cabinet staff: an authenticator app (TOTP, django-otp's
otp_totp) and ten recovery codes (otp_static), enabled by the person, required by the cabinet.

Codes are checked by django-otp's devices, which keep what makes them safe: a TOTP code is
accepted once (the time step of the last one is kept), a recovery code is deleted when used,
and each device backs off after a wrong code (1 s, 2 s, 4 s… see OTP_TOTP_THROTTLE_FACTOR).
The callers count wrong codes as failed logins too (django-axes, see throttling.py).
"""

import math
import re
import time
from binascii import Error as BinasciiError
from binascii import unhexlify

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from ..models import Cabinet, User
from ..plurals import nplural
from ..selectors import two_factor_enabled
from .audit import audit_record

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Application d'authentification"
RECOVERY_DEVICE_NAME = "Codes de secours"
# What an authenticator app shows; anything else is taken for a recovery code.
TOTP_CODE = re.compile(r"[0-9]{6}")
# Separators people type or copy with a code: "123 456", "abcd-efgh".
_SEPARATORS = re.compile(r"[\s-]+")


def two_factor_key_new() -> str:
    """A new TOTP secret: 20 random bytes, hex-encoded, as django-otp stores it."""
    return random_hex(20)


def _clean(code: str | None) -> str:
    return _SEPARATORS.sub("", code or "").lower()


def _totp_match(*, key: str, code: str) -> TOTP | None:
    """The TOTP of `key` that `code` matches now (one step of drift either way), or None."""
    if not TOTP_CODE.fullmatch(code):
        return None
    try:
        totp = TOTP(unhexlify(key), step=30, t0=0, digits=6, drift=0)
    except (BinasciiError, ValueError):
        return None
    totp.time = time.time()
    return totp if totp.verify(int(code), tolerance=1) else None


def _invalid() -> ValidationError:
    return ValidationError(_("Code de double authentification invalide."), "invalid")


def _throttled(data: dict) -> ValidationError:
    seconds = max(1, math.ceil((data["locked_until"] - timezone.now()).total_seconds()))
    message = nplural(
        "Trop de codes erronés : réessayez dans %(seconds)d seconde.",
        "Trop de codes erronés : réessayez dans %(seconds)d secondes.",
        seconds,
    ) % {"seconds": seconds}
    return ValidationError(message, code="throttled")


def two_factor_verify(*, user: User, code: str | None) -> Device:
    """Checks a code of the person's authenticator app (6 digits) or one of their recovery
    codes, and returns the device that accepted it. A recovery code then stops working, and its
    use is written in the audit trail.

    Refusals, as a ValidationError whose `code` says which: "required" (no code),
    "not_enrolled" (the person has no authenticator app), "throttled" (too soon after a wrong
    code: the device backs off), "invalid" (a wrong, used or expired code). A wrong code is
    counted by the device even though the error is raised.
    """
    code = _clean(code)
    if not code:
        raise ValidationError(_("Code de double authentification requis."), code="required")
    error: ValidationError | None = None
    # The devices are locked so that one code cannot be accepted twice by parallel requests;
    # the refusal is raised after the transaction, which keeps the device's failure count.
    with transaction.atomic():
        app = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        device: TOTPDevice | StaticDevice | None = app
        if app is not None and not TOTP_CODE.fullmatch(code):
            device = (
                StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
        if app is None:
            error = ValidationError(
                _("La double authentification n'est pas activée pour ce compte."),
                code="not_enrolled",
            )
        elif device is None:
            error = _invalid()
        else:
            allowed, data = device.verify_is_allowed()
            if not allowed:
                error = _throttled(data)
            elif not device.verify_token(code):
                error = _invalid()
            elif isinstance(device, StaticDevice):
                audit_record(
                    cabinet=user.cabinet,
                    actor=user,
                    action="two_factor.recovery_code_used",
                    target=user,
                    data={"remaining": device.token_set.count()},
                )
    if error is not None:
        raise error
    if device is None:  # no device is a refusal above
        raise _invalid()
    return device


def _recovery_codes_replace(*, user: User) -> list[str]:
    device = StaticDevice.objects.filter(user=user).first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    device.token_set.all().delete()
    device.throttle_reset()
    codes: set[str] = set()
    while len(codes) < RECOVERY_CODE_COUNT:
        codes.add(StaticToken.random_token())
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return sorted(codes)


def _devices_delete(*, user: User) -> int:
    deleted, _by_model = TOTPDevice.objects.filter(user=user).delete()
    static, _by_model = StaticDevice.objects.filter(user=user).delete()
    return deleted + static


def two_factor_enable(
    *, user: User, key: str, code: str | None, current_code: str | None = None
) -> tuple[TOTPDevice, list[str]]:
    """Turns on two-factor authentication for a member of the cabinet's staff, with the
    authenticator app that was given `key` (two_factor_key_new) and shows `code` now. Returns the
    app's device and ten new recovery codes, to be shown once.

    Someone who already has an app replaces it (a new phone): `current_code`, from the old app or
    a recovery code, must then be right too, and the old recovery codes stop working.
    Refusals (nothing changes): a client's account, a code that does not match the key, a wrong
    current code (see two_factor_verify).
    """
    if not user.is_cabinet_staff:
        raise ValidationError(_("La double authentification concerne l'équipe du cabinet."))
    totp = _totp_match(key=key, code=_clean(code))
    if totp is None:
        raise ValidationError(
            {
                "code": [
                    _(
                        "Ce code ne correspond pas : vérifiez que l'heure de votre téléphone est "
                        "exacte, puis saisissez le code affiché maintenant."
                    )
                ]
            }
        )
    replaced = two_factor_enabled(user=user)
    if replaced:
        try:
            two_factor_verify(user=user, code=current_code)
        except ValidationError as error:
            raise ValidationError({"current_code": error.messages}) from error
    with transaction.atomic():
        # One enrolment at a time per person: the second waits, then replaces the first.
        User.objects.select_for_update().filter(pk=user.pk).first()
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user,
            name=TOTP_DEVICE_NAME,
            key=key,
            confirmed=True,
            # The code just typed is used: it will not open a session.
            last_t=totp.t(),
            drift=totp.drift,
        )
        codes = _recovery_codes_replace(user=user)
        audit_record(
            cabinet=user.cabinet,
            actor=user,
            action="two_factor.enabled",
            target=user,
            data={"replaced": replaced},
        )
    return device, codes


def recovery_codes_regenerate(*, user: User, code: str | None) -> list[str]:
    """Ten new recovery codes, to be shown once; the old ones stop working. `code` (of the app,
    or a recovery code) proves the person is at the keyboard. Refusals: see two_factor_verify."""
    two_factor_verify(user=user, code=code)
    with transaction.atomic():
        codes = _recovery_codes_replace(user=user)
        audit_record(
            cabinet=user.cabinet,
            actor=user,
            action="two_factor.recovery_codes_regenerated",
            target=user,
        )
    return codes


def two_factor_disable(*, user: User, code: str | None) -> None:
    """Turns two-factor authentication off for the person: their app and recovery codes are
    forgotten. Refused while their cabinet requires it ("required_by_cabinet"), and without a
    right code (see two_factor_verify)."""
    if Cabinet.objects.filter(pk=user.member_cabinet_id, require_two_factor=True).exists():
        raise ValidationError(
            _("Votre cabinet exige la double authentification : elle ne peut pas être désactivée."),
            code="required_by_cabinet",
        )
    two_factor_verify(user=user, code=code)
    with transaction.atomic():
        _devices_delete(user=user)
        audit_record(cabinet=user.cabinet, actor=user, action="two_factor.disabled", target=user)


def two_factor_backoff_reset(*, user: User) -> None:
    """Lets the person's app and recovery codes take a code at once again, however many wrong
    ones came before: for a new password chosen from a reset link (someone who knew the old
    password could otherwise keep the owner out for days with wrong codes)."""
    for model in (TOTPDevice, StaticDevice):
        model.objects.filter(user=user).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )


@transaction.atomic
def two_factor_reset(*, user: User, by: User) -> bool:
    """Platform support takes away the app and the recovery codes of someone who lost both:
    they log in with their password alone, and enrol again if their cabinet requires it.
    Returns whether there was anything to take away (audited then)."""
    if not _devices_delete(user=user):
        return False
    audit_record(cabinet=user.cabinet, actor=by, action="two_factor.reset", target=user)
    return True


@transaction.atomic
def two_factor_requirement_set(*, cabinet: Cabinet, required: bool, by: User) -> Cabinet:
    """« Exiger la double authentification »: from the next request on, each admin and
    collaborator of the cabinet without an authenticator app is sent to enrol, and the API's
    token endpoint asks them for a code. Clients are not concerned. Audited when it changes."""
    old = cabinet.require_two_factor
    if old != required:
        cabinet.require_two_factor = required
        # Not updated_at: it versions the cabinet's stylesheet and logo, which did not change.
        cabinet.save(update_fields=["require_two_factor"])
        audit_record(
            cabinet=cabinet,
            actor=by,
            action="two_factor.requirement_changed",
            target=cabinet,
            data={"old": old, "new": required},
        )
    return cabinet
