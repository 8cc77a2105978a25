from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from welyb_portal.tenancy.models import Cabinet, Company
from welyb_portal.tenancy.selectors import company_list_of_cabinet

from ..connectors import connector_for, connectors_of_partner
from ..models import AppKind, CabinetApp, CompanyAuthorization, PartnerApp

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

AUTHORIZATIONS_PER_PAGE = 50


class _Installed(TypedDict):
    installed: bool


def catalogue(*, cabinet: Cabinet | int) -> "QuerySet[WithAnnotations[PartnerApp, _Installed]]":
    """Every app of the store, with `installed` for this cabinet."""
    return PartnerApp.objects.annotate(
        installed=Exists(CabinetApp.objects.filter(cabinet=cabinet, app=OuterRef("pk")))
    ).order_by("position", "name")


def installed_apps(
    *, cabinet: Cabinet | int
) -> "QuerySet[WithAnnotations[PartnerApp, _Installed]]":
    return catalogue(cabinet=cabinet).filter(installed=True)


def partner_app_get(slug: str, *, connector: bool = False) -> PartnerApp:
    """An app of the catalogue by its slug (the catalogue is the same for every cabinet)."""
    apps = PartnerApp.objects.filter(kind=AppKind.CONNECTOR) if connector else PartnerApp.objects
    try:
        return apps.get(slug=slug)
    except PartnerApp.DoesNotExist:
        raise Http404 from None


def app_is_installed(*, cabinet: Cabinet, app: PartnerApp) -> bool:
    return CabinetApp.objects.filter(cabinet=cabinet, app=app).exists()


def installed_connector_get(*, cabinet: Cabinet, slug: str) -> PartnerApp:
    """A connector the cabinet installed, by its slug; the 404 of a missing app for one of the
    catalogue it has not installed (or not installed any more)."""
    app = partner_app_get(slug, connector=True)
    if not app_is_installed(cabinet=cabinet, app=app):
        raise Http404
    return app


@dataclass
class AuthorizationRow:
    company: Company
    enabled: bool
    collection_email: str
    # An address proposed from the company's other addresses of the same partner, not saved.
    suggestion: str = ""
    errors: list[str] = field(default_factory=list)


def _suggestions(*, app: PartnerApp, companies: list[Company]) -> dict[int, str]:
    """For each company without an address for `app`, this connector's address built from the
    name the partner gives the company in one of its other addresses (achat.acme@ → vente.acme@)."""
    connector = connector_for(app)
    siblings = {
        c.key: c for c in connectors_of_partner(connector.partner) if c.key != connector.key
    }
    if not siblings:
        return {}
    known = (
        CompanyAuthorization.objects.filter(
            company__in=companies, app__connector_key__in=siblings.keys()
        )
        .exclude(collection_email="")
        .values_list("company_id", "app__connector_key", "collection_email")
        .order_by("updated_at")
    )
    proposals: dict[int, str] = {}
    for company_id, key, address in known:
        name = siblings[key].company_name_of(address)
        if name:
            proposals.setdefault(company_id, connector.address_for(name))
    return proposals


def authorization_rows(*, app: PartnerApp, companies: Iterable[Company]) -> list[AuthorizationRow]:
    """The given companies with their authorisation for a connector and, where they have no
    address yet, the one proposed from their other addresses. Two queries."""
    companies = list(companies)
    authorizations = {
        a.company_id: a for a in CompanyAuthorization.objects.filter(app=app, company__in=companies)
    }
    suggestions = _suggestions(app=app, companies=companies)
    rows = []
    for company in companies:
        authorization = authorizations.get(company.pk)
        address = authorization.collection_email if authorization else ""
        rows.append(
            AuthorizationRow(
                company=company,
                enabled=bool(authorization and authorization.enabled),
                collection_email=address,
                suggestion="" if address else suggestions.get(company.pk, ""),
            )
        )
    return rows


def authorization_page(
    *, cabinet: Cabinet, app: PartnerApp, query: str = "", page_number: int | str | None = 1
) -> "tuple[Page[Company], list[AuthorizationRow]]":
    """One page of the cabinet's companies with their authorisation for a connector, in name
    order, filtered by name or SIREN. A few queries whatever the number of companies."""
    page = Paginator(
        company_list_of_cabinet(cabinet=cabinet, query=query), AUTHORIZATIONS_PER_PAGE
    ).get_page(page_number)
    return page, authorization_rows(app=app, companies=page.object_list)


def authorization_row(*, company: Company, app: PartnerApp) -> AuthorizationRow:
    return authorization_rows(app=app, companies=[company])[0]
