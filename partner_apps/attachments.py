"""What a delivery attaches: the document as deposited, or, for a type its connector takes only
once converted (a HEIC photo), the GED's rendition of it (a JPEG). The GED keeps the original;
the conversion is the GED's (ged.renditions), chosen here for any connector at send time."""

import logging
import mimetypes
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from ged.renditions import ImageTooLarge, UnreadableFile, document_rendition

from .connectors import Connector, PermanentDeliveryError
from .models import Delivery
from .refusals import Refusal, unreadable_refusal

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    content: bytes
    # The portal converted the document: the delivery records what was sent (`sent_as`).
    converted: bool = False

    @property
    def sent_as(self) -> dict | None:
        return {"name": self.name, "content_type": self.content_type} if self.converted else None


class AttachmentRefused(Exception):
    """The attachment cannot be made, or its connector refuses it once made."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.reason)
        self.refusal = refusal


def _lost(document) -> PermanentDeliveryError:
    logger.error("document %s: its file %s is missing from storage", document.pk, document.file)
    return PermanentDeliveryError(
        _("Le fichier du document est introuvable dans le stockage : contactez le support."),
        detail="file missing",
    )


def delivery_attachment(*, delivery: Delivery, connector: Connector) -> Attachment:
    """The file to send for this delivery. Raises AttachmentRefused (unreadable file, or a
    conversion the connector refuses, too large for instance), PermanentDeliveryError when the
    stored file is gone."""
    document = delivery.document
    if document.content_type not in connector.converted_types:
        try:
            with default_storage.open(document.file.name, "rb") as file:
                content = file.read()
        except FileNotFoundError:
            raise _lost(document) from None
        # Named by its extension, as the partner will judge it; else by what was sniffed.
        content_type = mimetypes.guess_type(document.name)[0] or document.content_type
        return Attachment(name=document.name, content_type=content_type, content=content)
    try:
        rendition = document_rendition(document=document)
    except FileNotFoundError:
        raise _lost(document) from None
    except UnreadableFile as error:
        # Whatever the decoder said stays in the logs: the depositor's words are the same.
        logger.warning("document %s could not be converted: %s", document.pk, error, exc_info=True)
        too_large = error.message if isinstance(error, ImageTooLarge) else ""
        refusal = unreadable_refusal(name=document.name, too_large=too_large)
        raise AttachmentRefused(refusal) from error
    # Named as the depositor knows it, in the notice they may be sent.
    refusal = connector.attachment_refusal(
        name=document.name, content_type=rendition.content_type, size=len(rendition.content)
    )
    if refusal is not None:
        raise AttachmentRefused(refusal)
    return Attachment(
        name=rendition.name,
        content_type=rendition.content_type,
        content=rendition.content,
        converted=True,
    )
