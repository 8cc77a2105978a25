"""The email that carries one document to an Inqom collection address."""

from django.conf import settings
from django.template.loader import render_to_string

from partner_apps.attachments import Attachment
from partner_apps.document_emails import DocumentEmailMessage, attachment_part
from partner_apps.models import Delivery


def inqom_email(delivery: Delivery, attachment: Attachment) -> DocumentEmailMessage:
    """From INQOM_SENDER_EMAIL to the collection address, the document attached as given (the
    stored file, or its conversion); the subject names the company and the document."""
    document = delivery.document
    company = document.company
    context = {"company": company, "document": document, "delivery": delivery}
    message = DocumentEmailMessage(
        subject=" ".join(render_to_string("inqom_connector/email_subject.txt", context).split()),
        body=render_to_string("inqom_connector/email_body.txt", context),
        from_email=settings.INQOM_SENDER_EMAIL,
        to=[delivery.target],
    )
    message.attach(attachment_part(attachment.name, attachment.content, attachment.content_type))
    return message
