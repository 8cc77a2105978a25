"""Notifications of the cabinet's staff. The apps built on the core write them (a delivery that
needs someone, for instance) and retire them once the thing is handled; the core shows them in
the bell, the « Notifications » page, the API and the email digest (digests.py), and knows
nothing of what they are about."""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from ..models import Cabinet, Notification, User
from ..models.user import STAFF_ROLES
from .audit import audit_record
from .digests import digests_open


def _recipients(*, cabinet: Cabinet, users: list[User] | None, key: str) -> list[User]:
    staff = User.objects.filter(cabinet=cabinet, role__in=STAFF_ROLES, is_active=True)
    if users is not None:
        staff = staff.filter(pk__in=[user.pk for user in users])
    if key:
        unread_same_key = Notification.objects.filter(
            user=OuterRef("pk"), cabinet=cabinet, key=key, read_at__isnull=True
        )
        staff = staff.exclude(Exists(unread_same_key))
    return list(staff.order_by("pk"))


def notifications_create(
    *,
    cabinet: Cabinet,
    kind: str,
    text: str,
    url: str,
    key: str = "",
    users: list[User] | None = None,
) -> list[Notification]:
    """Notifies every active admin and collaborator of the cabinet (or those of `users` who
    are; clients and other cabinets' people never), and returns the notifications written.

    `kind` is a short code ("delivery.needs_action"), `text` a French sentence, `url` a path on
    the cabinet's host, `key` what it is about ("delivery:123"), for notifications_resolve. A
    person who still has an unread notification of that key gets no second one.

    Written in the caller's transaction: a rollback takes them back. For the people who receive
    the email digest, they join their open digest, which is sent only after the commit. A
    constant number of queries, however many staff."""
    if not (url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)):
        raise ValueError(f"a notification links to a path of the cabinet's host, not {url!r}")
    with transaction.atomic(savepoint=False):
        recipients = _recipients(cabinet=cabinet, users=users, key=key)
        if not recipients:
            return []
        digests = digests_open(users=[user for user in recipients if user.receives_digest])
        return Notification.objects.bulk_create(
            [
                Notification(
                    cabinet=cabinet,
                    user=user,
                    kind=kind,
                    text=text,
                    url=url,
                    key=key,
                    digest=digests.get(user.pk),
                )
                for user in recipients
            ]
        )


def notifications_resolve(*, cabinet: Cabinet, key: str) -> int:
    """The thing `key` names was handled (by anyone): its unread notifications in the cabinet
    are marked read, for everybody. They leave the bell and no digest will carry them. Returns
    how many."""
    if not key:
        raise ValueError("notifications_resolve needs the key of what was handled")
    return Notification.objects.filter(cabinet=cabinet, key=key, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_read(*, user: User, ids: list[int] | None) -> int:
    """Marks the user's own unread notifications read: those of `ids`, or all of them with
    None. Ids of anybody else's notifications, or of none, are ignored. Returns how many."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def digest_preference_set(*, user: User, receive: bool | None) -> User:
    """Whether the person receives the email digest of their notifications: True or False as
    they chose, None to follow their role (admins yes, collaborators no). Audited when it
    changes. A digest already on its way is not sent when they turn it off; turning it on
    brings the notifications created from then on."""
    old = user.notification_digest
    if old is not receive:
        user.notification_digest = receive
        user.save(update_fields=["notification_digest"])
        audit_record(
            cabinet=user.cabinet,
            actor=user,
            action="notifications.digest_changed",
            target=user,
            data={"old": old, "new": receive},
        )
    return user
