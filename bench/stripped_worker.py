"""The worker side of the stripped stack (`bench/forward.py --stripped`): a drain with nothing
but what sending the outbox needs, registered on the portal's Celery app (same broker, queue,
JSON, late acknowledgement; the worker imports it with `--include=bench.stripped_worker`).

Per batch: the wake flag cleared (partner_apps/outbox_wake, as the portal's drain does), up to
BATCH due deliveries claimed in one UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)
RETURNING what their emails need (target, file, name, type, company), each email written by
hand (bytes headers, base64 of the stored file, CRLF) and sent over the process's kept smtplib
connection, every outcome recorded in one UPDATE. A full batch wakes another drain (the other
pool process shares the backlog). Left out: the app and authorisation judged again at send
time, the duplicate and format refusals, the document's « Validé », staff notifications, the
per-delivery claim on the row as read, the lease's deadline, back-off beyond one fixed minute,
TLS and SMTP authentication (the sink has none)."""

import base64
import os
import secrets
import smtplib
import socket
from email.utils import formatdate, make_msgid

from celery import shared_task
from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection

from partner_apps.outbox_wake import wake_flag_clear, wake_flag_set

BATCH = 20
RETRY_SECONDS = 60

CLAIM = """
UPDATE partner_apps_delivery d SET status = 'sending', attempts = d.attempts + 1,
  claimed_at = now(), claimed_by = %s, updated_at = now()
FROM ged_document doc, tenancy_company c
WHERE d.id IN (
    SELECT id FROM partner_apps_delivery
    WHERE status IN ('pending', 'retrying')
      AND (next_attempt_at IS NULL OR next_attempt_at <= now())
    ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED)
  AND doc.id = d.document_id AND c.id = d.company_id
RETURNING d.id, d.target, doc.file, doc.name, doc.content_type, c.name
"""

RECORD = """
UPDATE partner_apps_delivery d SET status = v.status, message_id = v.message_id,
  detail = v.detail, updated_at = now(),
  sent_at = CASE WHEN v.status = 'sent' THEN now() END,
  next_attempt_at = CASE WHEN v.status = 'retrying'
    THEN now() + make_interval(secs => %s) END
FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS v(id, status, message_id, detail)
WHERE d.id = v.id
"""

_smtp: smtplib.SMTP | None = None


def header_text(text: str) -> str:
    return text if text.isascii() else f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def email_bytes(target: str, name: str, content_type: str, company: str, content: bytes):
    """The Message-ID and the bytes of the email carrying one document, written by hand."""
    sender = settings.DEFAULT_FROM_EMAIL
    message_id = make_msgid(domain=sender.rpartition("@")[2])
    boundary = f"=_{secrets.token_hex(16)}"
    head = (
        f"From: {sender}\r\nTo: {target}\r\nSubject: {header_text(f'{company} – {name}')}\r\n"
        f"Date: {formatdate()}\r\nMessage-ID: {message_id}\r\nMIME-Version: 1.0\r\n"
        f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
        f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: 8bit\r\n\r\nDocument de l'entreprise {company}.\r\n"
        f"--{boundary}\r\nContent-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment; filename="{header_text(name)}"\r\n\r\n'
    )
    attachment = base64.encodebytes(content).replace(b"\n", b"\r\n")
    return message_id, head.encode() + attachment + f"--{boundary}--\r\n".encode()


def send(target: str, payload: bytes) -> None:
    """Over the process's kept connection, opened again once if the server dropped it."""
    global _smtp
    for attempt in range(2):
        if _smtp is None:
            _smtp = smtplib.SMTP(settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=30)
        try:
            _smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [target], payload)
            return
        except (smtplib.SMTPServerDisconnected, OSError):
            _smtp = None
            if attempt:
                raise


def outcome(row) -> tuple[int, str, str, str]:
    delivery_id, target, key, name, content_type, company = row
    try:
        with default_storage.open(key) as stored:
            message_id, payload = email_bytes(target, name, content_type, company, stored.read())
        send(target, payload)
    except (OSError, smtplib.SMTPException) as error:
        return delivery_id, "retrying", "", repr(error)[:255]
    return delivery_id, "sent", message_id, ""


@shared_task(name="bench.stripped_drain", ignore_result=True)
def stripped_drain() -> None:
    """Claims, sends and records batches until none is due."""
    claimed_by = f"{socket.gethostname()}:{os.getpid()}"
    while True:
        wake_flag_clear()
        with connection.cursor() as cursor:
            cursor.execute(CLAIM, [claimed_by, BATCH])
            rows = cursor.fetchall()
        if not rows:
            return
        if len(rows) == BATCH and wake_flag_set():
            stripped_drain.delay()
        outcomes = list(zip(*(outcome(row) for row in rows), strict=True))
        with connection.cursor() as cursor:
            cursor.execute(RECORD, [RETRY_SECONDS, *map(list, outcomes)])
