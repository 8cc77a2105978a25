from celery import shared_task
from django.conf import settings

from .services.outbox import deliveries_sweep, delivery_attempt


# Within these limits a live worker finishes or fails every send: the outbox's lease
# (DELIVERY_SENDING_TIMEOUT_SECONDS) is derived from them.
@shared_task(
    ignore_result=True,
    soft_time_limit=settings.DELIVERY_SEND_SOFT_LIMIT_SECONDS,
    time_limit=settings.DELIVERY_SEND_HARD_LIMIT_SECONDS,
)
def deliver(delivery_id: int) -> None:
    """One try at a delivery. Only its id crosses the broker; the row says the rest."""
    delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def sweep_deliveries() -> int:
    """Celery beat, every DELIVERY_SWEEP_SECONDS: what is due and was never picked up."""
    return deliveries_sweep()


@shared_task(ignore_result=True)
def send_client_notice(cabinet_id: int, to: str, subject: str, body: str, reply_to: str) -> None:
    """« Prévenir le client »: the email staff prepared for a depositor."""
    from welyb_portal.tenancy.models import Cabinet

    from .emails import client_notice_email_send

    cabinet = Cabinet.objects.filter(pk=cabinet_id).first()
    if cabinet is not None:
        client_notice_email_send(
            cabinet=cabinet, to=to, subject=subject, body=body, reply_to=reply_to
        )
