"""Notifications of the cabinet's staff. The apps built on the core write them (a delivery that
needs someone, for instance) and retire them once the thing is handled; the core shows them in
the bell, the « Notifications » page, the API and the email digest (digests.py), and knows
nothing of what they are about."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from ..models import Cabinet, Notification, User
from ..models.user import STAFF_ROLES
from .audit import audit_record
from .digests import digests_open


@dataclass(frozen=True)
class NotificationDraft:
    """One notification to write for every recipient: `kind` a short code
    ("delivery.needs_action"), `text` a French sentence, `url` a path on the cabinet's host,
    `key` what it is about ("delivery:123"), for notifications_resolve."""

    kind: str
    text: str
    url: str
    key: str = ""


def _recipients(*, cabinet: Cabinet, users: list[User] | None) -> list[User]:
    staff = User.objects.filter(cabinet=cabinet, role__in=STAFF_ROLES, is_active=True)
    if users is not None:
        staff = staff.filter(pk__in=[user.pk for user in users])
    return list(staff.order_by("pk"))


def _unread_keys(*, cabinet: Cabinet, keys: set[str]) -> set[tuple[int, str]]:
    """(user id, key) of the unread notifications of these keys."""
    if not keys:
        return set()
    return set(
        Notification.objects.filter(cabinet=cabinet, key__in=keys, read_at__isnull=True)
        .values_list("user_id", "key")
        .distinct()
    )


def notifications_create_many(
    *, cabinet: Cabinet, drafts: list[NotificationDraft], users: list[User] | None = None
) -> list[Notification]:
    """Notifies every active admin and collaborator of the cabinet (or those of `users` who
    are; clients and other cabinets' people never) of each draft, and returns the notifications
    written. A person who still has an unread notification of a draft's key gets no second one.

    Written in the caller's transaction: a rollback takes them back. For the people who receive
    the email digest, they join their open digest, which is sent only after the commit. A
    constant number of queries, however many staff and drafts."""
    for draft in drafts:
        url = draft.url
        if not (url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=None)):
            raise ValueError(f"a notification links to a path of the cabinet's host, not {url!r}")
    if not drafts:
        return []
    with transaction.atomic(savepoint=False):
        recipients = _recipients(cabinet=cabinet, users=users)
        known = _unread_keys(cabinet=cabinet, keys={d.key for d in drafts if d.key})
        pairs = [
            (user, draft)
            for draft in drafts
            for user in recipients
            if not (draft.key and (user.pk, draft.key) in known)
        ]
        if not pairs:
            return []
        digests = digests_open(
            users=list({user.pk: user for user, _draft in pairs if user.receives_digest}.values())
        )
        return Notification.objects.bulk_create(
            [
                Notification(
                    cabinet=cabinet,
                    user=user,
                    kind=draft.kind,
                    text=draft.text,
                    url=draft.url,
                    key=draft.key,
                    digest=digests.get(user.pk),
                )
                for user, draft in pairs
            ]
        )


def notifications_create(
    *,
    cabinet: Cabinet,
    kind: str,
    text: str,
    url: str,
    key: str = "",
    users: list[User] | None = None,
) -> list[Notification]:
    """One notification (see notifications_create_many) for every active staff member of the
    cabinet, or those of `users`."""
    return notifications_create_many(
        cabinet=cabinet, drafts=[NotificationDraft(kind, text, url, key)], users=users
    )


def notifications_resolve(*, cabinet: Cabinet, key: str = "", keys: Iterable[str] = ()) -> int:
    """The thing `key` names (or each of `keys`) was handled, by anyone: its unread
    notifications in the cabinet are marked read, for everybody. They leave the bell and no
    digest will carry them. Returns how many."""
    wanted = {key, *keys} - {""}
    if not wanted:
        raise ValueError("notifications_resolve needs the key of what was handled")
    return Notification.objects.filter(
        cabinet=cabinet, key__in=wanted, read_at__isnull=True
    ).update(read_at=timezone.now())


def notifications_delete(*, cabinet_id: int, keys: list[str]) -> int:
    """The things `keys` name are gone for good (a document purged): their notifications,
    read or not, are deleted, for everybody. Returns how many."""
    if not keys:
        return 0
    deleted, _by_model = Notification.objects.filter(cabinet_id=cabinet_id, key__in=keys).delete()
    return deleted


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
