"""A company leaves its cabinet (RGPD): its documents, files and rows go, its clients lose
access, the cabinet's trail keeps that it happened."""

from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Company, User
from welyb_portal.tenancy.services.companies import company_remove
from welyb_portal.tenancy.services.notifications import notifications_delete

from ..models import Document, Folder, InboundEmail
from ..selectors_offboarding import offboarding_state
from .inbound_receiving import inbound_notification_key
from .purge import documents_purge, stored_files_delete


def export_missing_refusal() -> ValidationError:
    return ValidationError(
        _(
            "Exportez d'abord les documents de l'entreprise : aucun export n'a été fait depuis "
            "son dernier dépôt."
        )
    )


def offboarding_check(*, company: Company, by: User, confirmation: str) -> None:
    """The refusals of `company_offboard`, deleting nothing."""
    if not (by.is_cabinet_admin and by.cabinet_id == company.cabinet_id):
        raise PermissionDenied(
            _("Seul un administrateur du cabinet peut supprimer une entreprise.")
        )
    if offboarding_state(company=company).export_missing:
        raise export_missing_refusal()
    if (confirmation or "").strip() != company.name:
        raise ValidationError(
            {"confirmation": [_("Le nom saisi n'est pas exactement celui de l'entreprise.")]}
        )


def company_offboard(*, company: Company, by: User, confirmation: str) -> dict:
    """Deletes a company and everything of it, for good: its documents (those in the trash
    too) with their stored files, its folders, deposit-by-email addresses and rules, received
    emails (held messages' files included), and, through `documents_purging` and the
    cascades, the other apps' rows (deliveries, authorisations, automations) and the
    notifications that name them. Its clients of no other company are deactivated and their
    API tokens deleted; the others keep their other companies. Recorded as
    `company.offboarded` (name, SIREN, counts) and `documents.purged` (counts).

    Refused, deleting nothing: PermissionDenied unless `by` is an admin of the company's
    cabinet; ValidationError when documents were deposited since the company's last export
    (`company.exported` in the trail), or when `confirmation` is not the company's exact name
    (field "confirmation"). One transaction: the files go once it commits, and a file storage
    fails to delete is logged, its row gone anyway. Returns the audit entry's data.
    """
    with transaction.atomic():
        # Locked, and checked again under the lock: two admins confirming at once remove once.
        locked = Company.objects.select_for_update().filter(pk=company.pk).first()
        if locked is None:
            raise ValidationError(_("Cette entreprise a déjà été supprimée."))
        company = locked
        offboarding_check(company=company, by=by, confirmation=confirmation)
        emails = list(InboundEmail.objects.filter(company=company).values_list("pk", "held_file"))
        held_files = [name for _pk, name in emails if name]
        notifications_delete(
            cabinet_id=company.cabinet_id,
            keys=[inbound_notification_key(pk) for pk, _name in emails],
        )
        counts = documents_purge(
            documents=Document.objects.filter(company=company),
            folders=Folder.objects.filter(company=company, parent__isnull=True),
            by=by,
            reason="company_offboarded",
        )
        entry = company_remove(
            company=company,
            by=by,
            data={"documents": counts.documents, "bytes": counts.bytes, "folders": counts.folders},
        )
        transaction.on_commit(partial(stored_files_delete, held_files))
    return entry
