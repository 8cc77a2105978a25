"""Tenant isolation, route by route: every page and endpoint read from the URL configuration is
asked for real objects of cabinet alpha by people who may not see them (an anonymous visitor,
the admin of cabinet beta on both hosts, alpha's clients on staff routes) and must answer
401 / redirect-to-login / 403 / 404, never a 500, and reveal nothing of alpha.

A new route fails these tests until it gets a line in MATRIX (who may call it) and every URL
parameter it takes a line in PARAMS (how to find a real object for it)."""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RoutePattern
from rest_framework.test import APIClient

from tests.conftest import Tenant, World, api, host_of
from welyb_portal.tenancy.models import User

pytestmark = pytest.mark.django_db

METHODS = ("GET", "POST")
LOGIN_PATH = "/connexion/"
MISSING_ID = 10**9

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
    "connexion/": "the login page: public by design",
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


@dataclass(frozen=True)
class Access:
    """Who may call a route with each method; None where the route does not serve it."""

    get: str | None
    post: str | None

    def of(self, method: str) -> str | None:
        return self.get if method == "GET" else self.post


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
    "api-company-list": Access(get=USER, post=STAFF),
    "api-company-clients": Access(get=None, post=STAFF),
}


@dataclass(frozen=True)
class Param:
    """How to find a real object of a cabinet for a URL parameter, and whether a client may
    see that object (then a role refusal may say 403; otherwise only 404 will do)."""

    of: Callable[[Tenant], int]
    seen_by_client: Callable[[User, int], bool]


PARAMS: dict[str, Param] = {
    "company_id": Param(
        of=lambda t: t.company.pk,
        seen_by_client=lambda user, pk: user.companies.filter(pk=pk).exists(),
    ),
    # A client of `company`, so that company_id and client_id belong together.
    "client_id": Param(of=lambda t: t.client.pk, seen_by_client=lambda user, pk: user.pk == pk),
    "staff_id": Param(of=lambda t: t.collaborator.pk, seen_by_client=lambda user, pk: False),
}

# --- Helpers -----------------------------------------------------------------------------------

ALL_ROUTES = url_routes()
ROUTES = [route for route in ALL_ROUTES if exclusion_reason(route) is None]
ADMIN_ROUTES = [
    route
    for route in ROUTES
    if route.name in MATRIX and ADMIN in (MATRIX[route.name].get, MATRIX[route.name].post)
]

# Names and addresses of alpha that nobody outside alpha may read. Matched as whole words, so
# that "client@alpha.fr" is not found inside "autre-client@alpha.fr".
ALPHA_SECRETS = ("Boulangerie Alpha", "Garage Alpha", "client@alpha.fr", "autre-client@alpha.fr")
CSRF_TOKEN = re.compile(r"[A-Za-z0-9]{64}")


def access_of(route: Route) -> Access:
    if route.name not in MATRIX:
        pytest.fail(
            f"route {route.path!r} ({route.name}) is in neither MATRIX nor the exclusions: "
            "say who may call it",
            pytrace=False,
        )
    return MATRIX[route.name]


def ids_of(route: Route, tenant: Tenant) -> dict[str, int]:
    unknown = [name for name in route.params if name not in PARAMS]
    if unknown:
        pytest.fail(
            f"route {route.path!r} takes {unknown}, unknown to PARAMS: say how to find a real "
            "object for it",
            pytrace=False,
        )
    return {name: PARAMS[name].of(tenant) for name in route.params}


def url_of(route: Route, ids: dict[str, int]) -> str:
    assert route.name, f"route {route.path!r} has no name"
    return reverse(route.name, kwargs=ids)


def call(client: APIClient, method: str, url: str):
    # An empty form: enough to reach the access checks, too little to change anything.
    return client.get(url) if method == "GET" else client.post(url, {})


def body_of(response) -> str:
    location = response.get("Location", "")
    return location + "\n" + response.content.decode(errors="replace")


def assert_reveals_nothing(response, *, seen: tuple[str, ...] = (), what: str) -> None:
    assert response.status_code < 500, what
    body = body_of(response)
    leaked = [
        secret
        for secret in ALPHA_SECRETS
        if secret not in seen and re.search(rf"(?<![\w.+-]){re.escape(secret)}", body)
    ]
    assert not leaked, f"{what} reveals {leaked}"


def assert_sent_to_login(route: Route, response, what: str) -> None:
    """What an anonymous visitor gets: the API's 401, or a page's redirect to the login."""
    if route.is_api:
        assert response.status_code == 401, what
    else:
        assert response.status_code == 302, what
        assert response["Location"].startswith(LOGIN_PATH), what
    assert_reveals_nothing(response, what=what)


def logged_in(user: User, *, cabinet=None) -> APIClient:
    """A caller holding both the user's token and a session, on the user's host by default."""
    client = api(user, cabinet=cabinet)
    client.force_login(user)
    return client


def each_call(route: Route, client: APIClient, ids: dict[str, int]):
    url = url_of(route, ids)
    for method in METHODS:
        yield method, f"{method} {url}", call(client, method, url)


# --- The matrix is complete and names real routes ----------------------------------------------


def test_every_route_is_in_the_matrix_or_excluded_with_a_reason():
    problems = []
    for route in ALL_ROUTES:
        reason = exclusion_reason(route)
        if reason is not None:
            if not reason.strip():
                problems.append(f"{route.path}: excluded without a reason")
            continue
        if not route.name:
            problems.append(f"{route.path}: no URL name")
        elif route.name not in MATRIX:
            problems.append(f"{route.path} ({route.name}): missing from MATRIX")
        problems += [
            f"{route.path}: unknown parameter {p}" for p in route.params if p not in PARAMS
        ]

    assert problems == []


def test_matrix_and_exclusions_name_only_existing_routes():
    names = {route.name for route in ALL_ROUTES}
    paths = {route.path for route in ALL_ROUTES}

    assert set(MATRIX) <= names
    assert set(EXCLUDED_ROUTES) <= paths
    for prefix in EXCLUDED_PREFIXES:
        assert any(path.startswith(prefix) for path in paths), prefix


def test_the_matrix_checks_exactly_the_routes_left_after_the_exclusions():
    assert sorted(route.name for route in ROUTES) == sorted(MATRIX)


# --- Callers who are nobody here ---------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_visitor_is_sent_to_login(world: World, route: Route):
    access_of(route)
    client = APIClient(HTTP_HOST=host_of(world.a.cabinet))

    for _method, what, response in each_call(route, client, ids_of(route, world.a)):
        assert_sent_to_login(route, response, what)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_other_cabinets_session_replayed_on_this_host_is_anonymous(world: World, route: Route):
    access_of(route)
    beta = APIClient(HTTP_HOST=host_of(world.b.cabinet))
    beta.force_login(world.b.admin)
    assert beta.get("/").status_code == 200
    replayed = APIClient(HTTP_HOST=host_of(world.a.cabinet))
    replayed.cookies = beta.cookies

    for _method, what, response in each_call(route, replayed, ids_of(route, world.a)):
        assert_sent_to_login(route, response, what)


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_other_cabinets_token_on_this_host_is_anonymous(world: World, route: Route):
    access_of(route)
    client = api(world.b.admin, cabinet=world.a.cabinet)

    for _method, what, response in each_call(route, client, ids_of(route, world.a)):
        assert_sent_to_login(route, response, what)


# --- The other cabinet's admin, on their own host ----------------------------------------------


def foreign_id_sets(route: Route, world: World) -> list[dict[str, int]]:
    """Alpha's ids everywhere, then beta's own ids with one parameter taken from alpha."""
    alpha, beta = ids_of(route, world.a), ids_of(route, world.b)
    id_sets = [alpha]
    for name in route.params:
        mixed = {**beta, name: alpha[name]}
        if mixed not in id_sets:
            id_sets.append(mixed)
    return id_sets


def comparable(response) -> tuple[int, str]:
    return response.status_code, CSRF_TOKEN.sub("", response.content.decode(errors="replace"))


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_other_cabinets_admin_finds_nothing_of_this_cabinet(world: World, route: Route):
    access = access_of(route)
    client = logged_in(world.b.admin)

    if not route.params:
        # A list or a form of beta's own: it must name nothing of alpha.
        for _method, what, response in each_call(route, client, {}):
            assert_reveals_nothing(response, what=what)
        return

    missing_url = url_of(route, dict.fromkeys(route.params, MISSING_ID))
    for ids in foreign_id_sets(route, world):
        for method, what, response in each_call(route, client, ids):
            allowed = {404} if access.of(method) else {404, 405}
            assert response.status_code in allowed, what
            assert_reveals_nothing(response, what=what)
            # A foreign object and a missing one give the same answer.
            missing = call(client, method, missing_url)
            assert comparable(response) == comparable(missing), what


# --- Alpha's own people without the role -------------------------------------------------------


def client_sees(route: Route, user: User, ids: dict[str, int]) -> bool:
    return all(PARAMS[name].seen_by_client(user, pk) for name, pk in ids.items())


def own_secrets(user: User) -> tuple[str, ...]:
    """What a client may read: their own address and their companies' names."""
    return (user.email, *user.companies.values_list("name", flat=True))


@pytest.mark.parametrize("who", ["client", "other_client"])
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_client_gets_nothing_from_routes_beyond_their_role(world: World, route: Route, who: str):
    access = access_of(route)
    user = getattr(world.a, who)
    ids = ids_of(route, world.a)
    sees = client_sees(route, user, ids)
    client = logged_in(user)

    for method, what, response in each_call(route, client, ids):
        audience = access.of(method)
        status = response.status_code
        if audience == USER and sees:
            # A route clients may use, on objects they may see.
            if method == "GET":
                assert status == 200, what
            else:
                assert status not in (401, 403, 404), what
        elif not sees:
            assert status in ({404} if audience else {404, 405}), what
        elif route.is_api:
            assert status in ({403, 404} if audience else {403, 404, 405}), what
        else:
            assert status in ({404} if audience else {404, 405}), what
        assert_reveals_nothing(response, seen=own_secrets(user), what=f"{what} as {who}")


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=str)
def test_collaborator_is_refused_admin_routes(world: World, route: Route):
    access = access_of(route)
    client = logged_in(world.a.collaborator)

    for method, what, response in each_call(route, client, ids_of(route, world.a)):
        audience = access.of(method)
        if audience == ADMIN:
            assert response.status_code == 403, what
        elif audience is None:
            assert response.status_code in (403, 405), what


# --- The owner reaches every route: the ids above are real ones --------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_cabinet_admin_reaches_every_route_with_these_ids(world: World, route: Route):
    access = access_of(route)
    client = logged_in(world.a.admin)

    for method, what, response in each_call(route, client, ids_of(route, world.a)):
        if access.of(method) is None:
            continue
        if method == "GET":
            assert response.status_code == 200, what
        else:
            assert response.status_code not in (401, 403, 404, 405), what
            assert response.status_code < 500, what
