"""The emails sent to accounts, in the cabinet's name: invitation, new access, password reset."""

from email.utils import formataddr

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .models import Company, User


class AccountEmail:
    """Each kind names its templates: templates/emails/<kind>_{subject,body}.{txt,html}."""

    INVITATION = "invitation"  # a new account chooses its password
    ACCESS = "access"  # an existing client gets access to one more company
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a template name

    ALL = (INVITATION, ACCESS, PASSWORD_RESET)


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
    return user.cabinet.absolute_url(path)


def account_email_send(*, user: User, kind: str, company: Company | None = None) -> None:
    """Renders and sends one account email, from the platform address under the cabinet's name
    (clients see their cabinet, never the platform)."""
    if kind not in AccountEmail.ALL:
        raise ValueError(f"unknown account email {kind!r}")
    cabinet = user.cabinet
    context = {
        "cabinet": cabinet,
        "user": user,
        "company": company,
        "link_days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
        "link": password_link(user)
        if kind != AccountEmail.ACCESS
        else cabinet.absolute_url(reverse("tenancy:login")),
    }
    subject = " ".join(render_to_string(f"emails/{kind}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{kind}_body.txt", context),
        from_email=formataddr((cabinet.name, settings.DEFAULT_FROM_EMAIL)),
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"emails/{kind}_body.html", context), "text/html")
    message.send()
