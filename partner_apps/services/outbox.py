"""Sending the outbox: claim a delivery, send it through its connector, record what happened.

A delivery is claimed with a conditional update (pending or retrying, and due → sending), so
two workers can never both send it. Transient failures come back later, with exponential
back-off; permanent ones end `failed` with their reason. The sweep, run by Celery beat, sends
again what is due and was never picked up (broker down at commit, worker killed mid-send)."""

import functools
import logging
import os
import socket
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ged.models import Document, DocumentStatus
from ged.services.documents import document_status_set
from welyb_portal.tenancy.log_context import log_context_bind

from ..attachments import AttachmentRefused, delivery_attachment
from ..connectors import (
    PermanentDeliveryError,
    TransientDeliveryError,
    connector_for,
)
from ..models import Delivery, DeliveryStatus, ReasonCode
from ..models.delivery import CLAIMABLE, SUCCEEDED
from ..models.installation import app_installed, collection_address
from ..refusals import Refusal, delivery_refusal
from ..selectors.outbox import deliveries_to_sweep
from .alerts import deliveries_announce, delivery_resolved

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


def delivery_enqueue(delivery_id: int, *, countdown: int = 0) -> None:
    """Hands a delivery to the workers, `countdown` seconds from now (0: now). When the broker
    is down, the delivery stays in the outbox and the sweep sends it once the broker is back: a
    deposit never fails for it."""
    from ..tasks import deliver

    try:
        deliver.apply_async((delivery_id,), countdown=countdown, retry=False)
    except Exception:
        logger.warning("delivery %s not enqueued (broker unreachable); the sweep will", delivery_id)


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after `attempts` tries: BASE, 2×BASE, 4×BASE..."""
    return settings.DELIVERY_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)


def worker_name() -> str:
    """Who claims: "host:pid", so that support can tell which process holds a delivery."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


@functools.cache
def _with_send_context() -> QuerySet[Delivery]:
    """Deliveries with what a send needs to judge them again: the app may have been
    uninstalled since, the company revoked, its address changed.

    Built once per process: annotate() resolves its subqueries at every call, which costs more
    than running the query. Shared safely by every call and thread because it is never
    evaluated, only refined (each refinement is a copy, so its result cache stays empty), and
    nothing in it depends on a request, a setting or a connection (the database is chosen when
    a copy runs)."""
    return Delivery.objects.select_related("document__company__cabinet", "app").annotate(
        app_installed=app_installed(cabinet="company__cabinet_id"),
        current_address=collection_address(company="company_id"),
    )


def _claim(delivery_id: int) -> Delivery | None:
    now = timezone.now()
    claimed = (
        Delivery.objects.filter(pk=delivery_id, status__in=CLAIMABLE)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=DeliveryStatus.SENDING,
            claimed_at=now,
            claimed_by=worker_name(),
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    )
    if not claimed:
        return None
    return _with_send_context().get(pk=delivery_id)


def _refusal_now(delivery: Delivery) -> Refusal | None:
    """Judged again at send time: the company may have been revoked, the app uninstalled, the
    address changed (the delivery then goes to the new one)."""
    address = delivery.current_address or ""
    if address:
        delivery.target = address
    return delivery_refusal(delivery=delivery, installed=delivery.app_installed, address=address)


def document_status_refresh(document: Document) -> None:
    """ "Validé" once every delivery of the document that was not skipped reached the partner;
    "À traiter" otherwise (a bounce takes the mark back)."""
    statuses = set(
        Delivery.objects.filter(document=document)
        .exclude(status=DeliveryStatus.SKIPPED)
        .values_list("status", flat=True)
    )
    validated = bool(statuses) and statuses <= set(SUCCEEDED)
    document_status_set(
        document=document,
        status=DocumentStatus.VALIDATED if validated else DocumentStatus.PENDING,
    )


def _record(delivery: Delivery, **fields: object) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(delivery, name, value)


def _skip(delivery: Delivery, refusal: Refusal) -> str:
    with transaction.atomic():
        _record(
            delivery,
            status=DeliveryStatus.SKIPPED,
            reason_code=refusal.code,
            reason=refusal.reason,
            notice=refusal.notice,
            detail="",
            target=delivery.target,
        )
        # Skipped no longer holds the document back: the others may all be sent already.
        document_status_refresh(delivery.document)
        deliveries_announce([delivery])
    return DeliveryStatus.SKIPPED


def _fail(delivery: Delivery, *, reason: str, detail: str) -> str:
    with transaction.atomic():
        _record(
            delivery,
            status=DeliveryStatus.FAILED,
            reason_code=ReasonCode.SEND_FAILED,
            reason=reason,
            detail=detail[:255],
        )
        deliveries_announce([delivery])
    return DeliveryStatus.FAILED


def _retry_later(delivery: Delivery, error: TransientDeliveryError) -> str:
    if delivery.attempts >= settings.DELIVERY_MAX_ATTEMPTS:
        reason = _(
            "%(reason)s Abandon après %(n)s essais : renvoyez-le une fois le service rétabli."
        )
        return _fail(
            delivery, reason=reason % {"reason": error, "n": delivery.attempts}, detail=error.detail
        )
    delay = retry_delay(delivery.attempts)
    _record(
        delivery,
        status=DeliveryStatus.RETRYING,
        reason_code="",
        reason=str(error),
        detail=error.detail[:255],
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
    )
    delivery_enqueue(delivery.pk, countdown=delay)
    return DeliveryStatus.RETRYING


def _send(delivery: Delivery) -> str:
    connector = connector_for(delivery.app)
    try:
        attachment = delivery_attachment(delivery=delivery, connector=connector)
        message_id = connector.send(delivery, attachment)
    except AttachmentRefused as refused:
        return _skip(delivery, refused.refusal)
    except SoftTimeLimitExceeded:
        # Celery's soft time limit: the send took longer than its lease allows.
        return _retry_later(
            delivery,
            TransientDeliveryError(
                _("Le serveur d'envoi a mis trop de temps à répondre."), detail="soft time limit"
            ),
        )
    except TransientDeliveryError as error:
        return _retry_later(delivery, error)
    except PermanentDeliveryError as error:
        return _fail(delivery, reason=str(error), detail=error.detail)
    with transaction.atomic():
        _record(
            delivery,
            status=DeliveryStatus.SENT,
            reason_code="",
            reason="",
            detail="",
            message_id=message_id,
            sent_at=timezone.now(),
            target=delivery.target,
            sent_as=attachment.sent_as,
        )
        document_status_refresh(delivery.document)
        delivery_resolved(delivery)
    logger.info("delivery %s sent to %s (%s)", delivery.pk, delivery.target, message_id)
    return DeliveryStatus.SENT


def delivery_attempt(*, delivery_id: int) -> str | None:
    """One try at a delivery; returns its new status, or None when someone else has it."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    # The task's log lines and error reports name the cabinet it works for.
    log_context_bind(cabinet=delivery.document.company.cabinet.slug)
    refusal = _refusal_now(delivery)
    if refusal is not None:
        return _skip(delivery, refusal)
    return _send(delivery)


def deliveries_sweep() -> int:
    """Sends again what is due and was never picked up; returns how many were handed over.

    A delivery "sending" for longer than DELIVERY_SENDING_TIMEOUT_SECONDS lost its worker (a
    live one finishes or fails within it): it becomes due again. A pending one gets
    DELIVERY_SWEEP_SECONDS of grace, for its own task, and so does one the sweep already
    handed over."""
    now = timezone.now()
    Delivery.objects.filter(
        status=DeliveryStatus.SENDING,
        claimed_at__lt=now - timedelta(seconds=settings.DELIVERY_SENDING_TIMEOUT_SECONDS),
    ).update(
        status=DeliveryStatus.RETRYING,
        next_attempt_at=now,
        reason=_("L'envoi a été interrompu : il repart."),
        detail="worker lost",
        updated_at=now,
    )
    due = list(deliveries_to_sweep(now=now)[:SWEEP_BATCH])
    # Marked first: a backlog longer than a sweep period is not handed over again and again.
    Delivery.objects.filter(pk__in=due).update(swept_at=now)
    for delivery_id in due:
        delivery_enqueue(delivery_id)
    return len(due)


def deliveries_release(*, worker: str) -> int:
    """What a worker process stopping warmly still holds goes back to the outbox at once,
    instead of waiting for its lease to run out. Returns how many."""
    now = timezone.now()
    return Delivery.objects.filter(status=DeliveryStatus.SENDING, claimed_by=worker).update(
        status=DeliveryStatus.RETRYING,
        next_attempt_at=now,
        reason=_("L'envoi a été interrompu : il repart."),
        detail="worker stopped",
        updated_at=now,
    )


def delivery_tracking(*, message_id: str, event_type: str) -> Delivery | None:
    """What the ESP said of a message: delivered, or bounced (the partner refused it)."""
    delivery = (
        Delivery.objects.filter(
            message_id=message_id, status__in=[*SUCCEEDED, DeliveryStatus.BOUNCED]
        )
        .select_related("document", "app", "company")
        .first()
    )
    if delivery is None or not message_id:
        return None
    with transaction.atomic():
        if event_type == "delivered" and delivery.status == DeliveryStatus.SENT:
            _record(delivery, status=DeliveryStatus.DELIVERED)
        elif event_type in ("bounced", "rejected", "failed"):
            was = delivery.status
            _record(
                delivery,
                status=DeliveryStatus.BOUNCED,
                reason_code=ReasonCode.BOUNCED,
                reason=connector_for(delivery.app).bounce_message(),
            )
            if was != DeliveryStatus.BOUNCED:
                deliveries_announce([delivery])
        else:
            return delivery
        document_status_refresh(delivery.document)
    delivery.refresh_from_db()
    return delivery
