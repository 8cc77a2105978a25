"""The email that carries one document to an Inqom collection address."""

import mimetypes

from django.conf import settings
from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from partner_apps.document_emails import DocumentEmailMessage, attachment_part
from partner_apps.models import Delivery


def inqom_email(delivery: Delivery) -> DocumentEmailMessage:
    """From INQOM_SENDER_EMAIL to the collection address, one document attached under its
    name and type; the subject names the company and the document."""
    document = delivery.document
    company = document.company
    context = {"company": company, "document": document, "delivery": delivery}
    message = DocumentEmailMessage(
        subject=" ".join(render_to_string("inqom_connector/email_subject.txt", context).split()),
        body=render_to_string("inqom_connector/email_body.txt", context),
        from_email=settings.INQOM_SENDER_EMAIL,
        to=[delivery.target],
    )
    content_type = mimetypes.guess_type(document.name)[0] or document.content_type
    with default_storage.open(document.file.name, "rb") as file:
        message.attach(attachment_part(document.name, file.read(), content_type))
    return message
