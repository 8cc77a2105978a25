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
