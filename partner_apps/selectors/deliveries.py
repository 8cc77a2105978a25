import datetime
from dataclasses import dataclass

from django.core.validators import slug_re
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from ged.models import Document
from welyb_portal.tenancy.models import Cabinet, Company

from ..models import Delivery, DeliveryStatus
from ..models.delivery import ATTENTION, NEEDS_ACTION


def delivery_history(
    *,
    cabinet: Cabinet,
    status: str = "",
    app: str = "",
    company: Company | None = None,
    needs_action: bool | None = None,
    failures_first: bool = False,
) -> QuerySet[Delivery]:
    """The cabinet's send history, newest first (failures first when asked), filtered by
    status, app slug, company (none for another cabinet's), and whether they need action; each
    row knows whether it can be sent again now."""
    if company is not None and company.cabinet_id != cabinet.pk:
        return Delivery.objects.none()
    if company is None and needs_action is True:
        # The few that need action, read from the cabinet's partial index in date order (the
        # newest 50 in about 1 ms, against 38 ms through each company's partial index, whose
        # rows must all be sorted).
        deliveries = Delivery.objects.needs_action_of(cabinet=cabinet)
    elif company is None:
        deliveries = Delivery.objects.filter(cabinet=cabinet)
    else:
        # The company alone: with the cabinet too, PostgreSQL crossed both indexes' bitmaps and
        # read the heap (a company of 40,000 deliveries: 150 ms, against an index-only range).
        deliveries = Delivery.objects.filter(company=company)
        if needs_action is True:
            deliveries = deliveries.needs_action()
    if needs_action is False:
        deliveries = deliveries.exclude(NEEDS_ACTION)
    deliveries = deliveries.with_readiness().select_related("document", "app", "company")
    if status in DeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    if app:
        # Whatever is not a slug names no app (and a NUL would make PostgreSQL refuse the query).
        deliveries = deliveries.filter(app__slug=app) if slug_re.match(app) else deliveries.none()
    order = ["-created_at", "-id"]
    if failures_first:
        deliveries = deliveries.annotate(attention=ATTENTION)
        order.insert(0, "attention")
    return deliveries.order_by(*order)


def document_deliveries(*, document: Document) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(document=document)
        .with_readiness()
        .select_related("app", "document", "company")
        .order_by("created_at")
    )


@dataclass
class DayCounts:
    day: datetime.date
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def delivery_daily_counts(*, cabinet: Cabinet, days: int = 30) -> list[DayCounts]:
    """Deliveries per day and status over the last `days` days (today included). One query."""
    today = timezone.localdate()
    start = today - datetime.timedelta(days=days - 1)
    # From the first day's local midnight, a range the index on (cabinet, created_at) reads:
    # `created_at__date__gte` converted every delivery of the cabinet's to a local date first.
    since = timezone.make_aware(datetime.datetime.combine(start, datetime.time.min))
    rows = (
        Delivery.objects.filter(cabinet=cabinet, created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day", "status")
        .annotate(n=Count("id"))
    )
    by_day: dict[datetime.date, dict[str, int]] = {
        start + datetime.timedelta(days=i): {} for i in range(days)
    }
    for row in rows:
        if row["day"] in by_day:
            by_day[row["day"]][row["status"]] = row["n"]
    return [DayCounts(day=day, counts=counts) for day, counts in by_day.items()]


def delivery_counts_by_outcome() -> dict[tuple[str, str], int]:
    """Every delivery of the platform, counted by (status, reason code): for the operator's
    metrics, which name no cabinet. One GROUP BY query."""
    rows = Delivery.objects.order_by().values_list("status", "reason_code").annotate(n=Count("id"))
    return {(status, reason_code): n for status, reason_code, n in rows}
