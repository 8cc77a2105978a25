"""Tenant isolation, route by route, across every app: every page and endpoint read from the URL
configuration is asked for real objects of cabinet alpha by people who may not see them (an
anonymous visitor, the admin of cabinet beta on both hosts, alpha's clients on staff routes)
and must answer 401 / redirect-to-login / 403 / 404, never a 500, reveal nothing of alpha and
change nothing.

A new route fails these tests until it gets a line in MATRIX (who may call it) and every id it
reads, from its path or from its query string or form, a line in PARAMS (how to find a real
object for it). The store's app slugs are read like ids, but name the same app in every cabinet:
they are never "foreign", and only the cabinet-owned ids are swapped for the other cabinet's."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from ged.models import (
    Document,
    Folder,
    FolderTemplate,
    InboundAddress,
    InboundEmail,
    InboundPolicy,
)
from partner_apps.models import (
    CabinetApp,
    CompanyAuthorization,
    Delivery,
    DeliveryStatus,
    FolderAutomation,
    PartnerApp,
)
from tests.conftest import World, api, host_of
from tests.helpers.documents import PDF
from tests.helpers.isolation import (
    ADMIN,
    ADMIN_ROUTES,
    ALL_ROUTES,
    COLLECTION_EMAIL,
    CONNECTOR_SLUG,
    CSRF_TOKEN,
    DEPOSITOR,
    EXCLUDED_PREFIXES,
    EXCLUDED_ROUTES,
    LIVE_DOCUMENT,
    LOGIN_PATH,
    MATRIX,
    MISSING_ID,
    MISSING_SLUG,
    PARAMS,
    PARTNER_WORDS,
    ROUTES,
    STAFF,
    USER,
    Access,
    Route,
    access_of,
    alpha_secrets,
    exclusion_reason,
    ids_of,
    input_problems,
    inputs_of,
    label_of,
    mentions,
    missing_ids,
    owned_inputs,
    request_of,
)
from tests.helpers.isolation import world as world  # the matrix's world, with a GED
from tests.helpers.isolation import world_of_the_module as world_of_the_module  # built once
from welyb_portal.tenancy.models import (
    AuditEntry,
    Cabinet,
    Company,
    Membership,
    Notification,
    NotificationDigest,
    User,
)

pytestmark = pytest.mark.django_db


def call(client: APIClient, method: str, url: str, data: dict[str, int | str]):
    # An empty form but for the ids: enough to reach the access checks. What an allowed call
    # may still change (a trash, a move) stays in the test's own database.
    if method == "GET":
        return client.get(url, data)
    if method == "POST":
        return client.post(url, data)
    if method == "PUT":
        return client.put(url, data, format="json")
    if method == "PATCH":
        return client.patch(url, data, format="json")
    return client.delete(url)


def content_of(response) -> bytes:
    """The body, a streamed download's too (read once, then kept on the response; the test
    client closes the file when the stream is read to its end)."""
    if not response.streaming:
        return response.content
    if not hasattr(response, "isolation_body"):
        response.isolation_body = b"".join(response.streaming_content)
    return response.isolation_body


def body_of(response) -> str:
    # A redirect names its target, a download its file: both are said to the caller.
    headers = "\n".join(response.get(name, "") for name in ("Location", "Content-Disposition"))
    return headers + "\n" + content_of(response).decode(errors="replace")


def assert_reveals_nothing(response, *, seen: tuple[str, ...] = (), what: str) -> None:
    assert response.status_code < 500, what
    body = body_of(response)
    leaked = [secret for secret in alpha_secrets() if secret not in seen and mentions(body, secret)]
    assert not leaked, f"{what} reveals {leaked}"


def assert_names_no_partner(response, *, what: str) -> None:
    body = body_of(response).lower()
    named = [word for word in PARTNER_WORDS if word in body]
    assert not named, f"{what} names {named}"


def assert_sent_to_login(route: Route, response, what: str) -> None:
    """What an anonymous visitor gets: the API's 401, or a page's redirect to the login."""
    if route.is_api:
        assert response.status_code == 401, what
    else:
        assert response.status_code == 302, what
        assert response["Location"].startswith(LOGIN_PATH), what
    assert_reveals_nothing(response, what=what)


def assert_served(access: Access, response, what: str) -> None:
    """What someone allowed gets from a GET: the page, or the redirect to it (not to login)."""
    assert response.status_code == access.served, what
    if access.served == 302:
        assert not response["Location"].startswith(LOGIN_PATH), what


def logged_in(user: User, *, cabinet=None) -> APIClient:
    """A caller holding both the user's token and a session, on the user's host by default."""
    client = api(user, cabinet=cabinet)
    client.force_login(user)
    return client


def each_call(route: Route, client: APIClient, ids: dict[str, int | str]):
    url, data = request_of(route, ids)
    for method in access_of(route).methods:
        yield method, f"{method} {url} {data or ''}".rstrip(), call(client, method, url, data)


def store_of(cabinet: Cabinet | None = None) -> tuple:
    """The store's state (of one cabinet, or of all): installs and company authorisations."""
    installs = CabinetApp.objects.order_by("pk")
    authorizations = CompanyAuthorization.objects.order_by("pk")
    if cabinet is not None:
        installs = installs.filter(cabinet=cabinet)
        authorizations = authorizations.filter(company__cabinet=cabinet)
    return (
        list(installs.values("pk", "cabinet", "app", "installed_by")),
        list(authorizations.values("pk", "company", "app", "enabled", "collection_email")),
    )


def outbox_of() -> tuple:
    """The folders' switches and the deliveries, with what a retry or a switch would change."""
    return (
        list(
            FolderAutomation.objects.order_by("pk").values(
                "pk", "folder", "app", "enabled", "activated_at", "activated_by"
            )
        ),
        list(
            Delivery.objects.order_by("pk").values(
                "pk",
                "document",
                "app",
                "status",
                "reason",
                "target",
                "attempts",
                "message_id",
                "dismissed_at",
                "client_notified_at",
            )
        ),
    )


def snapshot(*, trash_of_left_out: int | None = None) -> tuple:
    """What refused calls must leave as it was: the tenancy core, the GED, the store and the
    outbox, rows and names (but the trash state of `trash_of_left_out`, a document)."""
    documents = list(Document.objects.order_by("pk").values("pk", "name", "folder", "trashed_at"))
    for document in documents:
        if document["pk"] == trash_of_left_out:
            document["trashed_at"] = "left out"
    return (
        list(PartnerApp.objects.order_by("pk").values()),
        store_of(),
        outbox_of(),
        list(Cabinet.objects.order_by("pk").values()),
        list(Company.objects.order_by("pk").values()),
        list(
            User.objects.order_by("pk").values(
                "pk", "email", "role", "is_active", "cabinet", "notification_digest"
            )
        ),
        list(Membership.objects.order_by("pk").values("user", "company")),
        AuditEntry.objects.count(),
        list(Folder.objects.order_by("pk").values("pk", "name", "parent", "path", "trashed_at")),
        documents,
        list(FolderTemplate.objects.order_by("pk").values()),
        inbound_of(),
        notifications_of(),
        two_factor_of(),
    )


def two_factor_of() -> tuple:
    """Everyone's authenticator apps (with their use: the last code's time step, the wrong
    codes counted) and recovery codes."""
    return (
        list(
            TOTPDevice.objects.order_by("pk").values(
                "pk", "user", "key", "confirmed", "last_t", "throttling_failure_count"
            )
        ),
        list(StaticToken.objects.order_by("pk").values("pk", "device__user", "token")),
    )


def notifications_of() -> tuple:
    """Who was told what, what they read, and the digests that carry it by email."""
    return (
        list(Notification.objects.order_by("pk").values("pk", "user", "read_at", "digest")),
        list(NotificationDigest.objects.order_by("pk").values("pk", "user", "status")),
    )


def inbound_of() -> tuple:
    """The deposit addresses (a regenerated one would change its local part), who may send,
    and the record of received emails."""
    return (
        list(
            InboundAddress.objects.order_by("pk").values(
                "pk", "company", "target", "local_part", "folder"
            )
        ),
        list(InboundPolicy.objects.order_by("pk").values()),
        list(InboundEmail.objects.order_by("pk").values("pk", "company", "status", "items")),
    )


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
        else:
            problems += input_problems(route)

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


def test_the_ged_routes_are_in_the_matrix():
    # The GED is what this matrix grew for: its routes are checked, none is excluded.
    ged_routes = {route.name for route in ROUTES if route.path.startswith("ged/")}

    assert {"ged:company", "ged:folder", "ged:document", "ged:document-download"} <= ged_routes
    assert "ged:folder-template" in MATRIX
    assert {"api-company-folders", "api-folder-documents", "api-document"} <= set(MATRIX)


def test_the_partner_app_routes_are_in_the_matrix():
    partner_routes = {
        route.name
        for route in ROUTES
        if route.path.startswith(("reglages/applications/", "api/v1/apps/"))
    }

    assert {
        "partner_apps:applications",
        "partner_apps:authorizations",
        "api-apps",
        "api-app-authorization",
    } <= partner_routes
    assert partner_routes <= set(MATRIX)


def test_the_automation_and_delivery_routes_are_in_the_matrix():
    routes = {route.name: route for route in ROUTES}

    assert {
        "partner_apps:automation-toggle",
        "partner_apps:automation-bulk",
        "partner_apps:delivery-history",
        "partner_apps:delivery-retry",
        "api-folder-automations",
        "api-folder-automation",
        "api-document-deliveries",
        "api-deliveries",
        "api-delivery-retry",
    } <= set(routes)
    assert routes["partner_apps:delivery-retry"].params == ("delivery_id",)
    assert inputs_of(routes["api-deliveries"]) == {"company": "company_id", "app": "slug"}
    # None of them is open to clients.
    for name in ("partner_apps:automation-toggle", "api-folder-automations", "api-deliveries"):
        access = MATRIX[name]
        assert USER not in {access.of(method) for method in access.methods}, name


def test_the_inbound_routes_are_in_the_matrix():
    routes = {route.name: route for route in ROUTES}
    inbound = {
        "ged:inbound-settings",
        "ged:inbound-address-folder",
        "ged:inbound-address-regenerate",
        "ged:inbound-emails",
        "api-company-inbound-addresses",
        "api-inbound-address-regenerate",
    }

    assert inbound <= set(routes)
    assert routes["api-inbound-address-regenerate"].params == ("company_id", "target")
    assert inputs_of(routes["ged:inbound-address-folder"]) == {
        "company_id": "company_id",
        "target": "target",
        "folder": "folder_id",
    }
    assert inputs_of(routes["ged:inbound-emails"]) == {"company": "company_id"}
    # Clients read their company's addresses through the API; everything else is for staff.
    for name in inbound:
        access = MATRIX[name]
        audiences = {access.of(method) for method in access.methods} - {None}
        expected = {USER} if name == "api-company-inbound-addresses" else {STAFF}
        assert audiences == expected, name
        assert not access.refuses_clients, name


def test_the_fixture_gives_each_cabinet_its_addresses_and_a_received_email(world: World):
    for tenant in (world.a, world.b):
        for company in (tenant.company, tenant.other_company):
            assert InboundAddress.objects.filter(company=company).count() == 4
        email = InboundEmail.objects.get(company=tenant.company)
        assert email.sender == tenant.client.email
        assert email.items[0]["document"] == PARAMS["document_id"].of(tenant)


def test_the_fixture_gives_each_cabinet_a_failed_delivery_of_its_live_document(world: World):
    for tenant in (world.a, world.b):
        delivery = Delivery.objects.get(pk=PARAMS["delivery_id"].of(tenant))
        assert delivery.company == tenant.company
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.target == COLLECTION_EMAIL.format(slug=tenant.cabinet.slug)
        assert delivery.document.name == LIVE_DOCUMENT.format(label=label_of(tenant))


# --- The world is built once for the module; each test gets it as it was built ----------------

# The two tests run in this order on one worker (one xdist group): the second would see what the
# first changed if a test's writes outlived it.
SAME_WORKER = pytest.mark.xdist_group("isolation-world-kept")
INTRUDER = "intrus@alpha.fr"


def live_document_of(tenant) -> Document:
    return Document.objects.get(pk=PARAMS["document_id"].of(tenant))


@SAME_WORKER
def test_a_test_may_change_the_world_in_the_database_in_memory_and_on_disk(world: World):
    Company.objects.filter(pk=world.a.company.pk).update(name="Boulangerie Changée")
    world.a.company.name = "Boulangerie Changée"
    User.objects.create_user(email=INTRUDER, cabinet=world.a.cabinet, role=world.a.client.role)
    InboundEmail.objects.filter(company=world.a.company).delete()
    document = live_document_of(world.a)
    document.file.storage.delete(document.file.name)

    assert Company.objects.get(pk=world.a.company.pk).name == "Boulangerie Changée"
    assert User.objects.filter(email=INTRUDER).exists()
    assert not InboundEmail.objects.filter(company=world.a.company).exists()
    assert not document.file.storage.exists(document.file.name)


@SAME_WORKER
def test_the_next_test_finds_the_world_as_it_was_built(world: World):
    document = live_document_of(world.a)
    download = logged_in(world.a.admin).get(
        reverse("ged:document-download", kwargs={"document_id": document.pk})
    )

    assert Company.objects.get(pk=world.a.company.pk).name == "Boulangerie Alpha"
    assert world.a.company.name == "Boulangerie Alpha"
    assert not User.objects.filter(email=INTRUDER).exists()
    assert InboundEmail.objects.filter(company=world.a.company).count() == 1
    assert download.status_code == 200
    assert content_of(download) == PDF


def test_only_staff_api_routes_refuse_clients_outright():
    for route in ROUTES:
        access = MATRIX[route.name]
        if access.refuses_clients:
            assert route.is_api, route
            assert USER not in {access.of(method) for method in access.methods}, route


def test_a_slug_is_shared_by_both_cabinets_and_only_owned_ids_are_swapped(world: World):
    [route] = [route for route in ROUTES if route.name == "api-app-authorization"]

    assert owned_inputs(route) == {"company_id": "company_id"}
    assert foreign_id_sets(route, world) == [
        {"slug": CONNECTOR_SLUG, "company_id": world.a.company.pk}
    ]
    assert missing_ids(route, ids_of(route, world.a), shared_too=False) == {
        "slug": CONNECTOR_SLUG,
        "company_id": MISSING_ID,
    }
    assert missing_ids(route, ids_of(route, world.a), shared_too=True) == {
        "slug": MISSING_SLUG,
        "company_id": MISSING_ID,
    }


def test_an_unknown_parameter_is_reported():
    route = Route(path="ged/dossiers/<int:folder_id>/", name="ged:folder", params=("dossier",))

    assert input_problems(route) == ["ged/dossiers/<int:folder_id>/: unknown parameter dossier"]


# --- Callers who are nobody here ---------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_anonymous_visitor_is_sent_to_login(world: World, route: Route):
    access_of(route)
    client = APIClient(HTTP_HOST=host_of(world.a.cabinet))
    before = snapshot()

    for _method, what, response in each_call(route, client, ids_of(route, world.a)):
        assert_sent_to_login(route, response, what)
    assert snapshot() == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_other_cabinets_session_replayed_on_this_host_is_anonymous(world: World, route: Route):
    access_of(route)
    beta = APIClient(HTTP_HOST=host_of(world.b.cabinet))
    beta.force_login(world.b.admin)
    assert beta.get("/").status_code == 200
    replayed = APIClient(HTTP_HOST=host_of(world.a.cabinet))
    replayed.cookies = beta.cookies
    before = snapshot()

    for _method, what, response in each_call(route, replayed, ids_of(route, world.a)):
        assert_sent_to_login(route, response, what)
    assert snapshot() == before


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_other_cabinets_token_on_this_host_is_anonymous(world: World, route: Route):
    access_of(route)
    client = api(world.b.admin, cabinet=world.a.cabinet)
    before = snapshot()

    for _method, what, response in each_call(route, client, ids_of(route, world.a)):
        assert_sent_to_login(route, response, what)
    assert snapshot() == before


# --- The other cabinet's admin, on their own host ----------------------------------------------


def foreign_id_sets(route: Route, world: World) -> list[dict[str, int | str]]:
    """Alpha's ids everywhere, then beta's own ids with one of them taken from alpha (shared
    ones, the same in both cabinets, are not alpha's)."""
    alpha, beta = ids_of(route, world.a), ids_of(route, world.b)
    id_sets = [alpha]
    for name in owned_inputs(route):
        mixed = {**beta, name: alpha[name]}
        if mixed not in id_sets:
            id_sets.append(mixed)
    return id_sets


def comparable(response) -> tuple[int, str]:
    return response.status_code, CSRF_TOKEN.sub("", content_of(response).decode(errors="replace"))


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_other_cabinets_admin_finds_nothing_of_this_cabinet(world: World, route: Route):
    access = access_of(route)
    client = logged_in(world.b.admin)

    if not owned_inputs(route):
        # A list or a form of beta's own (for an app of the shared catalogue, maybe): it must
        # name nothing of alpha, and what beta does there leaves alpha's store as it was.
        alpha_store = store_of(world.a.cabinet)
        for _method, what, response in each_call(route, client, ids_of(route, world.b)):
            assert_reveals_nothing(response, what=what)
        assert store_of(world.a.cabinet) == alpha_store
        return

    before = snapshot()
    missing_url, missing_data = request_of(
        route, missing_ids(route, ids_of(route, world.a), shared_too=False)
    )
    for ids in foreign_id_sets(route, world):
        for method, what, response in each_call(route, client, ids):
            allowed = {404} if access.of(method) else {404, 405}
            assert response.status_code in allowed, what
            assert_reveals_nothing(response, what=what)
            # A foreign object and a missing one give the same answer.
            missing = call(client, method, missing_url, missing_data)
            assert comparable(response) == comparable(missing), what
    assert snapshot() == before


# --- Alpha's own people without the role -------------------------------------------------------


def client_sees(route: Route, user: User, ids: dict[str, int | str]) -> bool:
    inputs = inputs_of(route)
    return all(PARAMS[inputs[name]].seen_by_client(user, pk) for name, pk in ids.items())


def own_secrets(user: User) -> tuple[str, ...]:
    """What a client may read: their own address, their companies' names and deposit
    addresses, and the names of the live folders and documents of those companies."""
    companies = user.companies.all()
    names = [
        user.email,
        *companies.values_list("name", flat=True),
        *Folder.objects.filter(company__in=companies, trashed_at__isnull=True).values_list(
            "name", flat=True
        ),
        *Document.objects.filter(company__in=companies, trashed_at__isnull=True).values_list(
            "name", flat=True
        ),
        *InboundAddress.objects.filter(company__in=companies).values_list("local_part", flat=True),
    ]
    return tuple(
        secret for secret in alpha_secrets() if any(mentions(name, secret) for name in names)
    )


def deposit_addresses_of(company: Company) -> set[str]:
    return set(InboundAddress.objects.filter(company=company).values_list("local_part", flat=True))


def test_a_client_may_read_the_names_of_their_companys_ged_and_no_other(world: World):
    assert set(own_secrets(world.a.client)) == {
        "client@alpha.fr",
        "Boulangerie Alpha",
        "Minoterie Alpha",
        *deposit_addresses_of(world.a.company),
    }
    assert set(own_secrets(world.a.other_client)) == {
        "autre-client@alpha.fr",
        "Garage Alpha",
        *deposit_addresses_of(world.a.other_company),
    }
    assert (
        len(deposit_addresses_of(world.a.company) | deposit_addresses_of(world.a.other_company))
        == 8
    )


@pytest.mark.parametrize("who", ["client", "other_client"])
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_client_gets_nothing_from_routes_beyond_their_role(world: World, route: Route, who: str):
    access = access_of(route)
    user = getattr(world.a, who)
    ids = ids_of(route, world.a)
    sees = client_sees(route, user, ids)
    client = logged_in(user)
    # The one call that needs no form to act: the depositor's own document may go to the trash.
    own = ids.get("document_id") if sees and DEPOSITOR in map(access.of, access.methods) else None
    before = snapshot(trash_of_left_out=own)

    missing_url, missing_data = request_of(route, missing_ids(route, ids, shared_too=True))
    for method, what, response in each_call(route, client, ids):
        audience = access.of(method)
        status = response.status_code
        if audience in (USER, DEPOSITOR) and sees:
            # A route clients may use, on objects they may see (`client` deposited the live
            # document, nothing of which was sent).
            if method == "GET":
                assert_served(access, response, what)
            else:
                assert status not in (401, 403, 404), what
        elif access.refuses_clients:
            # Refused on the role alone: the same answer as for ids that name nothing.
            assert status in ({403, 404} if audience else {403, 404, 405}), what
            missing = call(client, method, missing_url, missing_data)
            assert comparable(response) == comparable(missing), what
        elif not sees:
            assert status in ({404} if audience else {404, 405}), what
        elif route.is_api:
            assert status in ({403, 404} if audience else {403, 404, 405}), what
        else:
            assert status in ({404} if audience else {404, 405}), what
        assert_reveals_nothing(response, seen=own_secrets(user), what=f"{what} as {who}")
        assert_names_no_partner(response, what=f"{what} as {who}")
    # The empty forms above change nothing, even where clients may post.
    assert snapshot(trash_of_left_out=own) == before


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=str)
def test_collaborator_is_refused_admin_routes(world: World, route: Route):
    access = access_of(route)
    client = logged_in(world.a.collaborator)
    before = snapshot()

    for method, what, response in each_call(route, client, ids_of(route, world.a)):
        audience = access.of(method)
        if audience == ADMIN:
            assert response.status_code == 403, what
        elif audience is None:
            assert response.status_code in (403, 405), what
    assert snapshot() == before


# --- The owner reaches every route: the ids above are real ones --------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_cabinet_admin_reaches_every_route_with_these_ids(world: World, route: Route):
    access = access_of(route)
    client = logged_in(world.a.admin)

    for method, what, response in each_call(route, client, ids_of(route, world.a)):
        if access.of(method) is None:
            continue
        if method == "GET":
            assert_served(access, response, what)
        else:
            assert response.status_code not in (401, 403, 404, 405), what
            assert response.status_code < 500, what
