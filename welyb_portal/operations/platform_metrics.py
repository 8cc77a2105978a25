"""The platform's state, read from the database and the probes when /metrics is scraped: the
parts' readiness, the outbox's lag, the deliveries and the inbound emails by status. Counts of
the whole platform: no label names a cabinet, a company or an address."""

import logging

from prometheus_client.core import GaugeMetricFamily

from ged.models import InboundStatus
from ged.selectors_inbound import inbound_email_counts
from partner_apps.models import DeliveryStatus
from partner_apps.selectors.deliveries import delivery_counts_by_outcome

from .readiness import is_failure, readiness

logger = logging.getLogger(__name__)


def _readiness_families():
    report = readiness()
    ready = GaugeMetricFamily(
        "portal_ready",
        "1 when the part works for this node (database, broker, storage), as /readyz says.",
        labels=["part"],
    )
    for part, state in report.parts.items():
        ready.add_metric([part], 0 if is_failure(state) else 1)
    yield ready
    if report.outbox is not None:
        yield GaugeMetricFamily(
            "portal_outbox_due_deliveries",
            "Deliveries that should be on their way and are not (as the outbox's sweep sees them).",
            value=report.outbox.due,
        )
        yield GaugeMetricFamily(
            "portal_outbox_oldest_due_seconds",
            "How long the oldest due delivery has waited, in seconds (0 when none is due).",
            value=report.outbox.oldest_due_seconds,
        )
    return not is_failure(report.parts["database"])


def _count_families():
    deliveries = GaugeMetricFamily(
        "portal_deliveries",
        "Deliveries to partner apps, by status and reason code (empty when none).",
        labels=["status", "reason_code"],
    )
    counts = delivery_counts_by_outcome()
    # Every status has a series, 0 when no delivery has it, so that rates and ratios exist.
    for status in DeliveryStatus.values:
        if not any(key[0] == status for key in counts):
            counts[(status, "")] = 0
    for (status, reason_code), n in sorted(counts.items()):
        deliveries.add_metric([status, reason_code], n)
    yield deliveries
    inbound = GaugeMetricFamily(
        "portal_inbound_emails",
        "Emails received at the companies' deposit addresses, by status.",
        labels=["status"],
    )
    inbound_counts = inbound_email_counts()
    for status in InboundStatus.values:
        inbound.add_metric([status], inbound_counts.get(status, 0))
    yield inbound


class PlatformCollector:
    """Four queries a scrape: the probe's two (SELECT 1, the outbox's lag), then one GROUP BY
    each for the deliveries and the inbound emails, skipped when the database is down."""

    def collect(self):
        database_ok = yield from _readiness_families()
        if not database_ok:
            return
        try:
            families = list(_count_families())
        except Exception as error:
            logger.warning("platform metrics not read: %r", error)
            return
        yield from families
