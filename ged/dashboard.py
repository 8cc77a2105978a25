"""The GED's column on the cabinet's dashboard (settings.DASHBOARD_COLUMNS): the last deposit."""

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from welyb_portal.tenancy.dashboard import DashboardColumn
from welyb_portal.tenancy.models import Company

from .models import Document


def _with_last_deposit(companies: QuerySet[Company]) -> QuerySet[Company]:
    """`last_deposit_at`: when the company's latest document still in its GED was deposited
    (None before the first). Read from the index on (company, deposited_at)."""
    latest = (
        Document.objects.filter(company_id=OuterRef("pk"), trashed_at__isnull=True)
        .order_by("-deposited_at")
        .values("deposited_at")[:1]
    )
    return companies.annotate(last_deposit_at=Subquery(latest))


LAST_DEPOSIT = DashboardColumn(
    key="depot",
    label=_("Dernier dépôt"),
    template="ged/dashboard/last_deposit.html",
    annotate=_with_last_deposit,
    sort="last_deposit_at",
    descending=True,
)
