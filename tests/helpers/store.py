"""What the store's page tests share: installing apps and saving addresses the way the pages do,
and the home page's tiles (tests/pages.py reads pages)."""

from partner_apps.models import CompanyAuthorization, PartnerApp
from partner_apps.services.authorizations import authorization_set
from partner_apps.services.store import app_install
from tests.pages import Element, page_of
from welyb_portal.tenancy.models import AuditEntry

CONNECTORS = {
    "inqom-achats": ("Inqom Achats", "achat"),
    "inqom-ventes": ("Inqom Ventes", "vente"),
    "inqom-ndf": ("Inqom NDF", "ndf"),
    "inqom-administratif": ("Inqom Administratif", "admin"),
}
ALL_APPS = ["inqom", *CONNECTORS]
NOT_FOUND = "Page introuvable"
FORBIDDEN = "Accès refusé"
HTMX = {"HTTP_HX_REQUEST": "true"}
# The refusals of an Achats address that is not one.
WRONG_PREFIX = (
    "C'est une adresse « vente. », celle d'Inqom Ventes. "
    "Adresse attendue : achat.<nom>@inqombox.com"
)
NO_ADDRESS = "Pour autoriser l'accès, indiquez l'adresse de collecte (achat.<nom>@inqombox.com)."


def app(slug: str) -> PartnerApp:
    return PartnerApp.objects.get(slug=slug)


def install(tenant, *slugs: str) -> None:
    """Installs apps for a tenant's cabinet, as its admin."""
    for slug in slugs:
        app_install(cabinet=tenant.cabinet, app=app(slug), by=tenant.admin)


def authorize(tenant, company, slug: str, address: str, *, enabled: bool = True):
    return authorization_set(
        company=company, app=app(slug), enabled=enabled, collection_email=address, by=tenant.admin
    )


def authorizations_url(slug: str) -> str:
    return f"/reglages/applications/{slug}/autorisations/"


def row_url(slug: str, company) -> str:
    return f"{authorizations_url(slug)}{company.pk}/"


def import_url(slug: str) -> str:
    return f"/reglages/applications/{slug}/import/"


def saved(company, slug: str) -> tuple[bool, str] | None:
    """What is stored for a company and a connector: (enabled, collection address), or None."""
    row = CompanyAuthorization.objects.filter(company=company, app__slug=slug).first()
    return (row.enabled, row.collection_email) if row else None


def audit_actions(cabinet, prefix: str = "") -> list[str]:
    return list(
        AuditEntry.objects.filter(cabinet=cabinet, action__startswith=prefix)
        .order_by("id")
        .values_list("action", flat=True)
    )


def tiles(response) -> list[Element]:
    """The links of the "Vos outils" section of the home page."""
    page = page_of(response)
    sections = [s for s in page.find("section") if "tiles" in s.attrs.get("class", "").split()]
    return [a for section in sections for a in page.find("a", inside=section)]
