"""Notifications as an app built on the core writes them, and the digests they join."""

from datetime import datetime, timedelta

from welyb_portal.tenancy.models import Cabinet, Notification, NotificationDigest, User
from welyb_portal.tenancy.services.notifications import notifications_create

KIND = "delivery.needs_action"
URL = "/envois/a-regler/"


def notify(
    cabinet: Cabinet,
    text: str = "« facture-42.pdf » n'a pas pu partir : adresse refusée.",
    *,
    key: str = "",
    url: str = URL,
    users: list[User] | None = None,
) -> list[Notification]:
    return notifications_create(
        cabinet=cabinet, kind=KIND, text=text, url=url, key=key, users=users
    )


def open_digest(user: User) -> NotificationDigest:
    """The person's digest that gathers their new notifications."""
    return NotificationDigest.objects.get(user=user, status="pending")


def unread_of(user: User) -> list[str]:
    return list(
        Notification.objects.filter(user=user, read_at__isnull=True)
        .order_by("created_at", "pk")
        .values_list("text", flat=True)
    )


def at(digest: NotificationDigest, seconds: float = 0) -> datetime:
    """A moment relative to when the digest is due."""
    return digest.due_at + timedelta(seconds=seconds)
