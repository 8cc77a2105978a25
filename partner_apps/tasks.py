from celery import shared_task
from django.conf import settings

from .services.outbox import deliveries_drain, deliveries_sweep


# Within these limits a live worker finishes or fails every send of a drain: the outbox's lease
# (DELIVERY_SENDING_TIMEOUT_SECONDS) is derived from them.
@shared_task(
    ignore_result=True,
    soft_time_limit=settings.DELIVERY_SEND_SOFT_LIMIT_SECONDS,
    time_limit=settings.DELIVERY_SEND_HARD_LIMIT_SECONDS,
)
def deliver(delivery_id: int | None = None) -> None:
    """A drain: the due deliveries, up to DELIVERY_BATCH_SIZE, `delivery_id` first (the one
    that woke it, or whose retry has come). Only ids cross the broker; the rows say the rest.
    Tasks published with one id by earlier releases run the same way."""
    deliveries_drain(first=delivery_id)


@shared_task(ignore_result=True)
def sweep_deliveries() -> int:
    """Celery beat, every DELIVERY_SWEEP_SECONDS: what is due and was never picked up."""
    return deliveries_sweep()
