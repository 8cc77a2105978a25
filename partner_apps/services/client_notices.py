"""« Prévenir le client »: a file the partner refuses (its format, its size, unreadable) can
only be put right by whoever deposited it. Staff send them a prepared email, in the cabinet's
name and words that name no tool, saying what to deposit instead."""

import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ged.selectors_inbound import document_depositor_email
from welyb_portal.tenancy.models import User
from welyb_portal.tenancy.services.audit import audit_record

from ..emails import client_notice_email_send
from ..models import Delivery
from ..models.delivery import FILE_REFUSALS

logger = logging.getLogger(__name__)

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


def client_notice_send(*, delivery: Delivery, by: User, subject: str, body: str) -> Delivery:
    """Sends the depositor the email (edited or as prepared) in the cabinet's name, replies
    going to the staff member, then records the date on the delivery (« Client prévenu le »)
    and in the audit trail. Sent before anything is recorded and outside any transaction, so
    that staff are told at once when it could not leave (ValidationError), and never that it
    did when it did not. The delivery still needs action until the client's new file arrives,
    or staff ignore it. Refused (ValidationError) where there is nobody to write to, or
    nothing to ask for."""
    delivery = Delivery.objects.select_related(
        "document__folder", "document__deposited_by", "company__cabinet", "app"
    ).get(pk=delivery.pk)
    refusal = client_notice_refusal(delivery)
    if refusal:
        raise ValidationError(refusal)
    subject, body = _clean(subject, body)
    to = document_depositor_email(document=delivery.document)
    cabinet = delivery.company.cabinet
    try:
        client_notice_email_send(
            cabinet=cabinet, to=to, subject=subject, body=body, reply_to=by.email
        )
    except Exception as error:
        logger.warning("client notice of delivery %s not sent", delivery.pk, exc_info=True)
        raise ValidationError(
            _("L'email n'a pas pu partir (le service d'envoi ne répond pas) : réessayez.")
        ) from error
    with transaction.atomic():
        delivery.client_notified_at = timezone.now()
        delivery.save(update_fields=["client_notified_at", "updated_at"])
        audit_record(
            cabinet=cabinet,
            actor=by,
            action="delivery.client_notified",
            target=delivery.document,
            data={"delivery_id": delivery.pk, "to": to, "subject": subject},
        )
    return delivery
