from dataclasses import dataclass

from django.db.models import QuerySet

from welyb_portal.tenancy.models import Cabinet, Company

from .models import Folder, InboundAddress, InboundEmail
from .selectors import folder_ancestors


@dataclass
class InboundAddressRow:
    address: InboundAddress
    email: str
    folder: Folder | None
    folder_path: str
    is_default: bool


def inbound_address_rows(*, company: Company) -> list[InboundAddressRow]:
    """The company's deposit addresses with the folder each one files into."""
    from .services.inbound import (
        default_folder_path,
        inbound_address_email,
        inbound_addresses_ensure,
        inbound_folder,
    )

    rows = []
    for address in inbound_addresses_ensure(company=company):
        folder = inbound_folder(address)
        if folder is not None:
            path = "/".join([f.name for f in folder_ancestors(folder=folder)] + [folder.name])
        else:
            path = "/".join(default_folder_path(address.target))
        rows.append(
            InboundAddressRow(
                address=address,
                email=inbound_address_email(address),
                folder=folder,
                folder_path=path,
                is_default=address.folder_id is None,
            )
        )
    return rows


def inbound_email_list(*, cabinet: Cabinet, company_id: str = "") -> QuerySet[InboundEmail]:
    emails = InboundEmail.objects.filter(company__cabinet=cabinet).select_related("company")
    if company_id.isdigit():
        emails = emails.filter(company_id=int(company_id))
    return emails.order_by("-received_at", "-id")
