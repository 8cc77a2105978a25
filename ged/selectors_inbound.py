from dataclasses import dataclass
from datetime import timedelta

from django.db.models import QuerySet

from welyb_portal.tenancy.models import Cabinet, Company

from .models import Channel, Document, Folder, InboundAddress, InboundEmail
from .selectors import folder_path_name


@dataclass
class InboundAddressRow:
    address: InboundAddress
    email: str
    folder: Folder | None
    folder_path: str
    is_default: bool


def inbound_address_row(address: InboundAddress) -> InboundAddressRow:
    """One deposit address with the folder it files into."""
    from .services.inbound import default_folder_path, inbound_address_email, inbound_folder

    folder = inbound_folder(address)
    return InboundAddressRow(
        address=address,
        email=inbound_address_email(address),
        folder=folder,
        folder_path=(
            folder_path_name(folder=folder)
            if folder is not None
            else "/".join(default_folder_path(address.target))
        ),
        is_default=address.folder_id is None,
    )


def inbound_address_rows(*, company: Company) -> list[InboundAddressRow]:
    """The company's deposit addresses with the folder each one files into."""
    from .services.inbound import inbound_addresses_ensure

    return [inbound_address_row(address) for address in inbound_addresses_ensure(company=company)]


def inbound_email_list(*, cabinet: Cabinet, company_id: str = "") -> QuerySet[InboundEmail]:
    emails = InboundEmail.objects.filter(company__cabinet=cabinet).select_related("company")
    if company_id.isdigit():
        emails = emails.filter(company_id=int(company_id))
    return emails.order_by("-received_at", "-id")


def document_sender(*, document: Document) -> str:
    """The address whose email brought a document deposited by email ("" when none is found):
    the email was recorded moments before its attachments were deposited."""
    around = timedelta(minutes=10)
    records = InboundEmail.objects.filter(
        company_id=document.company_id,
        received_at__range=(document.deposited_at - around, document.deposited_at + around),
    ).only("sender", "items")
    for record in records:
        if any(item.get("document") == document.pk for item in record.items):
            return record.sender
    return ""


def document_depositor_email(*, document: Document) -> str:
    """Where to write to the person who deposited a document, when it was not the cabinet:
    the client's account, or the sender of the email that brought it; "" otherwise."""
    depositor = document.deposited_by
    if depositor is not None:
        return "" if depositor.is_cabinet_staff else depositor.email
    if document.channel == Channel.EMAIL:
        return document_sender(document=document)
    return ""
