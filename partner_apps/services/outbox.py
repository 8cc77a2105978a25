"""Sending the outbox: drain the due deliveries in batches, each claimed, sent through its
connector and recorded on its own.

A drain (the `deliver` task) reads up to DELIVERY_BATCH_SIZE due deliveries at once, with what
their sends need, then goes through them one after the other over the thread's kept connection
(email_delivery): each is claimed just before its send with a conditional update (as read, still
pending or retrying and due → sending), so two drains can never both send it, and only the one
on the wire is ever « sending » (a worker killed mid-batch leaves one behind, not the batch).
Each outcome is recorded on its own row: one failing message does not fail the others.
Transient failures come back later, with exponential back-off; permanent ones end `failed` with
their reason. Commits wake drains through a short-lived flag (outbox_wake): a burst of deposits
publishes a few drains, not one task each. The sweep, run by Celery beat, hands to drains again
what is due and was never picked up (broker down at commit, worker killed mid-send)."""

import functools
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Coalesce
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
from ..outbox_wake import wake_flag_clear, wake_flag_set
from ..refusals import Refusal, delivery_refusal
from ..selectors.outbox import deliveries_to_sweep
from .alerts import deliveries_announce, delivery_resolved

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


def _publish(delivery_id: int | None, *, countdown: int = 0) -> bool:
    """Publishes a drain (its first delivery, if any), `countdown` seconds from now. When the
    broker is down, the delivery stays in the outbox and the sweep sends it once the broker is
    back: a deposit never fails for it."""
    from ..tasks import deliver

    try:
        deliver.apply_async((delivery_id,), countdown=countdown, retry=False)
    except Exception:
        logger.warning("delivery %s not enqueued (broker unreachable); the sweep will", delivery_id)
        return False
    return True


def delivery_enqueue(delivery_id: int | None, *, countdown: int = 0) -> None:
    """Hands a delivery to the workers, `countdown` seconds from now (0: now, with the due
    deliveries of the moment). Now, it wakes a drain unless one is already on its way (the
    wake flag: outbox_wake); later, the retry's own task, which drains too when it runs."""
    if countdown:
        _publish(delivery_id, countdown=countdown)
    elif wake_flag_set() and not _publish(delivery_id):
        # No drain is on its way: the next commit tries again.
        wake_flag_clear()


def deliveries_hand_over(delivery_ids: Sequence[int]) -> None:
    """Hands many deliveries to the workers at once: a drain for each DELIVERY_BATCH_SIZE of
    them (the first coalesced with the other wake-ups of the moment), so that every worker
    process can take a share."""
    size = settings.DELIVERY_BATCH_SIZE
    if not delivery_ids:
        return
    delivery_enqueue(delivery_ids[0])
    for first in delivery_ids[size::size]:
        _publish(first)


def deliveries_enqueue_on_commit(delivery_ids: Sequence[int]) -> None:
    """Once the current transaction commits, hands these new deliveries to the workers: one
    wake-up for all of them, which the wake flag coalesces with the other commits of the
    moment (a burst of deposits publishes a few drains, not one task each)."""
    if delivery_ids:
        transaction.on_commit(partial(deliveries_hand_over, list(delivery_ids)))


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


def _due(now: datetime) -> Q:
    """What a worker may claim: pending, or retrying whose next attempt has come."""
    return Q(status__in=CLAIMABLE) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))


def _claim_update(deliveries: QuerySet[Delivery], now: datetime) -> int:
    return deliveries.filter(_due(now)).update(
        status=DeliveryStatus.SENDING,
        claimed_at=now,
        claimed_by=worker_name(),
        attempts=F("attempts") + 1,
        updated_at=now,
    )


def _claim(delivery_id: int) -> Delivery | None:
    if not _claim_update(Delivery.objects.filter(pk=delivery_id), timezone.now()):
        return None
    return _with_send_context().get(pk=delivery_id)


def _claim_as_read(delivery: Delivery) -> bool:
    """Claims a delivery of a drain's batch, only if it is still as the drain read it (nobody
    claimed, sent, or changed it since: `updated_at` moves with every change) and due."""
    now = timezone.now()
    row = Delivery.objects.filter(pk=delivery.pk, updated_at=delivery.updated_at)
    if not _claim_update(row, now):
        return False
    delivery.status, delivery.claimed_at, delivery.claimed_by = (
        DeliveryStatus.SENDING,
        now,
        worker_name(),
    )
    delivery.attempts += 1
    delivery.updated_at = now
    return True


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


def _too_slow() -> TransientDeliveryError:
    return TransientDeliveryError(
        _("Le serveur d'envoi a mis trop de temps à répondre."), detail="soft time limit"
    )


def _send(delivery: Delivery) -> str:
    connector = connector_for(delivery.app)
    try:
        attachment = delivery_attachment(delivery=delivery, connector=connector)
        message_id = connector.send(delivery, attachment)
    except AttachmentRefused as refused:
        return _skip(delivery, refused.refusal)
    except SoftTimeLimitExceeded:
        # Celery's soft time limit: the send took longer than its lease allows.
        return _retry_later(delivery, _too_slow())
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


def _judge_and_send(delivery: Delivery) -> str:
    """A claimed delivery: judged again, then sent, and what happened recorded."""
    # The task's log lines and error reports name the cabinet it works for.
    log_context_bind(cabinet=delivery.document.company.cabinet.slug)
    refusal = _refusal_now(delivery)
    if refusal is not None:
        return _skip(delivery, refusal)
    return _send(delivery)


def _unexpected(error: Exception) -> TransientDeliveryError:
    return TransientDeliveryError(
        _("L'envoi a été interrompu par une erreur imprévue : il repart."),
        detail=type(error).__name__,
    )


def _attempt_claimed(delivery: Delivery) -> str:
    """Judges and sends a claimed delivery, and records what happened, whatever happens;
    returns its new status. The task's soft time limit is recorded, then raised again: the
    drain stops."""
    try:
        return _judge_and_send(delivery)
    except SoftTimeLimitExceeded:
        # A send outside the connector's own limits: tried again later.
        _retry_later(delivery, _too_slow())
        raise
    except Exception as error:
        # A bug or a lost database for this delivery: reported, tried again later with
        # back-off (and « Échec » after the last try), never left « sending ».
        logger.exception("delivery %s: unexpected error while sending", delivery.pk)
        return _retry_later(delivery, _unexpected(error))


def delivery_attempt(*, delivery_id: int) -> str | None:
    """One try at a delivery, claimed by its id (the one that woke a drain): returns its new
    status, or None when someone else has it. Whatever happens is recorded on it
    (`_attempt_claimed`)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return None
    return _attempt_claimed(delivery)


def _batch(*, now: datetime) -> list[Delivery]:
    """Up to DELIVERY_BATCH_SIZE due deliveries with what their sends need, the longest due
    first (a pending one since it was planned, a retrying one since its next attempt came): one
    query. Sorted on an expression, so that PostgreSQL takes the due rows from `delivery_due`
    and sorts them, instead of walking the whole outbox in the order of an index."""
    return list(
        _with_send_context()
        .filter(_due(now))
        .order_by(Coalesce("next_attempt_at", "created_at"), "pk")[: settings.DELIVERY_BATCH_SIZE]
    )


def deliveries_drain(*, first: int | None = None) -> int:
    """Sends the due deliveries, a batch at a time, over the thread's kept connection; returns
    how many it claimed. `first`: the delivery that woke it, sent at once, as a lone one would
    be, before the batch is read.

    The wake flag is cleared before the batch is read: a delivery committed after that wakes a
    new drain. Each delivery is claimed just before its send, so only the one on the wire is
    « sending », with the whole lease (DELIVERY_SENDING_TIMEOUT_SECONDS) for itself; no new
    send starts once the drain has run DELIVERY_BATCH_SECONDS, so that the last one still has
    its time before the task's soft limit. A full batch wakes another drain at once (more may
    be due); what the drain leaves (its time gone) goes to another drain. One delivery's
    failure, even an unexpected error, is recorded on that delivery and the drain goes on.

    Two drains that read the same rows share them: a claim that fails means the other one is
    ahead, and the drain goes on from the other end of its batch; two failures in a row, and
    the rest is the other's."""
    started = time.monotonic()
    claimed = 0
    if first is not None:
        try:
            if delivery_attempt(delivery_id=first) is not None:
                claimed += 1
        except SoftTimeLimitExceeded:
            delivery_enqueue(None)
            return claimed + 1
    wake_flag_clear()
    batch = deque(_batch(now=timezone.now()))
    if len(batch) == settings.DELIVERY_BATCH_SIZE:
        # More may be due: another drain starts now, on another worker process, and shares
        # this batch, then reads the next one.
        delivery_enqueue(None)
    from_front, missed = True, 0
    while batch:
        if time.monotonic() - started >= settings.DELIVERY_BATCH_SECONDS:
            break
        delivery = batch.popleft() if from_front else batch.pop()
        if not _claim_as_read(delivery):
            missed += 1
            if missed == 2:
                break
            from_front = not from_front
            continue
        missed = 0
        claimed += 1
        try:
            _attempt_claimed(delivery)
        except SoftTimeLimitExceeded:
            break
    if batch:
        # Left unclaimed: another drain takes them (or already has).
        delivery_enqueue(batch[0].pk)
    return claimed


def deliveries_sweep() -> int:
    """Hands to drains again what is due and was never picked up; returns how many were handed
    over.

    A delivery "sending" for longer than DELIVERY_SENDING_TIMEOUT_SECONDS lost its worker (a
    live one finishes or fails within it): it becomes due again. A pending one gets
    DELIVERY_SWEEP_SECONDS of grace, for the drain its commit woke, and so does one the sweep
    already handed over."""
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
    deliveries_hand_over(due)
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
