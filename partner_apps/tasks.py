from celery import shared_task

from .services.outbox import deliveries_sweep, delivery_attempt


@shared_task(ignore_result=True)
def deliver(delivery_id: int) -> None:
    """One try at a delivery. Only its id crosses the broker; the row says the rest."""
    delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def sweep_deliveries() -> int:
    """Celery beat, every DELIVERY_SWEEP_SECONDS: what is due and was never picked up."""
    return deliveries_sweep()
