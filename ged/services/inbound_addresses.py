"""The companies' deposit-by-email addresses: four per company (purchases, sales, expense
reports, « À classer »), each with a random part no one guesses, filing into a folder staff may
choose."""

import base64
import secrets
from typing import Literal, overload

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Company, User
from welyb_portal.tenancy.services.audit import audit_record

from ..models import Folder, InboundAddress
from ..models import InboundTarget as Target
from .folders import folder_path_ensure
from .tree import annual_folder_name

A_CLASSER_FOLDER = "À classer"
# Where each target files by default: a path of names; None stands for this year's annual folder.
# None: the year's annual folder.
DEFAULT_PATHS: dict[str, tuple[str | None, ...]] = {
    Target.ACHATS: (None, "Achats"),
    Target.VENTES: (None, "Ventes"),
    Target.NDF: (None, "Notes de frais"),
    Target.A_CLASSER: (A_CLASSER_FOLDER,),
}


def _new_local_part(company: Company, target: str) -> str:
    """ "boulangerie-martin-achats-k3xq7m2p9d4t": readable, and 60 random bits no one guesses."""
    token = base64.b32encode(secrets.token_bytes(8)).decode().rstrip("=").lower()
    name = slugify(company.name)[:24].strip("-") or "entreprise"
    return f"{name}-{target}-{token}"[:64]


def inbound_addresses_ensure(*, company: Company) -> list[InboundAddress]:
    """The company's four addresses, created where missing: when the company is created (the
    `company_created` receiver), and by the migration that gave existing companies theirs.
    Pages and selectors only read them."""
    existing = {a.target: a for a in InboundAddress.objects.filter(company=company)}
    for target in Target.values:
        if target not in existing:
            try:
                with transaction.atomic():
                    existing[target] = InboundAddress.objects.create(
                        company=company, target=target, local_part=_new_local_part(company, target)
                    )
            except IntegrityError:
                existing[target] = InboundAddress.objects.get(company=company, target=target)
    return [existing[target] for target in Target.values]


def inbound_address_for_target(*, company: Company, target: str) -> InboundAddress | None:
    """The company's address for that target (None for a target that does not exist)."""
    if target not in Target.values:
        return None
    return (
        InboundAddress.objects.select_related("company", "folder")
        .filter(company=company, target=target)
        .first()
    )


def inbound_email_of(local_part: str) -> str:
    return f"{local_part}@{settings.INBOUND_EMAIL_DOMAIN}"


def inbound_address_email(address: InboundAddress) -> str:
    return inbound_email_of(address.local_part)


def default_folder_path(target: str) -> list[str]:
    year = timezone.localdate().year
    return [annual_folder_name(year) if part is None else part for part in DEFAULT_PATHS[target]]


@overload
def inbound_folder(address: InboundAddress, *, create: Literal[True]) -> Folder: ...
@overload
def inbound_folder(address: InboundAddress, *, create: bool = False) -> Folder | None: ...
def inbound_folder(address: InboundAddress, *, create: bool = False) -> Folder | None:
    """Where the address files: the folder staff chose, else the target's default folder
    (this year's Achats, Ventes, Notes de frais; « À classer » at the root), created when
    `create` and missing."""
    chosen = address.folder
    if chosen is not None and chosen.trashed_at is None:
        return chosen
    names = default_folder_path(address.target)
    if create:
        return folder_path_ensure(company=address.company, names=names, by=None)
    from ..selectors import folder_at_path

    return folder_at_path(company=address.company, names=names)


@transaction.atomic
def inbound_address_regenerate(*, address: InboundAddress, by: User) -> InboundAddress:
    """A new random address for the target; the old one stops working at once."""
    old = address.local_part
    address.local_part = _new_local_part(address.company, address.target)
    address.save(update_fields=["local_part", "updated_at"])
    audit_record(
        cabinet=address.company.cabinet,
        actor=by,
        action="inbound_address.regenerated",
        target=address.company,
        data={
            "target": address.target,
            "old": inbound_email_of(old),
            "new": inbound_address_email(address),
        },
    )
    return address


@transaction.atomic
def inbound_address_folder_set(
    *, address: InboundAddress, folder: Folder | None, by: User
) -> InboundAddress:
    """Points an address at a folder of its company (None: back to the default)."""
    if folder is not None and (folder.company_id != address.company_id or folder.trashed_at):
        raise ValidationError({"folder": [_("Dossier introuvable.")]})
    old = address.folder_id
    address.folder = folder
    address.save(update_fields=["folder", "updated_at"])
    audit_record(
        cabinet=address.company.cabinet,
        actor=by,
        action="inbound_address.folder_changed",
        target=address.company,
        data={"target": address.target, "old": old, "new": folder.pk if folder else None},
    )
    return address
