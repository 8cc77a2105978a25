"""The Inqom connector (inqom_connector/): the sender cabinets authorise in Inqom, and the
largest attachment Inqom takes."""

from .base import env

# The sender of the documents forwarded to Inqom: cabinets authorise it in Inqom's settings.
INQOM_SENDER_EMAIL = env("INQOM_SENDER_EMAIL", default="no-reply@welyb.fr")
# The largest attachment Inqom takes.
INQOM_MAX_ATTACHMENT_MB = env.int("INQOM_MAX_ATTACHMENT_MB", default=20)
