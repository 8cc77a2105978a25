from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from ..models import Cabinet, User
from ..validators import validate_hex_color
from .audit import audit_record

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 4000
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


def _logo_extension(logo: UploadedFile) -> str:
    """The extension of an uploaded logo, judged by its bytes (Pillow), not by its name.

    SVG is refused: it can carry scripts, and the logo is shown on every page."""
    if len(logo) > LOGO_MAX_BYTES:  # its size; an upload always knows it
        raise ValidationError({"logo": [_("Logo trop volumineux (1 Mo maximum).")]})
    too_large = _("Image trop grande (%(side)s × %(side)s pixels maximum).") % {
        "side": LOGO_MAX_SIDE
    }
    try:
        with Image.open(logo) as image:
            image.verify()
            image_format = image.format
            width, height = image.size
    except Image.DecompressionBombError as error:
        # A few bytes declaring billions of pixels: every visitor's browser would decode them.
        raise ValidationError({"logo": [too_large]}) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            {"logo": [_("Ce fichier n'est pas une image PNG, JPEG ou WebP.")]}
        ) from error
    finally:
        logo.seek(0)
    if image_format not in LOGO_FORMATS:
        raise ValidationError({"logo": [_("Ce fichier n'est pas une image PNG, JPEG ou WebP.")]})
    if max(width, height) > LOGO_MAX_SIDE:
        raise ValidationError({"logo": [too_large]})
    return LOGO_FORMATS[image_format]


def _branding_of(cabinet: Cabinet) -> dict:
    return {
        "primary_color": cabinet.primary_color,
        "accent_color": cabinet.accent_color,
        "logo": cabinet.logo.name,
    }


@transaction.atomic
def branding_update(
    *,
    cabinet: Cabinet,
    primary_color: str,
    accent_color: str,
    by: User,
    logo: UploadedFile | None = None,
    remove_logo: bool = False,
) -> Cabinet:
    """Changes the colours and the logo shown on every page of the cabinet, login included.

    Colours are #RRGGBB; the logo a PNG, JPEG or WebP image of 1 MB at most. On a refusal
    nothing changes, neither in the database nor in the storage."""
    errors = {}
    for field, value in (("primary_color", primary_color), ("accent_color", accent_color)):
        try:
            validate_hex_color(value)
        except ValidationError as error:
            errors[field] = error.messages
    extension = None
    if logo is not None:
        try:
            extension = _logo_extension(logo)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)

    old = _branding_of(cabinet)
    cabinet.primary_color = primary_color.lower()
    cabinet.accent_color = accent_color.lower()
    if logo is not None:
        cabinet.logo.save(f"logo.{extension}", logo, save=False)
    elif remove_logo:
        cabinet.logo = ""
    try:
        cabinet.save(update_fields=["primary_color", "accent_color", "logo", "updated_at"])
        new = _branding_of(cabinet)
        if new != old:
            audit_record(
                cabinet=cabinet,
                actor=by,
                action="branding.changed",
                target=cabinet,
                data={"old": old, "new": new},
            )
    except Exception:
        if logo is not None:
            cabinet.logo.storage.delete(cabinet.logo.name)
        raise
    if old["logo"] and old["logo"] != cabinet.logo.name:
        storage, name = cabinet.logo.storage, old["logo"]
        # The old file goes only once the change is committed.
        transaction.on_commit(lambda: storage.delete(name))
    return cabinet
