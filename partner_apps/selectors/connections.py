"""A company's connections as its settings page shows them, and each connector's use across the
cabinet as the Applications list shows it."""

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from ged.selectors import folder_tree
from welyb_portal.tenancy.models import Cabinet, Company

from ..models import AppKind, CompanyAuthorization, FolderAutomation, PartnerApp
from .store import installed_apps


@dataclass
class Connection:
    """One connector the cabinet installed, for one company."""

    app: PartnerApp
    # The company's collection address while it is authorised, else None.
    address: str | None
    # The paths of the folders switched on for it, in the tree's order.
    folders: list[str] = field(default_factory=list)


def company_connections(*, company: Company) -> list[Connection]:
    """Each connector the company's cabinet installed, with the company's authorisation and the
    folders switched on for it. Four queries."""
    apps = installed_apps(cabinet=company.cabinet_id).filter(kind=AppKind.CONNECTOR)
    addresses = dict(
        CompanyAuthorization.objects.effective()
        .filter(company=company)
        .values_list("app_id", "collection_email")
    )
    switched: dict[int, set[int]] = {}
    for app_id, folder_id in FolderAutomation.objects.filter(
        enabled=True, folder__company=company
    ).values_list("app_id", "folder_id"):
        switched.setdefault(app_id, set()).add(folder_id)
    tree = folder_tree(company=company) if switched else []
    return [
        Connection(
            app=app,
            address=addresses.get(app.pk),
            folders=[node.path for node in tree if node.folder.pk in switched.get(app.pk, ())],
        )
        for app in apps
    ]


def count_of(rows: QuerySet[Any], field: str) -> Coalesce:
    """How many of `rows` point, by `field`, to the outer query's row; 0 for none. A subquery:
    the outer row is never repeated by a join."""
    counted = (
        rows.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def installed_apps_with_use(*, cabinet: Cabinet) -> QuerySet[PartnerApp]:
    """The cabinet's apps, each connector with `authorized_count` (the cabinet's companies it
    may send for) and `automated_count` (the live folders switched on for it). One query."""
    authorized = CompanyAuthorization.objects.effective().filter(company__cabinet=cabinet)
    automated = FolderAutomation.objects.filter(
        enabled=True, folder__company__cabinet=cabinet, folder__trashed_at__isnull=True
    )
    return installed_apps(cabinet=cabinet).annotate(
        authorized_count=count_of(authorized, "app_id"),
        automated_count=count_of(automated, "app_id"),
    )


def app_use(*, cabinet: Cabinet, app: PartnerApp) -> PartnerApp | None:
    """The cabinet's installed app with its `authorized_count` and `automated_count` (what would
    stop sending were it uninstalled); None when the cabinet has not installed it."""
    return installed_apps_with_use(cabinet=cabinet).filter(pk=app.pk).first()
