"""How many parts an inbound email holds, counted in each email service's payload before
anymail builds the message: building one of thousands of parts costs anymail (and Python's
email package) time that grows faster than the parts, and a 20-file cap checked afterwards
would come too late. Each count is one pass over the payload; it may overcount (a line of the
body that starts with "--"), never undercount. With it, what identifies the email cheaply, so
that its refusal can be recorded as every other one."""

import base64
import binascii
import json
from dataclasses import dataclass


@dataclass
class PayloadSummary:
    parts: int
    recipient: str = ""
    sender: str = ""
    subject: str = ""
    event_id: str = ""


def mime_parts(raw: bytes | str) -> int:
    """An upper bound of the MIME parts of a raw email: its delimiter lines ("--boundary")."""
    if isinstance(raw, str):
        return raw.count("\n--") + 1
    return raw.count(b"\n--") + 1


def _json(request) -> dict:
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def postmark_summary(request) -> PayloadSummary | None:
    data = _json(request)
    if not data:
        return None
    raw = data.get("RawEmail")
    attachments = data.get("Attachments")
    parts = mime_parts(raw) if isinstance(raw, str) else 2
    if isinstance(attachments, list):
        parts = max(parts, len(attachments) + 2)
    return PayloadSummary(
        parts=parts,
        recipient=str(data.get("OriginalRecipient") or data.get("To") or ""),
        sender=str(data.get("From") or ""),
        subject=str(data.get("Subject") or ""),
        event_id=str(data.get("MessageID") or ""),
    )


def mailgun_summary(request) -> PayloadSummary | None:
    post = request.POST
    raw = post.get("body-mime")
    if raw is not None:
        parts = mime_parts(raw)
    else:
        try:
            declared = int(post.get("attachment-count") or 0)
        except ValueError:
            declared = 0
        parts = max(declared, len(request.FILES)) + 2
    return PayloadSummary(
        parts=parts,
        recipient=post.get("recipient", ""),
        sender=post.get("sender") or post.get("from", ""),
        subject=post.get("subject", ""),
        event_id=post.get("token", ""),
    )


def amazon_ses_summary(request) -> PayloadSummary | None:
    notification = _json(request)
    try:
        event = json.loads(notification.get("Message") or "")
    except (TypeError, ValueError):
        return None
    if not isinstance(event, dict) or "content" not in event:
        # Not an inbound email carried in the notification (a subscription, an S3 action):
        # anymail reads it.
        return None
    content = event.get("content") or ""
    if (event.get("receipt", {}).get("action", {}) or {}).get("encoding") == "BASE64":
        try:
            content = base64.b64decode(content)
        except (binascii.Error, ValueError):
            return None
    mail = event.get("mail", {}) or {}
    recipients = event.get("receipt", {}).get("recipients") or [""]
    headers = mail.get("commonHeaders", {}) or {}
    return PayloadSummary(
        parts=mime_parts(content),
        recipient=str(recipients[0]),
        sender=str(mail.get("source") or ""),
        subject=str(headers.get("subject") or ""),
        event_id=str(mail.get("messageId") or ""),
    )


# anymail's inbound URL names, by email service; the others are read by anymail only.
SUMMARIES = {
    "postmark_inbound_webhook": ("Postmark", postmark_summary),
    "mailgun_inbound_webhook": ("Mailgun", mailgun_summary),
    "amazon_ses_inbound_webhook": ("Amazon SES", amazon_ses_summary),
}
