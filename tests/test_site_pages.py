"""The catalogue of pages the browser's page scan visits (tests/site_pages.py) holds every page
of the portal: each named route that answers a GET with an HTML page is reached by some role,
following links from its home or from an entry URL; the routes left out say why."""

from ged.models import Document
from partner_apps.models import Delivery
from tests.helpers.isolation import MATRIX, url_routes
from tests.site_pages import (
    ADMIN,
    ANONYMOUS,
    CLIENT,
    COLLABORATOR,
    NOT_FOLLOWED,
    NOT_PAGES,
    ROLES,
    UNKNOWN_HOST,
    catalogue,
    site_world,
)
from welyb_portal.tenancy.models import AuditEntry, Membership, Notification

# Routes that answer a GET with no page of their own, beside those the crawl never follows
# (NOT_FOLLOWED: logout, downloads, the theme's stylesheet and logo) and those that are no page
# of the cabinet's (NOT_PAGES: the API and its Swagger page; platform support's Django admin,
# on the platform's host only, whose templates and styles are Django's own, not this project's;
# the ESPs' webhooks; the load balancer's probe).
NOT_HTML_PAGES = {
    "ged:company-switch": "redirects to the chosen company's GED (ged:company, catalogued)",
}


def _post_only() -> set[str]:
    """The routes whose GET the isolation matrix says nobody may call: forms' actions."""
    return {name for name, access in MATRIX.items() if access.get is None}


def pages_expected() -> set[str]:
    post_only = _post_only()
    return {
        route.name
        for route in url_routes()
        if route.name
        and not NOT_PAGES.search(route.name)
        and route.name not in NOT_FOLLOWED
        and route.name not in NOT_HTML_PAGES
        and route.name not in post_only
    }


def _state() -> tuple:
    """What a link that changes something would change: the audit trail, what was read, the
    documents and their deliveries, who may see what."""
    return (
        AuditEntry.objects.count(),
        Notification.objects.filter(read_at__isnull=True).count(),
        sorted(Document.objects.values_list("pk", "name", "folder_id", "trashed_at")),
        sorted(Delivery.objects.values_list("pk", "status", "dismissed_at")),
        Membership.objects.count(),
    )


def test_every_page_of_the_portal_is_catalogued(world):
    site = site_world(world)
    before = _state()
    pages = catalogue(site)
    assert _state() == before, "the crawl followed a link that changes something"
    reached = {page.route for page in pages}
    missing = sorted(pages_expected() - reached)
    assert not missing, f"no role reaches these pages, by link or entry URL: {missing}"
    assert {page.role for page in pages} == set(ROLES)
    # Every page answered as its role would see it: no server error; the error pages a person
    # may meet are there too (a 404 inside the portal's frame and outside it, a collaborator's
    # 403, a host that is no cabinet's).
    errors = [f"{page} answered {page.status}" for page in pages if page.status >= 500]
    assert not errors, errors
    statuses = {(page.role, page.status) for page in pages}
    assert {(ADMIN, 404), (CLIENT, 404), (ANONYMOUS, 404), (COLLABORATOR, 403)} <= statuses
    assert any(page.url == f"http://{UNKNOWN_HOST}/" and page.status == 404 for page in pages)
