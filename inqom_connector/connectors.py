"""The four Inqom connectors: one collection address per kind of document.

Inqom gives each company four addresses (Paramètres › Emails d'envoi):
achat.<nom>@inqombox.com, vente.<nom>@…, ndf.<nom>@… and admin.<nom>@…
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ged.models import Document
from partner_apps.attachments import Attachment
from partner_apps.connectors import Connector, SenderSetup
from partner_apps.email_delivery import email_deliver, email_message_id
from partner_apps.models import Delivery, ReasonCode
from partner_apps.refusals import Refusal

INQOM_DOMAIN = "inqombox.com"
ADDRESS_MAX_LENGTH = 254
LOCAL_PART_MAX_LENGTH = 64
_NAME = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")
_SEPARATORS = re.compile(r"[\s,;<>\"']")


# What Inqom accepts, by extension, and what the first bytes of such a file may be. Office
# files of 2007+ are zip archives: filetype names them, or only sees the zip.
ACCEPTED_TYPES = {
    "pdf": {"application/pdf"},
    "png": {"image/png"},
    "jpg": {"image/jpeg"},
    "jpeg": {"image/jpeg"},
    "xls": {"application/vnd.ms-excel", "application/x-ole-storage"},
    "doc": {"application/msword", "application/x-ole-storage"},
    "xlsx": {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/zip",
    },
    "docx": {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/zip",
    },
    "txt": {"text/plain"},
    "csv": {"text/plain"},
}
ACCEPTED_LIST = ".pdf, .png, .jpg, .jpeg, .xls, .xlsx, .doc, .docx, .txt, .csv"
# Phone photos and scans Inqom refuses as they are: the portal sends them converted (a JPEG, or
# a PDF for a multi-page TIFF).
CONVERTED_TYPES = frozenset({"image/heic", "image/heif", "image/avif", "image/webp", "image/tiff"})
# What a depositor may be asked to send instead, in words that name no tool.
DEPOSIT_INSTEAD = (
    "un PDF, une photo (JPEG, PNG ou HEIC) ou un fichier Excel, Word, texte (.txt) ou CSV"
)


class InqomConnector(Connector):
    partner = "inqom"
    converted_types = CONVERTED_TYPES

    def __init__(
        self, *, key: str, prefix: str, label: str, folder_label: str, folder_names: tuple[str, ...]
    ):
        self.key, self.prefix, self.label = key, prefix, label
        self.folder_label, self.folder_names = folder_label, folder_names

    def __repr__(self) -> str:
        return f"InqomConnector({self.key!r})"

    def address_example(self) -> str:
        return f"{self.prefix}.<nom>@{INQOM_DOMAIN}"

    def _refuse(self, reason: str) -> ValidationError:
        return ValidationError(
            _("%(reason)s Adresse attendue : %(example)s")
            % {"reason": reason, "example": self.address_example()},
            code="collection_email",
        )

    def address_clean(self, raw: str) -> str:
        value = (raw or "").strip()
        if not value:
            raise self._refuse(_("Indiquez l'adresse de collecte."))
        if _SEPARATORS.search(value) or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
            raise self._refuse(_("Une seule adresse, sans espace, virgule ni retour à la ligne."))
        if not value.isascii():
            raise self._refuse(
                _("L'adresse contient des caractères accentués ou qui imitent des lettres latines.")
            )
        value = value.lower()
        if len(value) > ADDRESS_MAX_LENGTH:
            raise self._refuse(_("Adresse trop longue."))
        if value.count("@") != 1:
            raise self._refuse(_("Ce n'est pas une adresse email."))
        local, domain = value.split("@")
        if domain != INQOM_DOMAIN:
            raise self._refuse(
                _("Les adresses de collecte Inqom se terminent par @%(domain)s.")
                % {"domain": INQOM_DOMAIN}
            )
        prefix, _dot, name = local.partition(".")
        if prefix != self.prefix:
            other = next((c for c in INQOM_CONNECTORS if c.prefix == prefix), None)
            if other is not None:
                raise self._refuse(
                    _("C'est une adresse « %(prefix)s. », celle d'Inqom %(label)s.")
                    % {"prefix": other.prefix, "label": other.label}
                )
            raise self._refuse(
                _("Pour Inqom %(label)s, l'adresse commence par « %(prefix)s. ».")
                % {"label": self.label, "prefix": self.prefix}
            )
        if len(local) > LOCAL_PART_MAX_LENGTH:
            raise self._refuse(_("Adresse trop longue."))
        if not _NAME.match(name):
            raise self._refuse(
                _(
                    "Le nom de l'entreprise dans l'adresse ne contient que des lettres, des "
                    "chiffres, « - », « _ » et « . »."
                )
            )
        return value

    def company_name_of(self, address: str) -> str | None:
        local, _at, domain = (address or "").lower().partition("@")
        prefix, _dot, name = local.partition(".")
        if domain != INQOM_DOMAIN or prefix != self.prefix or not _NAME.match(name):
            return None
        return name

    def address_for(self, company_name: str) -> str:
        return f"{self.prefix}.{company_name}@{INQOM_DOMAIN}"

    def document_refusal(self, document: Document) -> Refusal | None:
        if document.content_type in self.converted_types:
            # Judged on the JPEG or PDF made at send time (attachment_refusal).
            return None
        name, extension = document.name, document.extension
        expected = ACCEPTED_TYPES.get(extension)
        if expected is None:
            shown = f".{extension}" if extension else _("sans extension")
            return Refusal(
                ReasonCode.FORMAT_NOT_ACCEPTED,
                _("Format non accepté par Inqom (%(ext)s) : %(list)s seulement.")
                % {"ext": shown, "list": ACCEPTED_LIST},
                _(
                    "« %(name)s » ne pourra pas être traité par le cabinet : ce format "
                    "(%(ext)s) n'est pas pris en charge. Déposez plutôt %(instead)s."
                )
                % {"name": name, "ext": shown, "instead": DEPOSIT_INSTEAD},
            )
        if document.content_type not in expected:
            return Refusal(
                ReasonCode.CONTENT_MISMATCH,
                _(
                    "Le contenu du fichier ne correspond pas à son extension .%(ext)s (contenu "
                    "détecté : %(type)s) : Inqom le refuserait."
                )
                % {"ext": extension, "type": document.content_type},
                _(
                    "Le contenu de « %(name)s » ne correspond pas à son extension (.%(ext)s) : "
                    "le cabinet ne pourra pas le traiter. Enregistrez-le de nouveau dans son "
                    "vrai format, ou déposez plutôt %(instead)s."
                )
                % {"name": name, "ext": extension, "instead": DEPOSIT_INSTEAD},
            )
        return self.attachment_refusal(
            name=name, content_type=document.content_type, size=document.size
        )

    def attachment_refusal(self, *, name: str, content_type: str, size: int) -> Refusal | None:
        limit = settings.INQOM_MAX_ATTACHMENT_MB
        if size <= limit * 1024 * 1024:
            return None
        return Refusal(
            ReasonCode.TOO_LARGE,
            _("Fichier trop volumineux pour Inqom (%(mb)s Mo maximum).") % {"mb": limit},
            _(
                "« %(name)s » dépasse %(mb)s Mo : le cabinet ne pourra pas le traiter. Déposez-le "
                "en plusieurs fichiers plus petits."
            )
            % {"name": name, "mb": limit},
        )

    def folder_matches(self, folder_name: str) -> bool:
        name = folder_name.casefold()
        return any(expected.casefold() in name for expected in self.folder_names)

    def message_id_new(self) -> str:
        return email_message_id(settings.INQOM_SENDER_EMAIL)

    def send(self, delivery: Delivery, attachment: Attachment) -> str:
        from .emails import inqom_email

        return email_deliver(inqom_email(delivery, attachment), message_id=delivery.message_id)

    def bounce_message(self) -> str:
        return _(
            "Inqom a refusé l'envoi : vérifiez que %(sender)s est autorisée dans Inqom › "
            "Paramètres › Emails d'envoi"
        ) % {"sender": settings.INQOM_SENDER_EMAIL}

    def sender_setup(self) -> SenderSetup:
        return {
            "partner": "Inqom",
            "sender": settings.INQOM_SENDER_EMAIL,
            "where": "Paramètres › Emails d'envoi",
        }


INQOM_CONNECTORS = (
    InqomConnector(
        key="inqom-achats",
        prefix="achat",
        label="Achats",
        folder_label="Achats",
        folder_names=("achat",),
    ),
    InqomConnector(
        key="inqom-ventes",
        prefix="vente",
        label="Ventes",
        folder_label="Ventes",
        folder_names=("vente",),
    ),
    InqomConnector(
        key="inqom-ndf",
        prefix="ndf",
        label="NDF",
        folder_label="Notes de frais",
        folder_names=("note", "frais", "ndf"),
    ),
    InqomConnector(
        key="inqom-administratif",
        prefix="admin",
        label="Administratif",
        folder_label="Administratif",
        folder_names=("admin", "juridique", "contrat", "legal", "statut"),
    ),
)
