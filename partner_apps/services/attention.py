"""The actions of « Envois à régler » on a delivery that did not go: « Renvoyer » (« Envoyer
quand même » on a duplicate, « Réessayer maintenant » on a planned retry) and « Ignorer »
(« Prévenir le client » is in client_notices.py)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import User
from welyb_portal.tenancy.services.audit import audit_record

from ..connectors import connector_for
from ..models import Delivery, DeliveryStatus
from ..models.delivery import FILE_REFUSALS, STOPPED
from .alerts import delivery_resolved
from .outbox import deliveries_enqueue_on_commit


def retry_refusal(delivery: Delivery) -> str:
    """Why « Renvoyer » cannot succeed now (French), or "" when it can."""
    if delivery.can_retry:
        return ""
    if delivery.status not in STOPPED:
        return _("Cet envoi est « %(status)s » : il ne se renvoie pas.") % {
            "status": delivery.get_status_display()
        }
    if delivery.reason_code in FILE_REFUSALS:
        return _(
            "« %(name)s » ne peut pas partir tel quel : %(reason)s Prévenez le client pour qu'il "
            "dépose un autre fichier."
        ) % {"name": delivery.document.name, "reason": delivery.reason}
    if not delivery.app_installed:
        return _("Installez d'abord de nouveau l'application « %(app)s ».") % {
            "app": delivery.app.name
        }
    return _(
        "Autorisez d'abord l'entreprise pour %(app)s avec son adresse de collecte (Applications › "
        "%(app)s), puis renvoyez."
    ) % {"app": delivery.app.name}


def _locked(delivery: Delivery) -> Delivery:
    return (
        Delivery.objects.select_for_update(of=("self",))
        .with_readiness()
        .select_related("document__company__cabinet", "app", "company__cabinet")
        .get(pk=delivery.pk)
    )


@transaction.atomic
def delivery_retry(*, delivery: Delivery, by: User) -> Delivery:
    """« Renvoyer »: the delivery goes back to the outbox, to the company's current address,
    as a new message; a skipped duplicate is then sent anyway, a planned retry is brought
    forward. Refused, with the reason, where it cannot succeed: a file the connector refuses,
    a company not (or no longer) authorised, a delivery on its way or done. Audited."""
    delivery = _locked(delivery)
    refusal = retry_refusal(delivery)
    if refusal:
        raise ValidationError(refusal)
    old = {"status": delivery.status, "reason": delivery.reason, "target": delivery.target}
    delivery.status = DeliveryStatus.PENDING
    delivery.target = delivery.current_address or delivery.target
    delivery.reason_code, delivery.reason, delivery.notice, delivery.detail = "", "", "", ""
    delivery.attempts = 0
    delivery.next_attempt_at = None
    delivery.dismissed_at, delivery.dismissed_by = None, None
    # A deliberate new send is a new message.
    delivery.message_id = connector_for(delivery.app).message_id_new()
    delivery.save()
    audit_record(
        cabinet=delivery.company.cabinet,
        actor=by,
        action="delivery.retried",
        target=delivery.document,
        data={"delivery_id": delivery.pk, "app": delivery.app.slug, "old": old},
    )
    delivery_resolved(delivery)
    deliveries_enqueue_on_commit([delivery.pk])
    return delivery


@transaction.atomic
def delivery_dismiss(*, delivery: Delivery, by: User) -> Delivery:
    """« Ignorer »: the cabinet handled it, or chose to leave it; it leaves « Envois à régler »
    and its notifications. Audited."""
    delivery = _locked(delivery)
    if not delivery.needs_action:
        raise ValidationError(_("Cet envoi n'attend rien du cabinet."))
    delivery.dismissed_at, delivery.dismissed_by = timezone.now(), by
    delivery.save(update_fields=["dismissed_at", "dismissed_by", "updated_at"])
    audit_record(
        cabinet=delivery.company.cabinet,
        actor=by,
        action="delivery.dismissed",
        target=delivery.document,
        data={
            "delivery_id": delivery.pk,
            "app": delivery.app.slug,
            "status": delivery.status,
            "reason_code": delivery.reason_code,
        },
    )
    delivery_resolved(delivery)
    return delivery
