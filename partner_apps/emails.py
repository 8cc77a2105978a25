"""The emails the store sends to people (not to partners): « Prévenir le client »."""

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMessage

from welyb_portal.tenancy.models import Cabinet


def client_notice_email_send(
    *, cabinet: Cabinet, to: str, subject: str, body: str, reply_to: str
) -> None:
    """In the cabinet's name, from the platform's address; the client's answer goes to the
    staff member who wrote."""
    EmailMessage(
        subject=subject,
        body=body,
        from_email=formataddr((cabinet.name, settings.DEFAULT_FROM_EMAIL)),
        to=[to],
        reply_to=[reply_to] if reply_to else None,
    ).send()
