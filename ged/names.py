"""Cleaning of the names users give to files and folders."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

DOCUMENT_NAME_MAX_LENGTH = 200
FOLDER_NAME_MAX_LENGTH = 100
EXTENSION_MAX_LENGTH = 16
FALLBACK_DOCUMENT_NAME = "document"


_LINE_BREAKS = "\t\n\r\x0b\x0c"


def _visible(text: str) -> str:
    """NFC, without control or format characters (NUL, right-to-left overrides...: removed;
    tabs and line breaks: spaces), with runs of spaces collapsed."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(
        " " if ch in _LINE_BREAKS else ch
        for ch in text
        if ch in _LINE_BREAKS or unicodedata.category(ch)[0] != "C"
    )
    return " ".join(text.split())


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > EXTENSION_MAX_LENGTH:
        return ""
    return extension.lower()


def document_name_clean(raw: str) -> str:
    """A file name as a depositor's system gave it, made safe to show and to send back.

    Path components are stripped ("../../etc/passwd" is "passwd", "..\\x.pdf" is "x.pdf"),
    control characters removed, Unicode normalised (NFC), leading dots and spaces dropped, and
    the length limited while keeping the extension."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _visible(name).lstrip(". ").rstrip(" ")
    if not name:
        return FALLBACK_DOCUMENT_NAME
    if len(name) > DOCUMENT_NAME_MAX_LENGTH:
        extension = extension_of(name)
        if extension:
            # As the depositor wrote it ("FACTURE.PDF"): extension_of() lower-cases it.
            extension = name[-len(extension) :]
            stem = name[: -(len(extension) + 1)]
            name = f"{stem[: DOCUMENT_NAME_MAX_LENGTH - len(extension) - 1].rstrip()}.{extension}"
        else:
            name = name[:DOCUMENT_NAME_MAX_LENGTH]
    return name


def folder_name_clean(raw: str) -> str:
    """A folder name as typed, or ValidationError with the French reason."""
    name = _visible(raw)
    if not name:
        raise ValidationError({"name": [_("Donnez un nom au dossier.")]})
    if "/" in name or "\\" in name:
        raise ValidationError(
            {"name": [_("Le nom d'un dossier ne peut pas contenir « / » ni « \\ ».")]}
        )
    if name in (".", ".."):
        raise ValidationError({"name": [_("Ce nom de dossier n'est pas permis.")]})
    if len(name) > FOLDER_NAME_MAX_LENGTH:
        raise ValidationError(
            {
                "name": [
                    _("Nom trop long (%(max)s caractères au plus).")
                    % {"max": FOLDER_NAME_MAX_LENGTH}
                ]
            }
        )
    return name


def document_rename_clean(raw: str) -> str:
    """A new name typed by staff: the same cleaning as a deposit, but an empty name is refused."""
    if not _visible(raw).strip(". "):
        raise ValidationError({"name": [_("Donnez un nom au document.")]})
    return document_name_clean(raw)
