"""Telling the cabinet: each delivery that newly needs action notifies its staff (the bell,
and the email digest of those who receive it), and its notifications are retired once it is
handled (sent after all, ignored, its document put in the trash)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Company
from welyb_portal.tenancy.services.notifications import (
    NotificationDraft,
    notifications_create_many,
    notifications_resolve,
)

from ..models import Delivery

NOTIFICATION_KIND = "delivery.needs_action"


def delivery_key(delivery_id: int) -> str:
    """The key of a delivery's notifications."""
    return f"delivery:{delivery_id}"


def _key(delivery: Delivery) -> str:
    return delivery_key(delivery.pk)


def deliveries_announce(deliveries: list[Delivery]) -> None:
    """Deliveries that newly need the cabinet: one notification each to its staff, in the
    caller's transaction (their digest email leaves once it commits). A constant number of
    queries for a document's deliveries, all of one company."""
    if not deliveries:
        return
    company = deliveries[0].document.company
    drafts = [
        NotificationDraft(
            kind=NOTIFICATION_KIND,
            text=_("%(company)s : « %(name)s » n'est pas parti vers %(app)s. %(reason)s")
            % {
                "company": company.name,
                "name": delivery.document.name,
                "app": delivery.app.name,
                "reason": delivery.reason,
            },
            url=reverse("partner_apps:needs-action") + f"#envoi-{delivery.pk}",
            key=_key(delivery),
        )
        for delivery in deliveries
    ]
    notifications_create_many(cabinet=company.cabinet, drafts=drafts)


def delivery_resolved(delivery: Delivery) -> None:
    """The delivery no longer needs anyone: its notifications leave the bell and the digest."""
    notifications_resolve(cabinet=delivery.document.company.cabinet, key=_key(delivery))


def documents_trashed_resolve(*, company: Company, document_ids: list[int]) -> None:
    """Documents put in the trash need nothing any more: the notifications of their deliveries
    are retired with them."""
    keys = [
        delivery_key(pk)
        for pk in Delivery.objects.filter(document_id__in=document_ids).values_list("pk", flat=True)
    ]
    if keys:
        notifications_resolve(cabinet=company.cabinet, keys=keys)
