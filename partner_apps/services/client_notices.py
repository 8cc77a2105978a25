"""« Prévenir le client »: a file the partner refuses (its format, its size, unreadable) can
only be put right by whoever deposited it. Staff send them a prepared email, in the cabinet's
name and words that name no tool, saying what to deposit instead."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ged.selectors_inbound import document_depositor_email
from welyb_portal.tenancy.models import User
from welyb_portal.tenancy.services.audit import audit_record

from ..models import Delivery
from ..models.delivery import FILE_REFUSALS

SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 5000


@dataclass
class ClientNoticeDraft:
    to: str
    subject: str
    body: str


def client_notice_refusal(delivery: Delivery) -> str:
    """Why the depositor cannot be asked for another file here (French), or ""."""
    if delivery.reason_code not in FILE_REFUSALS or not delivery.notice:
        return _("Cet envoi ne demande pas d'autre fichier au client.")
    if not delivery.needs_action:
        return _("Cet envoi n'attend plus rien.")
    if not document_depositor_email(document=delivery.document):
        return _(
            "Ce document n'a pas été déposé par un client du portail : prévenez son auteur par "
            "vos moyens habituels."
        )
    return ""


def client_notice_draft(*, delivery: Delivery, by: User) -> ClientNoticeDraft:
    """The email proposed to the depositor: the notice of the refusal, where to deposit the
    right file, signed by the staff member in the cabinet's name."""
    document = delivery.document
    cabinet = delivery.company.cabinet
    folder_url = cabinet.absolute_url(reverse("ged:folder", args=[document.folder_id]))
    body = _(
        "Bonjour,\n\n"
        "%(notice)s\n\n"
        "Vous pouvez déposer le bon fichier dans le dossier « %(folder)s » de votre espace "
        "documentaire : %(url)s\n\n"
        "Cordialement,\n"
        "%(signature)s\n"
        "%(cabinet)s"
    ) % {
        "notice": delivery.notice,
        "folder": document.folder.name,
        "url": folder_url,
        "signature": by.display_name,
        "cabinet": cabinet.name,
    }
    return ClientNoticeDraft(
        to=document_depositor_email(document=document),
        subject=_("Document à déposer de nouveau : %(name)s") % {"name": document.name},
        body=body,
    )


def _clean(subject: str, body: str) -> tuple[str, str]:
    subject = " ".join((subject or "").split())
    body = (body or "").strip()
    errors = {}
    if not subject:
        errors["subject"] = [_("Indiquez l'objet de l'email.")]
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = [_("L'objet dépasse %(n)s caractères.") % {"n": SUBJECT_MAX_LENGTH}]
    if not body:
        errors["body"] = [_("Écrivez le message.")]
    elif len(body) > BODY_MAX_LENGTH:
        errors["body"] = [_("Le message dépasse %(n)s caractères.") % {"n": BODY_MAX_LENGTH}]
    if errors:
        raise ValidationError(errors)
    return subject, body


@transaction.atomic
def client_notice_send(*, delivery: Delivery, by: User, subject: str, body: str) -> Delivery:
    """Sends the depositor the email (edited or as prepared), once the transaction commits,
    replies going to the staff member; the delivery keeps the date (« Client prévenu le »).
    The delivery still needs action until the client's new file arrives, or staff ignore it.
    Refused (ValidationError) where there is nobody to write to, or nothing to ask for."""
    from ..tasks import send_client_notice

    delivery = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("document__folder", "document__deposited_by", "company__cabinet", "app")
        .get(pk=delivery.pk)
    )
    refusal = client_notice_refusal(delivery)
    if refusal:
        raise ValidationError(refusal)
    subject, body = _clean(subject, body)
    to = document_depositor_email(document=delivery.document)
    delivery.client_notified_at = timezone.now()
    delivery.save(update_fields=["client_notified_at", "updated_at"])
    audit_record(
        cabinet=delivery.company.cabinet,
        actor=by,
        action="delivery.client_notified",
        target=delivery.document,
        data={"delivery_id": delivery.pk, "to": to, "subject": subject},
    )
    transaction.on_commit(
        lambda: send_client_notice.delay(delivery.company.cabinet_id, to, subject, body, by.email)
    )
    return delivery
