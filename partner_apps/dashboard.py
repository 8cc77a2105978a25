"""The store's columns on the cabinet's dashboard (settings.DASHBOARD_COLUMNS): each company's
connections (connectors authorised, folders automated) and its sends that need action."""

from collections import defaultdict

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from welyb_portal.tenancy.dashboard import DashboardColumn
from welyb_portal.tenancy.models import Company

from .models import CompanyAuthorization, Delivery, FolderAutomation
from .models.installation import app_installed
from .selectors.connections import count_of


def _authorized() -> QuerySet[CompanyAuthorization]:
    """Effective authorisations: switched on, with an address, for an app the cabinet has."""
    return CompanyAuthorization.objects.effective().filter(
        app_installed(cabinet="company__cabinet_id")
    )


def _with_connections(companies: QuerySet[Company]) -> QuerySet[Company]:
    automated = FolderAutomation.objects.filter(
        enabled=True, folder__trashed_at__isnull=True
    ).filter(app_installed(cabinet="folder__company__cabinet_id"))
    return companies.annotate(
        authorized_count=count_of(_authorized(), "company_id"),
        automated_count=count_of(automated, "folder__company_id"),
    )


def _prefetch_connections(companies: list[Company]) -> None:
    """`connectors`: the names of the connectors each company is authorised for. One query."""
    names = defaultdict(list)
    rows = (
        _authorized()
        .filter(company__in=companies)
        .order_by("app__position", "app__name")
        .values_list("company_id", "app__name")
    )
    for company_id, name in rows:
        names[company_id].append(name)
    for company in companies:
        # For this column's template: no annotation carries a list.
        company.connectors = names[company.pk]  # type: ignore[attr-defined]


def _with_needs_action(companies: QuerySet[Company]) -> QuerySet[Company]:
    return companies.annotate(needs_action=count_of(Delivery.objects.needs_action(), "company_id"))


CONNECTIONS = DashboardColumn(
    key="connexions",
    label=_("Connexions"),
    template="partner_apps/dashboard/connections.html",
    annotate=_with_connections,
    sort="authorized_count",
    descending=True,
    prefetch=_prefetch_connections,
)

NEEDS_ACTION = DashboardColumn(
    key="a-regler",
    label=_("À régler"),
    template="partner_apps/dashboard/needs_action.html",
    annotate=_with_needs_action,
    sort="needs_action",
    descending=True,
)
