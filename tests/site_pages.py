"""The catalogue of every page of the portal, for the tests that check them all (the browser's
page scan, tests/browser/test_every_page.py; the coverage test, tests/test_site_pages.py).

`site_world(world)` seeds cabinet alpha with one of every kind of object a page can show (Inqom
and its connectors installed, authorisations, switches, documents with deliveries of every
status and long reasons, a trashed folder and document, inbound emails of every outcome, held
ones included, notifications, a pending invitation, a client of two companies). `crawl()` then
walks the pages as each role reaches them, with Django's test client: from the role's home, it
follows every same-host `<a href>`, skipping downloads, logout and whatever is not a page, plus
a few entry URLs that no link reaches (the login, the password reset, a 404…). `catalogue()`
keeps, for each role and route, the largest page it met: the one with the most to show."""

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from ged.models import Document, InboundAddress, InboundStatus
from ged.services.documents import document_trash
from ged.services.folders import folder_trash
from partner_apps.models import Delivery, DeliveryStatus, PartnerApp, ReasonCode
from partner_apps.services.authorizations import authorization_set
from partner_apps.services.automations import automation_set
from partner_apps.services.store import app_install
from tests.conftest import World, host_of
from tests.factories import CollaboratorFactory, DeliveryFactory, InboundEmailFactory
from tests.helpers.documents import PDF, deposit, folder_at
from tests.helpers.two_factor import CODE_URL, enrolled, password_step
from welyb_portal.tenancy.models import Membership, Role, User
from welyb_portal.tenancy.services.notifications import notifications_create
from welyb_portal.tenancy.services.users import client_invite, staff_invite

ANONYMOUS = "anonymous"
ADMIN = "admin"
COLLABORATOR = "collaborator"
CLIENT = "client"
# A staff member with two-factor authentication, between the password and the code.
HALF_LOGGED_IN = "half-logged-in"
ROLES = (ADMIN, COLLABORATOR, CLIENT, ANONYMOUS, HALF_LOGGED_IN)

ACHATS_FOLDER = "Dossier comptable annuel 2026/Achats"
VENTES = "Dossier comptable annuel 2026/Ventes"
# Long words and sentences, as real ones are: what makes a page overflow or wrap badly.
LONG_NAME = "Relevé bancaire Société Générale compte courant professionnel janvier 2026.pdf"
LONG_UNBROKEN = "FACTURE_FOURNISSEUR_MINOTERIE_DU_CENTRE_2026-01-15_N0000451239_DUPLICATA.pdf"
LONG_REASON = (
    "Le serveur d'envoi a refusé l'adresse de collecte après trois tentatives : vérifiez "
    "qu'elle est bien celle donnée par Inqom dans les paramètres de l'entreprise, puis renvoyez."
)
# Each delivery status, with the reason a page shows beside it.
STATUSES = [
    (DeliveryStatus.PENDING, "", ""),
    (DeliveryStatus.SENDING, "", ""),
    (DeliveryStatus.RETRYING, ReasonCode.SEND_FAILED, "Serveur d'envoi injoignable, nouvel essai."),
    (DeliveryStatus.SENT, "", ""),
    (DeliveryStatus.DELIVERED, "", ""),
    (DeliveryStatus.BOUNCED, ReasonCode.BOUNCED, "Inqom a refusé l'envoi."),
    (DeliveryStatus.FAILED, ReasonCode.SEND_FAILED, LONG_REASON),
    (DeliveryStatus.SKIPPED, ReasonCode.DUPLICATE, "Déjà envoyé à cette adresse le 5 janvier."),
]
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)


@dataclass
class Site:
    """The seeded world and the users who walk it, by role."""

    world: World
    users: dict[str, User | None]
    # The set-password link of a client who was invited and never came.
    set_password_url: str


def _deposit_with_status(folder, name: str, content: bytes, by, status, code, reason) -> Document:
    document = deposit(folder, name=name, content=content, by=by)
    Delivery.objects.filter(document=document).update(
        status=status, reason_code=code, reason=reason, attempts=1 if reason else 0
    )
    return document


def _inbound_emails(tenant, document: Document) -> None:
    address = InboundAddress.objects.get(company=tenant.company, target="achats")
    deposited = {
        "name": document.name,
        "size": document.size,
        "outcome": "deposited",
        "document": document.pk,
        "folder": document.folder_id,
    }
    refused = {"name": "setup.exe", "size": 80, "outcome": "refused", "reason": "Format refusé."}
    ignored = {
        "name": "logo.png",
        "size": 900,
        "outcome": "ignored",
        "reason": "Image de signature.",
    }
    for n, (status, items, reason) in enumerate(
        [
            (InboundStatus.DEPOSITED, [deposited], ""),
            (InboundStatus.PARTIAL, [deposited, refused, ignored], ""),
            (InboundStatus.REFUSED, [refused], "Aucune pièce jointe acceptée."),
            (InboundStatus.HELD, [], "L'expéditeur n'est pas authentifié (DMARC en échec)."),
            (InboundStatus.DUPLICATE, [], "Cet email a déjà été reçu le 5 janvier."),
        ]
    ):
        InboundEmailFactory(
            key=f"site-{n}",
            address=address,
            sender=tenant.client.email if status != InboundStatus.HELD else "compta@fournisseur.fr",
            subject=f"Factures de janvier, envoi n° {n + 1} : {LONG_NAME}",
            status=status,
            reason=reason,
            items=items,
        )


def _connected(tenant, long_name: str) -> tuple[PartnerApp, PartnerApp]:
    """Inqom and its connectors installed; Achats authorised for both companies, Ventes for
    one; each switched on on its folder."""
    admin = tenant.admin
    app_install(
        cabinet=tenant.cabinet,
        app=PartnerApp.objects.get(slug="inqom"),
        by=admin,
        with_companions=True,
    )
    achats_app = PartnerApp.objects.get(slug="inqom-achats")
    ventes_app = PartnerApp.objects.get(slug="inqom-ventes")
    for company, app, address in (
        (tenant.company, achats_app, f"achat.{long_name}@inqombox.com"),
        (tenant.other_company, achats_app, "achat.garage@inqombox.com"),
        (tenant.company, ventes_app, f"vente.{long_name}@inqombox.com"),
    ):
        authorization_set(
            company=company, app=app, enabled=True, collection_email=address, by=admin
        )
    automation_set(
        folder=folder_at(tenant.company, ACHATS_FOLDER), app=achats_app, enabled=True, by=admin
    )
    automation_set(folder=folder_at(tenant.company, VENTES), app=ventes_app, enabled=True, by=admin)
    return achats_app, ventes_app


def _documents(tenant, ventes_app: PartnerApp, long_name: str) -> list[Document]:
    """The client's deposits in Achats, one per delivery status, long names among them; a
    document elsewhere; a trashed folder and document. Returns those of each status."""
    client, achats = tenant.client, folder_at(tenant.company, ACHATS_FOLDER)
    documents = [
        _deposit_with_status(achats, f"facture-{n}.pdf", PDF + b"%d" % n, client, *status)
        for n, status in enumerate(STATUSES)
    ]
    long_one = _deposit_with_status(achats, LONG_NAME, PDF + b"long", client, *STATUSES[6])
    _deposit_with_status(achats, LONG_UNBROKEN, PDF + b"unbroken", client, *STATUSES[3])
    deposit(achats, "setup.exe", EXE, by=client)  # refused: what to deposit instead
    deposit(folder_at(tenant.company, "Administratif/Contrats"), "bail commercial.pdf", PDF)
    # The long-named document's history names both connectors.
    DeliveryFactory(
        document=long_one,
        app=ventes_app,
        target=f"vente.{long_name}@inqombox.com",
        status=DeliveryStatus.SKIPPED,
        reason_code=ReasonCode.FORMAT_NOT_ACCEPTED,
        reason="Ce format n'est pas accepté : déposez plutôt un PDF, une image ou un tableur.",
    )
    folder_trash(folder=folder_at(tenant.company, "Archives 2019"), by=tenant.admin)
    trashed = deposit(achats, "devis refusé.pdf", PDF + b"devis")
    document_trash(document=trashed, by=tenant.admin)
    return documents


def site_world(world: World) -> Site:
    """Cabinet alpha with one of every kind of object its pages show."""
    tenant = world.a
    admin, client = tenant.admin, tenant.client
    # A name starting with a vowel: « d'Épicerie Alpha », never « de Épicerie Alpha ».
    tenant.company.name = "Épicerie Alpha"
    tenant.company.save(update_fields=["name"])
    # Collection addresses as long as real ones get, with no space to break at.
    long_name = "epicerie-fine-alpha-centre-ville-2026"
    _, ventes_app = _connected(tenant, long_name)
    documents = _documents(tenant, ventes_app, long_name)
    _inbound_emails(tenant, documents[3])
    for document in documents[5:7]:
        notifications_create(
            cabinet=tenant.cabinet,
            kind="delivery.needs_action",
            text=f"« {document.name} » n'a pas pu partir : {LONG_REASON}",
            url=f"/ged/documents/{document.pk}/",
            key=f"document:{document.pk}",
        )
    # A client of both companies (the company switcher), a pending invitation of each kind, a
    # collaborator with two-factor authentication.
    Membership.objects.create(user=client, company=tenant.other_company)
    invited = client_invite(company=tenant.company, email="nouveau@boulangerie.fr", by=admin)
    staff_invite(
        cabinet=tenant.cabinet, email="stagiaire@alpha.fr", role=Role.COLLABORATOR, by=admin
    )
    secured = CollaboratorFactory(cabinet=tenant.cabinet, email="securise@alpha.fr")
    enrolled(secured)
    token = default_token_generator.make_token(invited)
    uid = urlsafe_base64_encode(force_bytes(invited.pk))
    return Site(
        world=world,
        users={
            ADMIN: admin,
            COLLABORATOR: tenant.collaborator,
            CLIENT: client,
            ANONYMOUS: None,
            HALF_LOGGED_IN: secured,
        },
        set_password_url=f"/mot-de-passe/{uid}/{token}/",
    )


# --- The crawl ---------------------------------------------------------------------------------

# Routes a crawl never asks for: they are no page (files, the API, the platform's own routes), or
# asking changes something.
NOT_PAGES = re.compile(r"^(api|admin|anymail)[-:/]|^(healthz|readyz|metrics)$")
NOT_FOLLOWED = {
    "tenancy:logout": "it ends the session the crawl walks with",
    "ged:document-download": "a download, not a page",
    "api-document-download": "a download, not a page",
    "tenancy:theme-css": "the cabinet's stylesheet",
    "tenancy:logo": "the cabinet's logo",
}
UNKNOWN_HOST = "inconnu.localhost"
# Pages of a route met more often than this (a folder, a document, a sort order) are not asked
# for again: the catalogue keeps one per route, and these are plenty to find the largest.
VISITS_PER_ROUTE = 25


def entry_urls(site: Site) -> dict[str, list[str]]:
    """The pages no link of a role's crawl reaches: forms sent by GET, error pages, the login's
    pages."""
    tenant = site.world.a
    return {
        ANONYMOUS: [
            "/connexion/",
            "/mot-de-passe/oublie/",
            site.set_password_url,
            "/page-inconnue/",
            f"http://{UNKNOWN_HOST}/",  # a host that is no cabinet's
        ],
        HALF_LOGGED_IN: [CODE_URL],
        ADMIN: [
            "/ged/recherche/?q=facture",
            f"/ged/recherche/?q=facture&entreprise={tenant.company.pk}",
            f"/reglages/applications/inqom-achats/activer-dossier/?path={ACHATS_FOLDER}",
            "/ged/documents/1000000000/",  # the portal's 404 inside its frame
        ],
        COLLABORATOR: [
            "/ged/recherche/?q=facture",
            "/reglages/utilisateurs/",  # an admin's page: the collaborator's 403
        ],
        CLIENT: [
            "/ged/recherche/?q=facture",
            f"/ged/recherche/?q=facture&entreprise={tenant.company.pk}",
            "/reglages/entreprises/",  # a staff page: the client's 404
            "/ged/documents/1000000000/",
        ],
    }


@dataclass(frozen=True)
class SitePage:
    """A page as a role reached it: where (path and query), which route, how large."""

    role: str
    url: str
    route: str
    status: int
    size: int
    entry: bool = False  # one of the role's entry URLs (maybe after a redirect)

    def __str__(self) -> str:
        return f"{self.role} {self.url} ({self.route})"


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and attributes.get("href") and "download" not in attributes:
            self.hrefs.append(attributes["href"])


def route_of(path: str) -> str | None:
    """The URL pattern's name for a path, namespaced ("ged:folder"); None where none matches."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _followed(url: str, host: str) -> str | None:
    """The same-host page a link leads to (path and query), or None where the crawl stops."""
    parts = urlsplit(urldefrag(urljoin(f"http://{host}/", url))[0])
    if parts.scheme not in ("http", "https") or parts.hostname != host.split(":")[0]:
        return None
    route = route_of(parts.path)
    if route is None or NOT_PAGES.search(route) or route in NOT_FOLLOWED:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(site: Site, role: str) -> list[SitePage]:
    """Every page `role` reaches from its home by following links, and its entry URLs."""
    host = host_of(site.world.a.cabinet)
    user = site.users[role]
    client = Client(HTTP_HOST=host)
    if role == HALF_LOGGED_IN:
        password_step(user, client=client)
    elif user is not None:
        client.force_login(user)
    starts = [] if role in (ANONYMOUS, HALF_LOGGED_IN) else ["/"]
    entries = entry_urls(site)[role]
    queue = [*starts, *entries]
    seen, pages, visits = set(queue), [], Counter()
    while queue:
        url = queue.pop(0)
        entry = url in entries
        route = route_of(urlsplit(url).path) or "404"
        if visits[route] >= VISITS_PER_ROUTE and not entry:
            continue
        visits[route] += 1
        # An entry on another host (an unknown one): its path, asked on that host.
        other = urlsplit(url)
        on_host = {"HTTP_HOST": other.hostname} if other.hostname else {}
        response = client.get(other.path if other.hostname else url, follow=True, **on_host)
        if response.redirect_chain and not other.hostname:
            url = response.redirect_chain[-1][0]
            route = route_of(urlsplit(url).path) or "404"
        if "text/html" not in response.get("Content-Type", ""):
            continue
        content = response.content.decode()
        pages.append(SitePage(role, url, route, response.status_code, len(content), entry))
        links = _Links()
        links.feed(content)
        for href in links.hrefs:
            target = _followed(href, host)
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
    return pages


def catalogue(site: Site, roles=ROLES) -> list[SitePage]:
    """One page per role and route (the largest one met: the one with the most to show), and
    every entry URL, by role in the order of `roles`."""
    chosen: list[SitePage] = []
    for role in roles:
        largest: dict[str, SitePage] = {}
        for page in crawl(site, role):
            if page.entry:
                chosen.append(page)
            elif page.route not in largest or page.size > largest[page.route].size:
                largest[page.route] = page
        chosen += largest.values()
    return list(dict.fromkeys(chosen))
