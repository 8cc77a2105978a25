"""What a cabinet admin reads before removing a company: what would go, and whether the
company's documents were exported since its last deposit."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q, Sum

from welyb_portal.tenancy.models import AuditEntry, Company, User
from welyb_portal.tenancy.selectors import company_clients_with_other_companies

from .models import Document

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from welyb_portal.tenancy.selectors import OtherCompanies

# What the export writes in the audit trail, the company as its target (ged/services/export.py),
# with `as_of` in its data.
EXPORTED_ACTION = "company.exported"


@dataclass(frozen=True)
class OffboardingState:
    documents: int  # trashed ones included
    trashed: int
    bytes: int
    last_deposit_at: datetime | None
    last_export_at: datetime | None
    # Those without other companies are deactivated.
    clients: "list[WithAnnotations[User, OtherCompanies]]"

    @property
    def export_missing(self) -> bool:
        """Documents were deposited since the last export, or none was ever made (a company
        without a document needs none)."""
        if self.last_deposit_at is None:
            return False
        return self.last_export_at is None or self.last_export_at <= self.last_deposit_at

    @property
    def clients_leaving(self) -> list[User]:
        return [client for client in self.clients if not client.has_other_companies]

    @property
    def clients_staying(self) -> list[User]:
        return [client for client in self.clients if client.has_other_companies]


def company_last_export_at(*, company: Company) -> datetime | None:
    """When the newest export began to read the documents (its entry's `as_of`): a deposit made
    while a long export streamed precedes the entry but is not in the archive. Entries written
    before `as_of` existed count from their own time."""
    entries = AuditEntry.objects.filter(
        cabinet_id=company.cabinet_id,
        action=EXPORTED_ACTION,
        target_type=Company._meta.label_lower,
        target_id=str(company.pk),
    ).values_list("created_at", "data")
    bounds = [
        datetime.fromisoformat(data["as_of"]) if data.get("as_of") else created_at
        for created_at, data in entries
    ]
    return max(bounds, default=None)


def offboarding_state(*, company: Company) -> OffboardingState:
    """Three queries: the documents' figures, the last export, the clients."""
    figures = Document.objects.filter(company=company).aggregate(
        documents=Count("pk"),
        trashed=Count("pk", filter=Q(trashed_at__isnull=False)),
        bytes=Sum("size"),
        last_deposit_at=Max("deposited_at"),
    )
    return OffboardingState(
        documents=figures["documents"],
        trashed=figures["trashed"],
        bytes=figures["bytes"] or 0,
        last_deposit_at=figures["last_deposit_at"],
        last_export_at=company_last_export_at(company=company),
        clients=list(company_clients_with_other_companies(company=company)),
    )
