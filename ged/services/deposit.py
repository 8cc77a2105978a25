import logging
import uuid
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import User
from welyb_portal.tenancy.services.audit import audit_record

from ..hashing import HashingFile
from ..models import Channel, Document, Folder
from ..names import document_name_clean, extension_of
from ..selectors import folder_path_name
from ..signals import document_deposited
from ..sniffing import HEAD_BYTES, sniff_content_type

logger = logging.getLogger(__name__)


MEBIBYTE = 1024 * 1024


def document_too_large() -> ValidationError:
    """The refusal of a file over DOCUMENT_MAX_MB, whoever finds it too large."""
    return ValidationError(
        {
            "file": [
                _("Fichier trop volumineux (%(mb)s Mo maximum)") % {"mb": settings.DOCUMENT_MAX_MB}
            ]
        }
    )


def _file_size(file: IO[bytes]) -> int:
    size = getattr(file, "size", None)
    if size is None:
        position = file.tell()
        size = file.seek(0, 2)
        file.seek(position)
    return size


def deposit_check(*, folder: Folder, file: IO[bytes] | None) -> int:
    """The refusals of `document_deposit`, without storing anything; returns the file's size.
    For forms that want to show them next to their field."""
    if file is None:
        raise ValidationError({"file": [_("Aucun fichier reçu.")]})
    if folder.trashed_at is not None:
        raise ValidationError({"folder": [_("Ce dossier est dans la corbeille.")]})
    size = _file_size(file)
    if size == 0:
        raise ValidationError({"file": [_("Le fichier est vide.")]})
    if size > settings.DOCUMENT_MAX_MB * MEBIBYTE:
        raise document_too_large()
    return size


def _deposit_audit(*, document: Document, by: User | None) -> None:
    """The deposit's entry of the audit trail, with the names as they were: the folder's whole
    path (no query for a folder at the company's root, one whatever the depth below it)."""
    folder = document.folder
    audit_record(
        cabinet=None,
        cabinet_id=document.company.cabinet_id,
        actor=by,
        action="document.deposited",
        target=document,
        data={
            "company_id": document.company_id,
            "company": document.company.name,
            "folder_id": folder.pk,
            "folder": folder_path_name(folder=folder),
            "channel": document.channel,
            # In the words of the time, so that the trail reads without the GED's code.
            "channel_label": str(document.get_channel_display()),
        },
    )


def document_deposit(
    *,
    folder: Folder,
    file: IO[bytes],
    by: User | None,
    channel: str,
    name: str | None = None,
) -> Document:
    """Puts a file into a folder: the only way a document enters the GED, for every channel.

    The file (an upload on disk, or any seekable file object) is streamed to private storage
    while its sha256 is computed; its type is sniffed from its first bytes; its name is cleaned
    (`name`, or the file's own). The same bytes already in the company mark the new document as
    a possible duplicate of the first one. The deposit is recorded in the audit trail (who,
    which document, which folder, which channel) and announced (`document_deposited`), inside
    the transaction that creates the document.

    Refused with a ValidationError (field "file" or "folder"), storing nothing: no file, an
    empty file, a file over DOCUMENT_MAX_MB, a folder in the trash, an unknown channel.
    """
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    size = deposit_check(folder=folder, file=file)
    clean_name = document_name_clean(name if name is not None else getattr(file, "name", ""))
    file.seek(0)
    content_type = sniff_content_type(file.read(HEAD_BYTES))
    file.seek(0)

    reader = HashingFile(file, name=clean_name)
    key = default_storage.save(f"documents/{folder.company_id}/{uuid.uuid4().hex}", reader)
    try:
        sha256 = reader.hexdigest()
        with transaction.atomic():
            # The first document of the company with these bytes, kept ones first: a kept one
            # makes the new one its duplicate; one in the trash only says they are not new.
            earlier = (
                Document.objects.filter(company_id=folder.company_id, sha256=sha256)
                .order_by(F("trashed_at").asc(nulls_first=True), "deposited_at", "id")
                .values_list("pk", "trashed_at")
                .first()
            )
            duplicate_of = earlier[0] if earlier is not None and earlier[1] is None else None
            document = Document.objects.create(
                company=folder.company,
                cabinet_id=folder.company.cabinet_id,
                folder=folder,
                file=key,
                name=clean_name,
                extension=extension_of(clean_name),
                size=size,
                sha256=sha256,
                content_type=content_type,
                channel=channel,
                deposited_by=by if by is not None and by.pk else None,
                duplicate_of_id=duplicate_of,
            )
            _deposit_audit(document=document, by=by)
            document_deposited.send(
                sender=Document, document=document, by=by, first_of_its_bytes=earlier is None
            )
    except BaseException:
        # Nothing half-written: the row rolled back, the bytes go too.
        default_storage.delete(key)
        raise
    logger.info(
        "document %s deposited in folder %s by %s (%s, %s bytes)",
        document.pk,
        folder.pk,
        by.pk if by else None,
        channel,
        size,
    )
    return document
