from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, QuerySet

from welyb_portal.tenancy.models import Cabinet, Company

from .models import (
    Channel,
    Document,
    Folder,
    InboundAddress,
    InboundEmail,
    InboundStatus,
    InboundTarget,
)
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
    from .services.inbound_addresses import (
        default_folder_path,
        inbound_address_email,
        inbound_folder,
    )

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
    """The company's deposit addresses with the folder each one files into, in the targets'
    order (created with the company: reading them writes nothing)."""
    order = {target: position for position, target in enumerate(InboundTarget.values)}
    addresses = InboundAddress.objects.filter(company=company).select_related("company", "folder")
    return [
        inbound_address_row(address)
        for address in sorted(addresses, key=lambda address: order[address.target])
    ]


# The statuses the API and the page filter on: "filed" is every email that deposited something.
STATUS_FILTERS = {
    "filed": (InboundStatus.DEPOSITED, InboundStatus.PARTIAL),
    "refused": (InboundStatus.REFUSED,),
    "held": (InboundStatus.HELD,),
    "duplicate": (InboundStatus.DUPLICATE,),
}


def inbound_email_list(
    *, cabinet: Cabinet, company: Company | None = None, status: str = ""
) -> QuerySet[InboundEmail]:
    """The emails received on the cabinet's deposit addresses (one company's, when given),
    newest first, narrowed to a status of STATUS_FILTERS."""
    emails = InboundEmail.objects.filter(company__cabinet=cabinet).select_related("company")
    if company is not None:
        emails = emails.filter(company=company)
    if status in STATUS_FILTERS:
        emails = emails.filter(status__in=STATUS_FILTERS[status])
    return emails.order_by("-received_at", "-id")


def held_emails(*, cabinet: Cabinet) -> QuerySet[InboundEmail]:
    """The emails that wait for staff to accept or reject them."""
    return InboundEmail.objects.filter(company__cabinet=cabinet, status=InboundStatus.HELD)


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


def inbound_email_counts() -> dict[str, int]:
    """Every email received on the platform's deposit addresses, counted by status: for the
    operator's metrics, which name no cabinet. One GROUP BY query."""
    rows = InboundEmail.objects.order_by().values_list("status").annotate(n=Count("id"))
    return dict(rows)
