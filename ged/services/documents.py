from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import User

from ..models import Document, Folder
from ..names import document_rename_clean, extension_of
from ..signals import document_moved, documents_trashed
from .document_changes import document_change_check, document_move_check


@transaction.atomic
def document_rename(*, document: Document, name: str, by: User | None) -> Document:
    """Renames a document (its extension follows the new name). A client may rename only what
    it deposited and nothing of which was sent: PermissionDenied with the reason otherwise."""
    document_change_check(document=document, by=by)
    document.name = document_rename_clean(name)
    document.extension = extension_of(document.name)
    document.save(update_fields=["name", "extension"])
    return document


@transaction.atomic
def document_move(*, document: Document, folder: Folder, by: User | None) -> Document:
    """Moves a document to another folder of its company; announced with `document_moved`.
    Staff only: PermissionDenied for a client."""
    document_move_check(by=by)
    if folder.company_id != document.company_id or folder.trashed_at is not None:
        raise ValidationError({"folder": [_("Dossier de destination introuvable.")]})
    if folder.pk == document.folder_id:
        return document
    from_folder = document.folder
    document.folder = folder
    document.save(update_fields=["folder"])
    document_moved.send(sender=Document, document=document, from_folder=from_folder, by=by)
    return document


@transaction.atomic
def document_trash(*, document: Document, by: User | None) -> Document:
    """To the trash, from which `document_restore` brings it back; announced with
    `documents_trashed`. A client may trash only what it deposited and nothing of which was
    sent: PermissionDenied with the reason otherwise."""
    if document.trashed_at is None:
        document_change_check(document=document, by=by)
        document.trashed_at = timezone.now()
        document.trashed_by = by
        document.save(update_fields=["trashed_at", "trashed_by"])
        documents_trashed.send(
            sender=Document, company=document.company, document_ids=[document.pk], by=by
        )
    return document


@transaction.atomic
def document_restore(*, document: Document, by: User) -> Document:
    """Brings a document back from the trash into its folder, if the folder is not trashed."""
    if document.trashed_at is None:
        return document
    trash_root = document.trash_root  # no query when it has none
    if trash_root is not None:
        raise ValidationError(
            _("Ce document est parti avec le dossier « %(name)s » : restaurez ce dossier.")
            % {"name": trash_root.name}
        )
    if document.folder.trashed_at is not None:
        # Name the folder the trash list shows: the one this folder left with.
        blocking = document.folder.trash_root or document.folder
        raise ValidationError(
            _("Restaurez d'abord le dossier « %(name)s ».") % {"name": blocking.name}
        )
    document.trashed_at = None
    document.trashed_by = None
    document.save(update_fields=["trashed_at", "trashed_by"])
    return document


def document_status_set(*, document: Document, status: str) -> Document:
    """ "À traiter" or "Validé", as the apps built on the GED judge it (a document reached the
    accounting tool, or not)."""
    if document.status != status:
        Document.objects.filter(pk=document.pk).update(status=status)
        document.status = status
    return document
