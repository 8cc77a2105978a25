"""Sending one email for a connector, with each failure judged transient or permanent.

The email goes through Django's email API: an anymail ESP in production (ANYMAIL_ESP), SMTP
(EMAIL_URL) or files elsewhere. Every email-collection partner (Inqom, later Dext, MEG...)
sends through here."""

import contextlib
import smtplib
import socket
import threading
from email.utils import make_msgid

from anymail.exceptions import AnymailAPIError, AnymailError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

from .connectors import PermanentDeliveryError, TransientDeliveryError


def _smtp_code(error: smtplib.SMTPException) -> int | None:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return min(codes) if codes else None
    return getattr(error, "smtp_code", None)


def _refusal(error: Exception) -> Exception:
    """The delivery error an exception of the email layer stands for: a sentence an accountant
    understands, and the technical detail for support."""
    if isinstance(error, smtplib.SMTPException):
        code = _smtp_code(error)
        detail = f"SMTP {code}" if code else type(error).__name__
        if isinstance(error, smtplib.SMTPServerDisconnected) or (code and 400 <= code < 500):
            return TransientDeliveryError(
                _("Le serveur d'envoi est momentanément indisponible."), detail=detail
            )
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            return PermanentDeliveryError(
                _("Le serveur d'envoi a refusé l'adresse de collecte : vérifiez-la."),
                detail=detail,
            )
        return PermanentDeliveryError(_("Le serveur d'envoi a refusé le message."), detail=detail)
    if isinstance(error, AnymailRecipientsRefused):
        return PermanentDeliveryError(
            _("Le service d'envoi a refusé l'adresse de collecte : vérifiez-la."),
            detail=type(error).__name__,
        )
    if isinstance(error, AnymailAPIError):
        status = error.status_code
        detail = f"HTTP {status}" if status else _("sans réponse")
        if status is None or status == 429 or status >= 500:
            return TransientDeliveryError(
                _("Le service d'envoi est momentanément indisponible."), detail=detail
            )
        return PermanentDeliveryError(_("Le service d'envoi a refusé le message."), detail=detail)
    if isinstance(error, AnymailError):
        return PermanentDeliveryError(
            _("Le service d'envoi a refusé le message."), detail=type(error).__name__
        )
    if isinstance(error, (ConnectionError, socket.timeout, TimeoutError, OSError)):
        return TransientDeliveryError(
            _("Le serveur d'envoi ne répond pas."), detail=type(error).__name__
        )
    return error


# One kept connection per thread (a worker process has one; the embedded mode sends from the
# web server's threads), opened again when the email settings change.
_kept = threading.local()


def _settings_key() -> tuple:
    return (settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT)


def _close_connection() -> None:
    connection = getattr(_kept, "connection", None)
    if connection is not None:
        with contextlib.suppress(Exception):
            connection.close()
    _kept.connection, _kept.key = None, None


def _open_connection():
    """The thread's connection to the email backend, opened once and kept: a worker sends
    message after message without a new SMTP handshake (or HTTP session) each time."""
    if getattr(_kept, "key", None) != _settings_key():
        _close_connection()
    if getattr(_kept, "connection", None) is None:
        connection = get_connection(fail_silently=False)
        connection.open()
        _kept.connection, _kept.key = connection, _settings_key()
    return _kept.connection


def _send(message: EmailMessage) -> None:
    """Sends over the kept connection. One the server dropped while idle is opened again once
    before the failure counts; after any other failure the next send starts afresh."""
    for attempt in (1, 2):
        message.connection = _open_connection()
        try:
            message.send(fail_silently=False)
            return
        except smtplib.SMTPServerDisconnected:
            _close_connection()
            if attempt == 2:
                raise
        except Exception:
            _close_connection()
            raise


def email_message_id(sender: str) -> str:
    return make_msgid(domain=sender.rpartition("@")[2] or None)


def email_deliver(message: EmailMessage, *, message_id: str = "") -> str:
    """Sends the message with that Message-ID (a new one when empty); returns the ESP's
    message id, or the Message-ID (which SMTP keeps). Raises TransientDeliveryError or
    PermanentDeliveryError."""
    message_id = message_id or email_message_id(message.from_email)
    message.extra_headers["Message-ID"] = message_id
    try:
        _send(message)
    except Exception as error:
        refusal = _refusal(error)
        if refusal is error:
            raise
        raise refusal from error
    status = getattr(message, "anymail_status", None)
    esp_id = getattr(status, "message_id", None) if status is not None else None
    return str(esp_id) if esp_id not in (None, "") else message_id
