"""The receipt sent, when the company wants it, to whoever deposited documents by email."""

from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string

from welyb_portal.tenancy.models import Company
from welyb_portal.tenancy.typography import french_spacing

from .models import Folder, InboundEmail


def inbound_receipt_send(*, record: InboundEmail, company: Company) -> None:
    """Lists what was filed and what was refused, in the cabinet's name (never the tools it
    uses), for an email received for `company`."""
    cabinet = company.cabinet
    folders = Folder.objects.in_bulk(
        {item.get("folder") for item in record.items if item.get("folder")}
    )
    items = [
        {**item, "folder_name": getattr(folders.get(item.get("folder")), "name", "")}
        for item in record.items
    ]
    context = {"record": record, "company": company, "cabinet": cabinet, "items": items}
    EmailMessage(
        subject=" ".join(render_to_string("emails/inbound_receipt_subject.txt", context).split()),
        body=french_spacing(render_to_string("emails/inbound_receipt_body.txt", context)),
        from_email=formataddr((cabinet.name, settings.DEFAULT_FROM_EMAIL)),
        to=[record.sender],
    ).send()
