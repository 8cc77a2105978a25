"""API tokens: handed out for a password, kept alive by use, gone after API_TOKEN_DAYS days of
disuse, on logout, and whenever the account's password changes.

The last use is written at most once an hour (`TokenActivity`), not at every request: a token
used within the hour costs no query beyond its lookup, which reads the token, its user and its
activity in one. A token may thus expire up to an hour before API_TOKEN_DAYS days have passed
since its very last use.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import receiver
from django.utils import timezone
from rest_framework.authtoken.models import Token

from ..models import TokenActivity, User
from ..signals import password_changed

# How stale the recorded last use may grow before a request writes it again.
USE_RECORD_INTERVAL = timedelta(hours=1)


def _lifetime() -> timedelta:
    return timedelta(days=settings.API_TOKEN_DAYS)


def _last_used(token: Token) -> datetime:
    try:
        return token.activity.last_used_at
    except TokenActivity.DoesNotExist:
        return token.created


def api_token_touch(*, token: Token) -> bool:
    """Records a use of `token` (`Token.objects.select_related("activity")` spares a query).

    False when the token had expired: it is deleted, and the caller must refuse it. Also False
    when it was deleted meanwhile (a logout or a new password in another request)."""
    now = timezone.now()
    last_used = _last_used(token)
    if now - last_used >= _lifetime():
        Token.objects.filter(pk=token.pk).delete()
        return False
    if now - last_used < USE_RECORD_INTERVAL:
        return True
    try:
        with transaction.atomic():
            TokenActivity.objects.bulk_create(
                [TokenActivity(token=token, last_used_at=now)],
                update_conflicts=True,
                unique_fields=["token"],
                update_fields=["last_used_at"],
            )
    except IntegrityError:
        # The token row is gone: its activity has nothing to point to.
        return False
    return True


def api_token_obtain(*, user: User) -> Token:
    """The user's live API token, its use recorded: the one they have, or a new key when they
    have none or theirs expired. The caller has checked the password."""
    token = Token.objects.select_related("activity").filter(user=user).first()
    if token is not None and api_token_touch(token=token):
        return token
    token, _created = Token.objects.get_or_create(user=user)
    return token


def api_token_revoke(*, token: Token) -> None:
    """Deletes the token: every program that holds it gets 401 from now on."""
    Token.objects.filter(pk=token.pk).delete()


def api_tokens_revoke(*, users: Sequence[User]) -> int:
    """Deletes every API token of these users; returns how many."""
    _total, deleted = Token.objects.filter(user__in=users).delete()
    return deleted.get(Token._meta.label, 0)


def api_tokens_purge() -> int:
    """Deletes the tokens unused for API_TOKEN_DAYS days (authentication refuses them anyway);
    returns how many."""
    cutoff = timezone.now() - _lifetime()
    _total, deleted = Token.objects.filter(
        Q(activity__isnull=True, created__lte=cutoff) | Q(activity__last_used_at__lte=cutoff)
    ).delete()
    return deleted.get(Token._meta.label, 0)


@receiver(password_changed, dispatch_uid="tenancy.password_changed_revokes_api_tokens")
def _revoke_on_password_change(sender: object, user: User, **kwargs: object) -> None:
    # Whoever held the old password may have taken a token with it: the new password is the
    # only way in again.
    Token.objects.filter(user=user).delete()
