"""The emails the portal writes in the cabinet's name: to accounts (invitation, new access,
password reset) and to staff (the digest of their notifications)."""

from email.utils import formataddr

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import Cabinet, Company, Notification, NotificationDigest, User
from .typography import french_spacing, french_spacing_html


class AccountEmail:
    """Each kind names its templates: templates/emails/<kind>_{subject,body}.{txt,html}."""

    INVITATION = "invitation"  # a new account chooses its password
    ACCESS = "access"  # an existing client gets access to one more company
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a template name

    ALL = (INVITATION, ACCESS, PASSWORD_RESET)


def branded_email(
    *, cabinet: Cabinet, to: str, template: str, context: dict
) -> EmailMultiAlternatives:
    """An email from the platform address under the cabinet's name (its clients and staff see
    their cabinet, never the platform), written from templates/emails/<template>_subject.txt,
    _body.txt and, as its HTML alternative, _body.html. The bodies get French typography's
    no-break spaces; the subject, a header, is left as written."""
    context = {"cabinet": cabinet, **context}
    message = EmailMultiAlternatives(
        subject=" ".join(render_to_string(f"emails/{template}_subject.txt", context).split()),
        body=french_spacing(render_to_string(f"emails/{template}_body.txt", context)),
        from_email=formataddr((cabinet.name, settings.DEFAULT_FROM_EMAIL)),
        to=[to],
    )
    message.attach_alternative(
        french_spacing_html(render_to_string(f"emails/{template}_body.html", context)),
        "text/html",
    )
    return message


def password_link(user: User) -> str:
    """The cabinet-host link where this user chooses a password (valid PASSWORD_RESET_TIMEOUT,
    and only until the password changes)."""
    path = reverse(
        "tenancy:set-password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return user.member_cabinet.absolute_url(path)


def account_email_send(*, user: User, kind: str, company: Company | None = None) -> None:
    """Renders and sends one account email."""
    if kind not in AccountEmail.ALL:
        raise ValueError(f"unknown account email {kind!r}")
    cabinet = user.member_cabinet
    context = {
        "user": user,
        "company": company,
        "link_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
        "link": password_link(user)
        if kind != AccountEmail.ACCESS
        else cabinet.absolute_url(reverse("tenancy:login")),
    }
    branded_email(cabinet=cabinet, to=user.email, template=kind, context=context).send()


# A digest lists this many notifications at most (a burst of failures could be hundreds); the
# others are counted, and wait on the notifications page.
DIGEST_MAX_ITEMS = 30


def notification_digest_email(
    *, digest: NotificationDigest, notifications: list[Notification]
) -> EmailMultiAlternatives:
    """The digest email of one person: each notification's sentence with its link on the
    cabinet's host (DIGEST_MAX_ITEMS of them, newest first, then how many more), the link to
    their notifications page, and how to stop these emails. It carries the digest's own
    Message-ID, so that a resend is recognisably the same message."""
    user = digest.user
    cabinet = user.member_cabinet
    message = branded_email(
        cabinet=cabinet,
        to=user.email,
        template="notification_digest",
        context={
            "user": user,
            "count": len(notifications),
            "items": [
                {"text": notification.text, "link": cabinet.absolute_url(notification.url)}
                for notification in notifications[:DIGEST_MAX_ITEMS]
            ],
            "more": max(0, len(notifications) - DIGEST_MAX_ITEMS),
            "notifications_link": cabinet.absolute_url(reverse("tenancy:notifications")),
            "window_minutes": NotificationDigest.window_minutes(),
        },
    )
    # RFC 3834: an automatic message, to which no out-of-office reply should answer.
    message.extra_headers.update(
        {"Message-ID": digest.message_id, "Auto-Submitted": "auto-generated"}
    )
    return message
