"""The isolation matrix: every route of the URLconf, who may call it (MATRIX) and how to find
real ids of a cabinet for it (PARAMS, ids_of), with the world those ids come from.
tests/test_isolation.py runs it; the other tests that walk every route (security headers,
typography, site pages, request bodies) read it from here."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern

from ged.models import (
    Document,
    Folder,
    InboundAddress,
    InboundEmail,
    InboundStatus,
)
from ged.services.documents import document_trash
from ged.services.folders import folder_trash
from ged.services.inbound_addresses import inbound_addresses_ensure
from partner_apps.models import (
    Delivery,
    DeliveryStatus,
    PartnerApp,
    ReasonCode,
)
from partner_apps.services.authorizations import authorization_set
from partner_apps.services.automations import automation_set
from partner_apps.services.store import app_install
from tests.conftest import (
    Tenant,
    World,
    world_built_once,
    world_of_two_cabinets,
)
from tests.factories import InboundEmailFactory
from tests.helpers.documents import deposit, folder_at
from welyb_portal.tenancy.models import (
    Notification,
    User,
)
from welyb_portal.tenancy.services.notifications import notifications_create

# Every route is asked with these methods; the others only where the matrix names who may use
# them (the API's PUT, PATCH and DELETE).
METHODS = ("GET", "POST")
EXTRA_METHODS = ("PUT", "PATCH", "DELETE")
LOGIN_PATH = "/connexion/"
MISSING_ID = 10**9
MISSING_SLUG = "application-inconnue"
MISSING_TARGET = "cible-inconnue"

# --- The routes, as the URL configuration declares them ----------------------------------------


@dataclass(frozen=True)
class Route:
    path: str  # as declared: "reglages/entreprises/<int:company_id>/"
    name: str | None  # namespaced: "tenancy:company-detail"
    params: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.path.startswith("api/")

    def __str__(self) -> str:
        return self.name or self.path


def _pattern_params(pattern) -> tuple[str, ...]:
    if isinstance(pattern, RoutePattern):
        return tuple(pattern.converters)
    return tuple(pattern.regex.groupindex)


def url_routes(resolver=None, prefix: str = "", namespace: str = "", params=()) -> list[Route]:
    """Every route of the URLconf, includes walked recursively."""
    resolver = resolver or get_resolver()
    routes = []
    for entry in resolver.url_patterns:
        path = prefix + str(entry.pattern)
        entry_params = (*params, *_pattern_params(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += url_routes(entry, path, inner, entry_params)
        else:
            name = f"{namespace}{entry.name}" if entry.name else None
            routes.append(Route(path=path, name=name, params=entry_params))
    return routes


# --- What is left out of the matrix, and why ---------------------------------------------------

EXCLUDED_PREFIXES = {
    "admin/": "platform support's Django admin: refused on every cabinet host (test_hosts.py)",
    "anymail/": "the ESP's webhooks belong to the platform, guarded by ANYMAIL_WEBHOOK_SECRET",
}
EXCLUDED_ROUTES = {
    "api/schema/": "the OpenAPI schema: staff only, tested in test_api_schema.py",
    "api/docs/": "the API docs: staff only, tested in test_api_schema.py",
    "healthz": "the load balancer's probe: public by design, names no cabinet",
    "readyz": "the readiness probe: public by design, names no cabinet (tests/test_operations.py)",
    "metrics": "Prometheus's scrape, behind METRICS_TOKEN, names no cabinet "
    "(tests/test_operations.py)",
    "favicon.ico": "the portal's icon, the same for every cabinet: public by design",
    "connexion/": "the login page: public by design",
    "connexion/code/": "the login's second step (the two-factor code): public by design, it "
    "serves only the login this browser's session began, tests/tenancy/test_two_factor_login.py",
    "deconnexion/": "logout: public by design",
    "mot-de-passe/oublie/": "password forgotten: public by design, says nothing either way",
    "mot-de-passe/<uidb64>/<token>/": "set-password link: public, guarded by its signed token",
    "theme.css": "the cabinet's colours, needed by its login page: public by design",
    "logo": "the cabinet's logo, shown on its login page: public by design",
    "api/v1/auth/token/": "the API's login (email and password): public by design, "
    "its cross-cabinet refusals are tested in test_api_auth.py",
}


def exclusion_reason(route: Route) -> str | None:
    if route.path in EXCLUDED_ROUTES:
        return EXCLUDED_ROUTES[route.path]
    return next((r for p, r in EXCLUDED_PREFIXES.items() if route.path.startswith(p)), None)


# --- Who may call what -------------------------------------------------------------------------

USER = "user"  # anyone of the cabinet, clients included (for the companies they may see)
STAFF = "staff"  # cabinet admins and collaborators
ADMIN = "admin"  # cabinet admins
# Staff, and the client who deposited the document while nothing of it was sent (other clients
# of its company get 403 with the reason: tests/ged/test_client_changes.py). The live document
# was deposited by `client` and its delivery failed: `client` may change it.
DEPOSITOR = "depositor"


@dataclass(frozen=True)
class Access:
    """Who may call a route with each method; None where the route does not serve it."""

    get: str | None
    post: str | None
    put: str | None = None
    patch: str | None = None
    delete: str | None = None
    # A path parameter that needs another object than its name says: the restore routes take
    # a trashed folder or document ({"folder_id": "trashed_folder_id"}).
    objects: Mapping[str, str] = field(default_factory=dict)
    # Ids the view reads from the query string (GET) or the form (POST), with the PARAMS entry
    # that finds a real object for each ({"parent": "folder_id"}).
    fields: Mapping[str, str] = field(default_factory=dict)
    # What a GET by someone allowed answers: the page (200), or a redirect to it (302).
    served: int = 200
    # An API route that refuses every client on their role before it reads any id (the
    # partner-app endpoints): a client may then get 403 even for objects they may not see,
    # provided it is the very answer they get for missing ids (they learn nothing).
    refuses_clients: bool = False

    def of(self, method: str) -> str | None:
        return getattr(self, method.lower())

    @property
    def methods(self) -> tuple[str, ...]:
        return (*METHODS, *(method for method in EXTRA_METHODS if self.of(method)))


MATRIX: dict[str, Access] = {
    # These two views do not restrict the method: a POST renders the same page.
    "home": Access(get=USER, post=USER),
    "tenancy:company-list": Access(get=STAFF, post=STAFF),
    "tenancy:company-create": Access(get=STAFF, post=STAFF),
    "tenancy:company-detail": Access(get=STAFF, post=STAFF),
    "tenancy:company-client-invite": Access(get=None, post=STAFF),
    "tenancy:company-client-revoke": Access(get=None, post=STAFF),
    "tenancy:company-client-reinvite": Access(get=None, post=STAFF),
    # The staff list answers any method with the same page.
    "tenancy:staff-list": Access(get=ADMIN, post=ADMIN),
    "tenancy:staff-invite": Access(get=None, post=ADMIN),
    "tenancy:staff-update": Access(get=None, post=ADMIN),
    "tenancy:branding": Access(get=ADMIN, post=ADMIN),
    # Revokes the token it is called with, no id: anyone of the cabinet with a token (another
    # cabinet's token is refused, tests/tenancy/test_api_tokens.py).
    "api-logout": Access(get=None, post=USER),
    # « Exiger la double authentification » (gear › Sécurité), with who has it on.
    "tenancy:cabinet-security": Access(get=ADMIN, post=ADMIN),
    # « Sécurité du compte »: each staff member's own two-factor authentication. No id: the
    # account is the caller's; an empty form changes nothing (no code, or no app yet).
    "tenancy:account-security": Access(get=STAFF, post=None),
    "tenancy:two-factor-enable": Access(get=STAFF, post=STAFF),
    "tenancy:two-factor-recovery-codes": Access(get=None, post=STAFF),
    "tenancy:two-factor-disable": Access(get=None, post=STAFF),
    "api-company-list": Access(get=USER, post=STAFF),
    "api-company-clients": Access(get=None, post=STAFF),
    # Staff's own notifications: the page, opening one (it is marked read, then its link is
    # followed), marking them all read, the email digest preference.
    "tenancy:notifications": Access(get=STAFF, post=None),
    "tenancy:notification-open": Access(get=None, post=STAFF),
    "tenancy:notifications-read-all": Access(get=None, post=STAFF),
    "tenancy:notifications-digest": Access(get=None, post=STAFF),
    "api-notifications": Access(get=STAFF, post=None, refuses_clients=True),
    # Its ids come in a JSON list and only ever name the caller's own notifications: another's
    # and a missing one are alike ignored, {"read": 0} (tests/tenancy/test_notification_api.py).
    "api-notifications-read": Access(get=None, post=STAFF, refuses_clients=True),
    # --- GED pages: clients browse, deposit, download and create subfolders; staff manage.
    # The switcher reads the company from its query string and redirects to its GED.
    "ged:company-switch": Access(get=USER, post=None, fields={"company": "company_id"}, served=302),
    "ged:company": Access(get=USER, post=None),
    # The search reads the company it narrows to from its query string.
    "ged:search": Access(get=USER, post=None, fields={"entreprise": "company_id"}),
    # Clients create subfolders only: the parent comes with the form.
    "ged:folder-create": Access(get=None, post=USER, fields={"parent": "folder_id"}),
    "ged:trash": Access(get=STAFF, post=None),
    # « Exporter les documents (zip) » on the company's page: a POST (it is audited), staff only.
    "ged:company-export": Access(get=None, post=STAFF),
    "ged:folder": Access(get=USER, post=None),
    "ged:upload": Access(get=None, post=USER),
    "ged:folder-rename": Access(get=None, post=STAFF),
    "ged:folder-move": Access(get=None, post=STAFF),
    "ged:folder-trash": Access(get=None, post=STAFF),
    "ged:folder-restore": Access(get=None, post=STAFF, objects={"folder_id": "trashed_folder_id"}),
    "ged:document": Access(get=USER, post=None),
    "ged:document-download": Access(get=USER, post=None),
    "ged:document-rename": Access(get=None, post=DEPOSITOR),
    "ged:document-move": Access(get=None, post=STAFF),
    "ged:document-trash": Access(get=None, post=DEPOSITOR),
    "ged:document-restore": Access(
        get=None, post=STAFF, objects={"document_id": "trashed_document_id"}
    ),
    "ged:folder-template": Access(get=ADMIN, post=ADMIN),
    # « Supprimer l'entreprise et ses documents » (the company's settings page): admins only.
    "ged:company-offboard": Access(get=ADMIN, post=ADMIN),
    # --- GED API.
    "api-company-folders": Access(get=USER, post=USER),
    "api-folder-documents": Access(get=USER, post=USER),
    "api-documents": Access(get=USER, post=None, fields={"company": "company_id"}),
    "api-document": Access(get=USER, post=None, patch=DEPOSITOR, delete=DEPOSITOR),
    "api-document-download": Access(get=USER, post=None),
    # --- Partner apps (gear › Applications): staff only; admins install and authorise.
    # The two lists do not restrict the method: a POST gets 405.
    "partner_apps:applications": Access(get=STAFF, post=None),
    "partner_apps:store": Access(get=STAFF, post=None),
    "partner_apps:install": Access(get=None, post=ADMIN),
    "partner_apps:uninstall": Access(get=None, post=ADMIN),
    # What uninstalling would stop, and the button that does it (posting to the line above).
    "partner_apps:uninstall-confirm": Access(get=ADMIN, post=None),
    # Collaborators read the authorisation page; only admins save it, line by line or whole.
    "partner_apps:authorizations": Access(get=STAFF, post=ADMIN),
    "partner_apps:authorization-row": Access(get=None, post=ADMIN),
    "partner_apps:authorizations-import": Access(get=ADMIN, post=ADMIN),
    # --- Partner-app API: clients are refused on their role, before any lookup.
    "api-apps": Access(get=STAFF, post=None, refuses_clients=True),
    "api-app-install": Access(get=None, post=ADMIN, refuses_clients=True),
    "api-app-uninstall": Access(get=None, post=ADMIN, refuses_clients=True),
    "api-app-authorizations": Access(get=STAFF, post=None, refuses_clients=True),
    "api-app-authorization": Access(get=None, post=None, put=ADMIN, refuses_clients=True),
    # --- Automations and deliveries: staff only, clients never learn they exist.
    # A folder's switch, toggled by staff (htmx or form); the page serves POST only.
    "partner_apps:automation-toggle": Access(get=None, post=STAFF),
    # "Activer sur le dossier … pour toutes les entreprises autorisées": admins, by path; a GET
    # without a path of the tree goes back to the authorisation page.
    "partner_apps:automation-bulk": Access(get=ADMIN, post=ADMIN, served=302),
    # "Historique d'envoi": filtered by company (an id of the cabinet) and app (a slug).
    "partner_apps:delivery-history": Access(
        get=STAFF, post=None, fields={"company": "company_id", "app": "slug"}
    ),
    # "Renvoyer", from the history or a document's panel.
    "partner_apps:delivery-retry": Access(get=None, post=STAFF),
    # "Envois à régler", narrowed to a company (an id of the cabinet); "Ignorer" on a row.
    "partner_apps:needs-action": Access(get=STAFF, post=None, fields={"entreprise": "company_id"}),
    "partner_apps:delivery-dismiss": Access(get=None, post=STAFF),
    # "Prévenir le client": the world's delivery failed (no file to ask for), so the page sends
    # staff back to "Envois à régler".
    "partner_apps:client-notice": Access(get=STAFF, post=STAFF, served=302),
    # "Envoyer aussi les N documents déjà présents", offered when a switch is turned on.
    "partner_apps:automation-send-existing": Access(get=None, post=STAFF),
    "api-folder-automations": Access(get=STAFF, post=None, refuses_clients=True),
    "api-folder-automation": Access(get=None, post=None, put=STAFF, refuses_clients=True),
    "api-document-deliveries": Access(get=STAFF, post=None, refuses_clients=True),
    "api-deliveries": Access(
        get=STAFF,
        post=None,
        fields={"company": "company_id", "app": "slug"},
        refuses_clients=True,
    ),
    "api-delivery-retry": Access(get=None, post=STAFF, refuses_clients=True),
    "api-delivery-dismiss": Access(get=None, post=STAFF, refuses_clients=True),
    "api-deliveries-summary": Access(get=STAFF, post=None, refuses_clients=True),
    "api-folder-automation-send-existing": Access(get=None, post=STAFF, refuses_clients=True),
    # --- Deposit by email. Clients read their company's addresses (on its GED page and through
    # the API); staff point them at folders, regenerate them and say who may send.
    "ged:inbound-settings": Access(get=STAFF, post=STAFF),
    # The folder comes with the form (empty: back to the default folder).
    "ged:inbound-address-folder": Access(get=None, post=STAFF, fields={"folder": "folder_id"}),
    "ged:inbound-address-regenerate": Access(get=None, post=STAFF),
    # "Emails reçus", filtered by company (an id of the cabinet).
    "ged:inbound-emails": Access(get=STAFF, post=None, fields={"company": "company_id"}),
    # « Accepter » or « Refuser » an email whose sender was not authenticated.
    "ged:inbound-email-accept": Access(get=None, post=STAFF),
    "ged:inbound-email-reject": Access(get=None, post=STAFF),
    "api-inbound-emails": Access(get=STAFF, post=None, refuses_clients=True),
    "api-inbound-email-accept": Access(get=None, post=STAFF, refuses_clients=True),
    "api-inbound-email-reject": Access(get=None, post=STAFF, refuses_clients=True),
    "api-company-inbound-addresses": Access(get=USER, post=None),
    # A client of the company is refused on the role (403), after the company was looked up.
    "api-inbound-address-regenerate": Access(get=None, post=STAFF),
}

# --- Alpha's and beta's GED: real objects for the ids ------------------------------------------

# Each cabinet's `company` gets these, with the cabinet's label ("Alpha") in their names so that
# a leak of alpha's can be told from beta's own.
LIVE_FOLDER = "Dossier comptable annuel 2026/Achats/Minoterie {label}"
LIVE_DOCUMENT = "Facture Minoterie {label} 0042.pdf"
TRASHED_FOLDER = "Archives {label} 2019"
TRASHED_DOCUMENT = "Devis {label} refusé.pdf"
# The connector the partner-app routes are asked about, installed in both cabinets (with Inqom
# and its three other connectors), and the collection address of each cabinet's `company`.
CONNECTOR_SLUG = "inqom-achats"
COLLECTION_EMAIL = "achat.boulangerie-{slug}@inqombox.com"
# The folder where that connector is switched on, above LIVE_FOLDER: the live document got a
# delivery on its deposit, which then failed (so that "Renvoyer" has something to send again).
SWITCHED_FOLDER = "Dossier comptable annuel 2026/Achats"
FAILURE_REASON = "Adresse refusée par le serveur d'envoi (SMTP 550)."
# The deposit address the inbound routes are asked about. Each cabinet's companies have their
# four addresses, and its `company` received an email from its client ("Emails reçus").
INBOUND_TARGET = "achats"
INBOUND_SUBJECT = "Facture Minoterie {label} de mars"
# What each cabinet's staff are told of that failed delivery; the routes open the admin's.
NOTIFICATION_TEXT = "« " + LIVE_DOCUMENT + " » n'a pas pu partir : " + FAILURE_REASON


def label_of(tenant: Tenant) -> str:
    return tenant.cabinet.slug.capitalize()


def _world_with_a_ged() -> World:
    """The conftest's world of two cabinets, where each cabinet's `company` also has a GED: a
    folder holding a document, and in the trash a folder and a document trashed on their own;
    each cabinet installed Inqom and its four connectors, authorised Inqom Achats for its
    `company` and switched it on above that folder, so that the document has a (failed)
    delivery, of which its staff were notified."""
    world = world_of_two_cabinets()
    inqom = PartnerApp.objects.get(slug="inqom")
    connector = PartnerApp.objects.get(slug=CONNECTOR_SLUG)
    for tenant in (world.a, world.b):
        app_install(cabinet=tenant.cabinet, app=inqom, by=tenant.admin, with_companions=True)
        authorization_set(
            company=tenant.company,
            app=connector,
            enabled=True,
            collection_email=COLLECTION_EMAIL.format(slug=tenant.cabinet.slug),
            by=tenant.admin,
        )
        label = label_of(tenant)
        folder = folder_at(tenant.company, LIVE_FOLDER.format(label=label), by=tenant.admin)
        automation_set(
            folder=folder_at(tenant.company, SWITCHED_FOLDER),
            app=connector,
            enabled=True,
            by=tenant.admin,
        )
        document = deposit(folder, name=LIVE_DOCUMENT.format(label=label), by=tenant.client)
        Delivery.objects.filter(document=document).update(
            status=DeliveryStatus.FAILED,
            reason_code=ReasonCode.SEND_FAILED,
            reason=FAILURE_REASON,
            attempts=1,
        )
        notifications_create(
            cabinet=tenant.cabinet,
            kind="delivery.needs_action",
            text=NOTIFICATION_TEXT.format(label=label),
            url=f"/ged/documents/{document.pk}/",
            key=f"document:{document.pk}",
        )
        trashed_folder = folder_at(tenant.company, TRASHED_FOLDER.format(label=label))
        folder_trash(folder=trashed_folder, by=tenant.admin)
        trashed_document = deposit(folder, name=TRASHED_DOCUMENT.format(label=label))
        document_trash(document=trashed_document, by=tenant.admin)
        for company in (tenant.company, tenant.other_company):
            inbound_addresses_ensure(company=company)
        InboundEmailFactory(
            key=f"isolation-{tenant.cabinet.slug}",
            address=InboundAddress.objects.get(company=tenant.company, target=INBOUND_TARGET),
            sender=tenant.client.email,
            subject=INBOUND_SUBJECT.format(label=label),
            status=InboundStatus.DEPOSITED,
            items=[
                {
                    "name": document.name,
                    "size": document.size,
                    "outcome": "deposited",
                    "document": document.pk,
                    "folder": folder.pk,
                }
            ],
        )
    return world


# Built once for a module's tests (hundreds in test_isolation.py, at 0.2 s a build). A module
# that uses `world` imports `world_of_the_module` beside it.
world_of_the_module, world = world_built_once(_world_with_a_ged)


def _ged_object(model, tenant: Tenant, template: str, *, trashed: bool) -> int:
    name = template.format(label=label_of(tenant)).rsplit("/", 1)[-1]
    return model.objects.get(company=tenant.company, name=name, trashed_at__isnull=not trashed).pk


def _in_clients_companies(model) -> Callable[[User, int], bool]:
    return lambda user, pk: model.objects.filter(pk=pk, company__in=user.companies.all()).exists()


@dataclass(frozen=True)
class Param:
    """How to find a real object of a cabinet for an id a route reads, and whether a client may
    see that object (then a role refusal may say 403; otherwise only 404 will do).

    A `shared` parameter names the same object in every cabinet (an app of the store's
    catalogue): it is never swapped for the other cabinet's, and a foreign id is compared with
    a missing one under the same shared value. `missing` is a value that names nothing."""

    of: Callable[[Tenant], int | str]
    seen_by_client: Callable[[User, int | str], bool]
    shared: bool = False
    missing: int | str = MISSING_ID


PARAMS: dict[str, Param] = {
    "company_id": Param(
        of=lambda t: t.company.pk,
        seen_by_client=lambda user, pk: user.companies.filter(pk=pk).exists(),
    ),
    # A client of `company`, so that company_id and client_id belong together.
    "client_id": Param(of=lambda t: t.client.pk, seen_by_client=lambda user, pk: user.pk == pk),
    "staff_id": Param(of=lambda t: t.collaborator.pk, seen_by_client=lambda user, pk: False),
    # A folder and a document of `company`, so that they belong with company_id.
    "folder_id": Param(
        of=lambda t: _ged_object(Folder, t, LIVE_FOLDER, trashed=False),
        seen_by_client=_in_clients_companies(Folder),
    ),
    "document_id": Param(
        of=lambda t: _ged_object(Document, t, LIVE_DOCUMENT, trashed=False),
        seen_by_client=_in_clients_companies(Document),
    ),
    "trashed_folder_id": Param(
        of=lambda t: _ged_object(Folder, t, TRASHED_FOLDER, trashed=True),
        seen_by_client=_in_clients_companies(Folder),
    ),
    "trashed_document_id": Param(
        of=lambda t: _ged_object(Document, t, TRASHED_DOCUMENT, trashed=True),
        seen_by_client=_in_clients_companies(Document),
    ),
    # The delivery of the live document to Inqom Achats. Clients never see deliveries.
    "delivery_id": Param(
        of=lambda t: (
            Delivery.objects.get(
                document_id=_ged_object(Document, t, LIVE_DOCUMENT, trashed=False),
                app__slug=CONNECTOR_SLUG,
            ).pk
        ),
        seen_by_client=lambda user, pk: False,
    ),
    # The admin's notification of the failed delivery. A colleague's is as unknown to the
    # admin as another cabinet's (tests/tenancy/test_notification_pages.py).
    "notification_id": Param(
        of=lambda t: Notification.objects.get(user=t.admin, key__startswith="document:").pk,
        seen_by_client=lambda user, pk: False,
    ),
    # The email the company received. Clients never see the received emails.
    "inbound_email_id": Param(
        of=lambda t: InboundEmail.objects.get(key=f"isolation-{t.cabinet.slug}").pk,
        seen_by_client=lambda user, pk: False,
    ),
    # A deposit address's target: the same four names in every company, which clients read on
    # their company's GED page.
    "target": Param(
        of=lambda t: INBOUND_TARGET,
        seen_by_client=lambda user, target: True,
        shared=True,
        missing=MISSING_TARGET,
    ),
    # An installed connector of the catalogue. Clients never see partner apps.
    "slug": Param(
        of=lambda t: CONNECTOR_SLUG,
        seen_by_client=lambda user, slug: False,
        shared=True,
        missing=MISSING_SLUG,
    ),
}

# --- Helpers -----------------------------------------------------------------------------------

ALL_ROUTES = url_routes()
ROUTES = [route for route in ALL_ROUTES if exclusion_reason(route) is None]
ADMIN_ROUTES = [
    route
    for route in ROUTES
    if route.name in MATRIX
    and ADMIN in (MATRIX[route.name].of(method) for method in (*METHODS, *EXTRA_METHODS))
]

# Names and addresses of alpha that nobody outside alpha may read. Matched as whole words, so
# that "client@alpha.fr" is not found inside "autre-client@alpha.fr".
ALPHA_SECRETS = (
    "Boulangerie Alpha",
    "Garage Alpha",
    "client@alpha.fr",
    "autre-client@alpha.fr",
    "Minoterie Alpha",  # a folder, and the name of the document in it
    "Archives Alpha",  # a trashed folder
    "Devis Alpha",  # a trashed document
    COLLECTION_EMAIL.format(slug="alpha"),  # alpha's collection address for Inqom Achats
)
# What clients never read, whatever the route: the partner apps the cabinet uses and its
# automations (ARCHITECTURE: "Clients never see automations, partner apps, deliveries, or the
# word Inqom"). Matched without case.
PARTNER_WORDS = ("inqom", "automatisation", "/reglages/applications")
CSRF_TOKEN = re.compile(r"[A-Za-z0-9]{64}")


def alpha_secrets() -> tuple[str, ...]:
    """ALPHA_SECRETS, and the random part of alpha's deposit addresses (drawn by the fixture)."""
    addresses = InboundAddress.objects.filter(company__cabinet__slug="alpha").order_by("pk")
    return (*ALPHA_SECRETS, *addresses.values_list("local_part", flat=True))


def mentions(text: str, secret: str) -> bool:
    return re.search(rf"(?<![\w.+-]){re.escape(secret)}", text) is not None


def access_of(route: Route) -> Access:
    if route.name not in MATRIX:
        pytest.fail(
            f"route {route.path!r} ({route.name}) is in neither MATRIX nor the exclusions: "
            "say who may call it",
            pytrace=False,
        )
    return MATRIX[route.name]


def inputs_of(route: Route) -> dict[str, str]:
    """Every id the route reads, path parameter or query/form field, with the PARAMS entry that
    finds a real object for it."""
    access = access_of(route)
    inputs = {name: access.objects.get(name, name) for name in route.params}
    inputs.update(access.fields)
    return inputs


def input_problems(route: Route) -> list[str]:
    access = MATRIX[route.name]
    problems = [
        f"{route.path}: MATRIX names an object for {name}, which the route does not take"
        for name in access.objects
        if name not in route.params
    ]
    problems += [
        f"{route.path}: unknown parameter {name}" + (f" (as {key})" if key != name else "")
        for name, key in inputs_of(route).items()
        if key not in PARAMS
    ]
    return problems


def owned_inputs(route: Route) -> dict[str, str]:
    """The inputs that name an object of one cabinet (not an app of the shared catalogue)."""
    return {name: key for name, key in inputs_of(route).items() if not PARAMS[key].shared}


def missing_ids(route: Route, ids: dict[str, int | str], *, shared_too: bool) -> dict:
    """The ids with every cabinet-owned one (and, with `shared_too`, every shared one too)
    replaced by a value that names nothing."""
    return {
        name: PARAMS[key].missing if shared_too or not PARAMS[key].shared else ids[name]
        for name, key in inputs_of(route).items()
    }


def ids_of(route: Route, tenant: Tenant) -> dict[str, int | str]:
    inputs = inputs_of(route)
    unknown = [key for key in inputs.values() if key not in PARAMS]
    if unknown:
        pytest.fail(
            f"route {route.path!r} takes {unknown}, unknown to PARAMS: say how to find a real "
            "object for it",
            pytrace=False,
        )
    return {name: PARAMS[key].of(tenant) for name, key in inputs.items()}


def request_of(route: Route, ids: dict[str, int | str]) -> tuple[str, dict[str, int | str]]:
    """The route's URL with the path ids, and the query string or form with the others."""
    assert route.name, f"route {route.path!r} has no name"
    url = reverse(route.name, kwargs={name: ids[name] for name in route.params})
    return url, {name: ids[name] for name in MATRIX[route.name].fields}


# Every page, as the people who use it (each page once per role that sees it).
PAGES = [
    (route, role)
    for route in ROUTES
    if not route.is_api and MATRIX[route.name].get is not None
    for role in (("admin", "client") if MATRIX[route.name].get == USER else ("admin",))
    if route.name != "ged:document-download"
]
