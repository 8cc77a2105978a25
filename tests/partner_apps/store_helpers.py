"""What the store's page tests share: installing apps and saving addresses the way the pages do,
and reading a page as its user does (links by their label, form fields, flashes, visible text)."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

from partner_apps.models import CompanyAuthorization, PartnerApp
from partner_apps.services.authorizations import authorization_set
from partner_apps.services.store import app_install
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


# --- Reading pages -----------------------------------------------------------------------------

VOID_ELEMENTS = {"input", "br", "img", "meta", "link", "hr", "source", "area", "col", "wbr"}


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    ancestors: tuple["Element", ...]
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """What a reader sees inside the element, white space collapsed."""
        return " ".join("".join(self.parts).split())

    @property
    def label(self) -> str:
        """The element's accessible name: its aria-label, else its text."""
        return self.attrs.get("aria-label") or self.text

    def has(self, attribute: str) -> bool:
        return attribute in self.attrs


class Page(HTMLParser):
    """Every element of a page, with its attributes, its ancestors and its text."""

    def __init__(self, content: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self._open: list[Element] = []
        self._text: list[str] = []
        self.feed(content)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs}, tuple(self._open))
        self.elements.append(element)
        if tag not in VOID_ELEMENTS:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}, tuple(self._open)))

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index].tag == tag:
                del self._open[index:]
                break

    def handle_data(self, data):
        if any(element.tag in ("script", "style") for element in self._open):
            return
        self._text.append(data)
        for element in self._open:
            element.parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._text).split())

    def find(self, tag: str, *, inside: Element | None = None, **attrs: str) -> list[Element]:
        """Elements of a tag whose attributes have the given values (data_copy for data-copy)."""
        wanted = {name.replace("_", "-"): value for name, value in attrs.items()}
        return [
            element
            for element in self.elements
            if element.tag == tag
            and all(element.attrs.get(name) == value for name, value in wanted.items())
            and (inside is None or inside in element.ancestors)
        ]

    def one(self, tag: str, **attrs: str) -> Element:
        [element] = self.find(tag, **attrs)
        return element

    def links(self, label: str, *, inside: Element | None = None) -> list[Element]:
        return [a for a in self.find("a", inside=inside) if a.label == label]

    def buttons(self, *, inside: Element | None = None) -> list[str]:
        return [b.label for b in self.find("button", inside=inside)]

    def gear_link(self, label: str) -> str:
        """Where the link of the settings gear (la roue crantée) with this label leads."""
        [gear] = [d for d in self.find("details") if "gear-menu" in d.attrs.get("class", "")]
        [link] = self.links(label, inside=gear)
        return link.attrs["href"]

    def row(self, company) -> Element:
        """The line of a company on an authorisation page."""
        return self.one("tr", id=f"authorization-{company.pk}")


def page_of(response) -> Page:
    return Page(response.content.decode())


def text_of(response) -> str:
    """The text a reader of the page sees, entities decoded."""
    return page_of(response).text


def flashes(response) -> list[str]:
    return [p.text for p in page_of(response).find("p") if "flash" in p.attrs.get("class", "")]


def tiles(response) -> list[Element]:
    """The links of the "Vos outils" section of the home page."""
    page = page_of(response)
    sections = [s for s in page.find("section") if "tiles" in s.attrs.get("class", "").split()]
    return [a for section in sections for a in page.find("a", inside=section)]
