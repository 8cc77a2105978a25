"""The email that carries one document to an Inqom collection address."""

import mimetypes
from email import encoders
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from partner_apps.models import Delivery


def _text_charset(content: bytes) -> str:
    for charset in ("utf-8", "windows-1252"):
        try:
            content.decode(charset)
        except UnicodeDecodeError:
            continue
        return charset
    return "latin-1"


def _text_attachment(name: str, content: bytes, content_type: str) -> MIMEBase:
    """A text file (.txt, .csv) exactly as deposited, in base64 and labelled with its charset.
    Given its bytes, Django would decode them and send text: a Windows-1252 CSV would lose its
    type, any text file its line endings over SMTP; anymail decodes with the charset named."""
    part = MIMEBase(*content_type.split("/", 1), charset=_text_charset(content))
    part.set_payload(content)
    encoders.encode_base64(part)
    filename = name if name.isascii() else ("utf-8", "", name)
    part.add_header("Content-Disposition", "attachment", filename=filename)
    return part


def inqom_email(delivery: Delivery) -> EmailMessage:
    """From INQOM_SENDER_EMAIL to the collection address, one document attached under its
    name and type; the subject names the company and the document."""
    document = delivery.document
    company = document.company
    context = {"company": company, "document": document, "delivery": delivery}
    message = EmailMessage(
        subject=" ".join(render_to_string("inqom_connector/email_subject.txt", context).split()),
        body=render_to_string("inqom_connector/email_body.txt", context),
        from_email=settings.INQOM_SENDER_EMAIL,
        to=[delivery.target],
    )
    content_type = mimetypes.guess_type(document.name)[0] or document.content_type
    with default_storage.open(document.file.name, "rb") as file:
        content = file.read()
    if content_type.startswith("text/"):
        message.attach(_text_attachment(document.name, content, content_type))
    else:
        message.attach(document.name, content, content_type)
    return message
