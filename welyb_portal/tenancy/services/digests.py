"""The email digest of staff notifications: an outbox, as the deliveries' one.

- A person who receives the digest has at most one open (`pending`) digest. Notifications
  created for them join it, in the transaction that creates them; the digest is locked until
  that transaction ends, so that no worker claims it with notifications still on their way.
- A new digest is due FAILURE_DIGEST_GATHER_SECONDS after its first notification (a burst makes
  one email), and never sooner than FAILURE_DIGEST_SECONDS after the person's previous email.
  Its sending is enqueued for that moment once the transaction commits.
- A worker claims a due digest with a conditional update (only one can), then sends it outside
  any transaction, with the Message-ID chosen when the digest was created: the email carries
  the digest's notifications still unread at that moment. Nothing is sent when none is left
  (read or resolved meanwhile), nor to a person who turned the digest off or left the staff.
- The sweep (Celery beat, every FAILURE_DIGEST_SWEEP_SECONDS) hands over what is due and was
  never picked up (the broker was down) and takes back a digest whose worker died while sending
  it: that one goes again, the same message (at least once).
"""

import logging
from datetime import datetime, timedelta
from email.utils import make_msgid
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..emails import notification_digest_email
from ..models import DigestStatus, NotificationDigest, User
from ..models.notification import DIGEST_CLAIMABLE, DIGEST_EMAILED

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
# A digest the email server keeps refusing is given up after this many tries, a window apart.
DIGEST_MAX_ATTEMPTS = 5


def digest_enqueue(digest_id: int, *, due_at: datetime | None = None) -> None:
    """Hands a digest to the workers, to run at `due_at`. When the broker is down, the digest
    stays in the outbox and the sweep sends it once the broker is back."""
    from ..tasks import send_notification_digest

    countdown = 0  # now, to Celery
    if due_at is not None:
        countdown = max(0, int((due_at - timezone.now()).total_seconds()) + 1)
    try:
        send_notification_digest.apply_async((digest_id,), countdown=countdown, retry=False)
    except Exception:
        logger.warning("digest %s not enqueued (broker unreachable); the sweep will", digest_id)


def _pending_locked(user_ids: set[int]) -> dict[int, NotificationDigest]:
    pending = (
        NotificationDigest.objects.select_for_update()
        .filter(user_id__in=user_ids, status=DigestStatus.PENDING)
        .order_by("pk")
    )
    return {digest.user_id: digest for digest in pending}


def _last_emailed(user_ids: set[int]) -> dict[int, datetime]:
    """When each person's last digest email left (or started to)."""
    rows = (
        NotificationDigest.objects.filter(user_id__in=user_ids, status__in=DIGEST_EMAILED)
        .values("user_id")
        .annotate(last=Max("claimed_at"))
    )
    return {row["user_id"]: row["last"] for row in rows if row["last"] is not None}


def _due_at(now: datetime, last_emailed: datetime | None) -> datetime:
    due = now + timedelta(seconds=settings.FAILURE_DIGEST_GATHER_SECONDS)
    if last_emailed is not None:
        due = max(due, last_emailed + timedelta(seconds=settings.FAILURE_DIGEST_SECONDS))
    return due


def _message_id() -> str:
    return make_msgid(domain=settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or None)


def digests_open(*, users: list[User]) -> dict[int, NotificationDigest]:
    """The open digest of each of these people (by user id), created where they had none.

    To be called inside the transaction that attaches notifications to them: the digests stay
    locked until it ends, and the new ones are enqueued once it commits. A constant number of
    queries, however many people."""
    wanted = {user.pk for user in users}
    digests = _pending_locked(wanted) if wanted else {}
    created: dict[int, NotificationDigest] = {}
    # Two transactions may open a digest for the same person at once: the second one's insert
    # gives way to the first one's (one pending digest per person), whose digest it then joins.
    # It could only have been claimed meanwhile with no gathering delay; then open another.
    for _round in range(3):
        missing = wanted - digests.keys()
        if not missing:
            break
        now = timezone.now()
        last = _last_emailed(missing)
        NotificationDigest.objects.bulk_create(
            [
                NotificationDigest(
                    user_id=user_id,
                    message_id=_message_id(),
                    due_at=_due_at(now, last.get(user_id)),
                )
                for user_id in sorted(missing)
            ],
            ignore_conflicts=True,
        )
        opened = _pending_locked(missing)
        created.update(opened)
        digests.update(opened)
    if created:
        transaction.on_commit(partial(_enqueue_each, list(created.values())))
    return digests


def _enqueue_each(digests: list[NotificationDigest]) -> None:
    for digest in digests:
        digest_enqueue(digest.pk, due_at=digest.due_at)


# --- Sending -----------------------------------------------------------------------------------


def _claim(digest_id: int, *, now: datetime) -> NotificationDigest | None:
    claimed = NotificationDigest.objects.filter(
        pk=digest_id, status__in=DIGEST_CLAIMABLE, due_at__lte=now
    ).update(
        status=DigestStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
    )
    if not claimed:
        return None
    return (
        NotificationDigest.objects.select_related("user__cabinet")
        .prefetch_related("user__cabinet__domains")
        .get(pk=digest_id)
    )


def _record(digest: NotificationDigest, **fields: object) -> None:
    NotificationDigest.objects.filter(pk=digest.pk).update(**fields, updated_at=timezone.now())


def _nobody_to_write_to(user: User) -> str:
    if not (user.is_active and user.is_cabinet_staff):
        return _("Ce compte ne fait plus partie de l'équipe du cabinet.")
    if not user.member_cabinet.is_active:
        return _("Le cabinet est désactivé.")
    if not user.receives_digest:
        return _("Récapitulatif désactivé par son destinataire.")
    return ""


def digest_send(*, digest_id: int, now: datetime | None = None) -> str | None:
    """One try at a digest that is due; returns its new status, or None when it is not due yet
    or someone else has it.

    The email lists the digest's notifications that are still unread. Skipped, with the reason:
    when none is left, when the person turned the digest off or left the staff, and when the
    cabinet was deactivated. A failed
    send is tried again FAILURE_DIGEST_SECONDS later, DIGEST_MAX_ATTEMPTS times at most."""
    now = now or timezone.now()
    digest = _claim(digest_id, now=now)
    if digest is None:
        return None
    reason = _nobody_to_write_to(digest.user)
    notifications = [] if reason else list(digest.notifications.filter(read_at__isnull=True))
    if not reason and not notifications:
        reason = _("Tout a été lu ou réglé avant l'envoi.")
    if reason:
        _record(digest, status=DigestStatus.SKIPPED, reason=reason)
        return DigestStatus.SKIPPED
    try:
        notification_digest_email(digest=digest, notifications=notifications).send()
    except Exception as error:
        logger.warning("digest %s not sent: %r", digest.pk, error)
        if digest.attempts >= DIGEST_MAX_ATTEMPTS:
            _record(digest, status=DigestStatus.FAILED, reason=str(error)[:1000])
            return DigestStatus.FAILED
        retry_at = now + timedelta(seconds=settings.FAILURE_DIGEST_SECONDS)
        _record(digest, status=DigestStatus.RETRYING, reason=str(error)[:1000], due_at=retry_at)
        digest_enqueue(digest.pk, due_at=retry_at)
        return DigestStatus.RETRYING
    _record(digest, status=DigestStatus.SENT, reason="", sent_at=timezone.now())
    logger.info("digest %s sent to %s (%s)", digest.pk, digest.user.email, digest.message_id)
    return DigestStatus.SENT


def digests_sweep(*, now: datetime | None = None) -> int:
    """Hands over the digests that are due and were never picked up; returns how many.

    A digest "sending" for longer than FAILURE_DIGEST_SENDING_TIMEOUT_SECONDS (a task's hard
    time limit) lost its worker: it is due again, and goes as the same message. A pending one
    gets a sweep period of grace past its due time, for its own task, and so does one the sweep
    already handed over."""
    now = now or timezone.now()
    NotificationDigest.objects.filter(
        status=DigestStatus.SENDING,
        claimed_at__lt=now - timedelta(seconds=settings.FAILURE_DIGEST_SENDING_TIMEOUT_SECONDS),
    ).update(
        status=DigestStatus.RETRYING,
        due_at=now,
        reason=_("Envoi interrompu : nouvel essai."),
        updated_at=now,
    )
    grace = now - timedelta(seconds=settings.FAILURE_DIGEST_SWEEP_SECONDS)
    due = list(
        NotificationDigest.objects.filter(
            Q(status=DigestStatus.PENDING, due_at__lte=grace)
            | Q(status=DigestStatus.RETRYING, due_at__lte=now)
        )
        .exclude(swept_at__gt=grace)
        .order_by("due_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    # Marked first: a backlog longer than a sweep period is not handed over again and again.
    NotificationDigest.objects.filter(pk__in=due).update(swept_at=now)
    for digest_id in due:
        digest_enqueue(digest_id)
    return len(due)
