"""The GED's documents (their size, deposit by email, the trash), and how much of a request's
body each route reads."""

from django.core.exceptions import ImproperlyConfigured

from .base import env
from .hosts import PORTAL_DOMAIN

DOCUMENT_MAX_MB = env.int("DOCUMENT_MAX_MB", default=100)
# Deposit by email: each company's addresses live on this domain (its MX points to the ESP,
# whose inbound webhook posts to /anymail/<esp>/inbound/). At most INBOUND_MAX_ATTACHMENTS
# files an email; inline images under INBOUND_INLINE_IGNORE_KB (signatures, logos) are not
# documents.
INBOUND_EMAIL_DOMAIN = env("INBOUND_EMAIL_DOMAIN", default=f"depot.{PORTAL_DOMAIN}")
INBOUND_MAX_ATTACHMENTS = env.int("INBOUND_MAX_ATTACHMENTS", default=20)
# The parts an inbound email may hold (attachments, inline images, text and HTML bodies),
# counted in the email service's payload before anything builds the message: an email of
# thousands of tiny parts would otherwise cost seconds of CPU. More: refused, unread, recorded.
INBOUND_MAX_PARTS = env.int("INBOUND_MAX_PARTS", default=200)
# The authserv-ids whose Authentication-Results headers (RFC 8601) the platform trusts: those
# of the servers that receive the inbound mail before the email service posts it (Amazon SES's
# own, amazonses.com, is always trusted for SES). Headers of any other id may be the sender's.
INBOUND_AUTHSERV_IDS = env.list("INBOUND_AUTHSERV_IDS", default=[])
INBOUND_INLINE_IGNORE_KB = env.int("INBOUND_INLINE_IGNORE_KB", default=30)
# Documents and folders in a company's trash are deleted for good, files included, once they
# have been there TRASH_RETENTION_DAYS days (beat, every night: ged/services/trash_retention.py).
# Nothing else is ever deleted automatically: accounting documents are kept ten years.
TRASH_RETENTION_DAYS = env.int("TRASH_RETENTION_DAYS", default=30)
if TRASH_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("TRASH_RETENTION_DAYS must be 1 or more.")


# --- Request bodies (welyb_portal/tenancy/request_bodies.py) -----------------------------------

# What any route reads of a body, in memory (Django's default, 2.5 MiB): a longer one is refused
# from its Content-Length, unread (413). Only these routes take more, each from whom it trusts:
# the GED's deposits (a file up to DOCUMENT_MAX_MB, to a temporary file; the deposit form
# without script, every file at once, up to UPLOAD_MAX_REQUEST_MB) and the email services'
# inbound webhooks, which post a whole email in one body (Mailgun's body-mime field, Postmark's
# JSON with its attachments in base64: 25 to 35 MB), up to INBOUND_MAX_BODY_MB, in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
UPLOAD_MAX_REQUEST_MB = env.int("UPLOAD_MAX_REQUEST_MB", default=2 * DOCUMENT_MAX_MB)
INBOUND_MAX_BODY_MB = env.int("INBOUND_MAX_BODY_MB", default=50)
if UPLOAD_MAX_REQUEST_MB < DOCUMENT_MAX_MB:
    raise ImproperlyConfigured("UPLOAD_MAX_REQUEST_MB must be DOCUMENT_MAX_MB or more.")
# Files go to temporary files, never whole into memory, for signed-in users only, each stopped
# as it passes its route's cap.
FILE_UPLOAD_HANDLERS = ["welyb_portal.tenancy.upload_handlers.BoundedUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)
