"""The outbox as its sweep and its operator see it: which deliveries are due, and how late.

"Due" has one definition, here: the sweep hands these deliveries to the workers again, and
/readyz and /metrics report how many there are and how long the oldest has waited."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Case, Count, F, Min, Q, QuerySet, When
from django.utils import timezone

from ..models import Delivery, DeliveryStatus


@dataclass(frozen=True)
class OutboxLag:
    due: int
    # 0 when nothing is due.
    oldest_due_seconds: int


def deliveries_due(*, now: datetime) -> QuerySet[Delivery]:
    """The deliveries that should be on their way and are not: pending for longer than a sweep
    period (the drain woken for them was lost, or waits behind a backlog), and retrying ones
    whose next attempt has come."""
    grace = now - timedelta(seconds=settings.DELIVERY_SWEEP_SECONDS)
    return Delivery.objects.filter(
        Q(status=DeliveryStatus.PENDING, updated_at__lte=grace)
        | Q(status=DeliveryStatus.RETRYING, next_attempt_at__lte=now)
    )


def deliveries_to_sweep(*, now: datetime) -> QuerySet:
    """The ids the sweep hands to the workers, oldest first: the due deliveries it has not
    already handed over within a sweep period."""
    grace = now - timedelta(seconds=settings.DELIVERY_SWEEP_SECONDS)
    return (
        deliveries_due(now=now)
        .exclude(swept_at__gt=grace)
        .order_by("created_at")
        .values_list("pk", flat=True)
    )


# Since when a due delivery waits: a pending one since it was planned (or sent again by staff),
# a retrying one since its next attempt came.
_DUE_SINCE = Case(
    When(status=DeliveryStatus.RETRYING, then=F("next_attempt_at")), default=F("updated_at")
)


def outbox_lag(*, now: datetime | None = None) -> OutboxLag:
    """How many deliveries are due, and how many seconds the oldest of them has waited. One
    query."""
    now = now or timezone.now()
    figures = deliveries_due(now=now).aggregate(due=Count("id"), oldest=Min(_DUE_SINCE))
    oldest = figures["oldest"]
    waited = max(int((now - oldest).total_seconds()), 0) if oldest is not None else 0
    return OutboxLag(due=figures["due"], oldest_due_seconds=waited)
