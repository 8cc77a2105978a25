"""Cabinet staff read the API's OpenAPI schema and its interactive docs on their cabinet's host;
nobody else learns anything from them, and the schema generates without a warning."""

import re

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

from tests.conftest import api, browser, host_of

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/schema/"
DOCS_URL = "/api/docs/"

# The paths and methods API.md promises so far.
CONTRACT = {
    "/api/v1/auth/token/": {"post"},
    "/api/v1/auth/logout/": {"post"},
    "/api/v1/companies/": {"get", "post"},
    "/api/v1/companies/{company_id}/clients/": {"post"},
    "/api/v1/companies/{company_id}/folders/": {"get", "post"},
    "/api/v1/folders/{folder_id}/documents/": {"get", "post"},
    "/api/v1/documents/{document_id}/": {"get", "patch", "delete"},
    "/api/v1/documents/{document_id}/download/": {"get"},
    "/api/v1/companies/{company_id}/inbound-addresses/": {"get"},
    "/api/v1/companies/{company_id}/inbound-addresses/{target}/regenerate/": {"post"},
    "/api/v1/apps/": {"get"},
    "/api/v1/apps/{slug}/install/": {"post"},
    "/api/v1/apps/{slug}/uninstall/": {"post"},
    "/api/v1/apps/{slug}/authorizations/": {"get"},
    "/api/v1/apps/{slug}/authorizations/{company_id}/": {"put"},
    "/api/v1/folders/{folder_id}/automations/": {"get"},
    "/api/v1/folders/{folder_id}/automations/{slug}/": {"put"},
    "/api/v1/documents/{document_id}/deliveries/": {"get"},
    "/api/v1/deliveries/": {"get"},
    "/api/v1/deliveries/{delivery_id}/retry/": {"post"},
    "/api/v1/notifications/": {"get"},
    "/api/v1/notifications/read/": {"post"},
}


def assert_no_schema_in(response) -> None:
    body = response.content.decode()
    assert "openapi" not in body
    assert "/api/v1/" not in body
    assert "swagger" not in body.lower()


def assert_contract_paths(schema: dict) -> None:
    assert str(schema["openapi"]).startswith("3.")
    for path, methods in CONTRACT.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), path


@pytest.mark.parametrize("role", ["admin", "collaborator"])
def test_staff_read_the_openapi_schema_as_yaml(world, role):
    response = api(getattr(world.a, role)).get(SCHEMA_URL)

    assert response.status_code == 200
    assert_contract_paths(yaml.safe_load(response.content))


def test_staff_read_the_openapi_schema_as_json(world):
    response = api(world.a.admin).get(SCHEMA_URL, {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert_contract_paths(schema)
    company_id = next(
        p
        for p in schema["paths"]["/api/v1/companies/{company_id}/clients/"]["post"]["parameters"]
        if p["name"] == "company_id"
    )
    assert company_id["in"] == "path"
    assert company_id["schema"]["type"] == "integer"
    company = schema["components"]["schemas"]["Company"]["properties"]
    assert set(company) == {"id", "name", "siren"}
    listing = schema["paths"]["/api/v1/companies/"]["get"]["responses"]["200"]
    paginated_ref = listing["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    paginated = schema["components"]["schemas"][paginated_ref]["properties"]
    assert set(paginated) == {"count", "next", "previous", "results"}


def component(schema: dict, reference: dict) -> dict:
    return schema["components"]["schemas"][reference["$ref"].rsplit("/", 1)[-1]]


def paginated_item_fields(schema: dict, path: str) -> set[str]:
    """The fields of one item of a list endpoint, which must be described as a page."""
    response = schema["paths"][path]["get"]["responses"]["200"]
    page = component(schema, response["content"]["application/json"]["schema"])["properties"]
    assert set(page) == {"count", "next", "previous", "results"}, path
    assert page["results"]["type"] == "array", path
    return set(component(schema, page["results"]["items"])["properties"])


def test_the_partner_app_endpoints_are_described_as_api_md_promises(world):
    schema = api(world.a.admin).get(SCHEMA_URL, {"format": "json"}).json()

    assert paginated_item_fields(schema, "/api/v1/apps/") == {
        "slug",
        "name",
        "kind",
        "installed",
        "visible_on_home",
    }
    assert paginated_item_fields(schema, "/api/v1/apps/{slug}/authorizations/") == {
        "company",
        "enabled",
        "collection_email",
    }
    put = schema["paths"]["/api/v1/apps/{slug}/authorizations/{company_id}/"]["put"]
    parameters = {p["name"]: p["schema"]["type"] for p in put["parameters"] if p["in"] == "path"}
    assert parameters == {"slug": "string", "company_id": "integer"}
    request = put["requestBody"]["content"]["application/json"]["schema"]
    assert set(component(schema, request)["properties"]) == {"enabled", "collection_email"}
    for action in ("install", "uninstall"):
        answer = schema["paths"][f"/api/v1/apps/{{slug}}/{action}/"]["post"]["responses"]["200"]
        row = component(schema, answer["content"]["application/json"]["schema"])
        assert set(row["properties"]) == {"slug", "name", "kind", "installed", "visible_on_home"}


def answer_of(schema: dict, path: str, method: str) -> dict:
    return schema["paths"][path][method]["responses"]["200"]["content"]["application/json"][
        "schema"
    ]


def item_fields(schema: dict, path: str, method: str = "get") -> set[str]:
    """The fields of one item of an endpoint that answers a plain list (an array, no pages)."""
    answer = answer_of(schema, path, method)
    assert answer.get("type") == "array", f"{path} answers a list: describe it as one"
    return set(component(schema, answer["items"])["properties"])


def test_the_automation_and_delivery_endpoints_are_described_as_api_md_promises(world):
    schema = api(world.a.admin).get(SCHEMA_URL, {"format": "json"}).json()
    automation = {"app", "enabled", "inherited_from", "activated_at", "available", "reason"}
    delivery = {
        "id",
        "app",
        "status",
        "reason",
        "target",
        "attempts",
        "message_id",
        "created_at",
        "sent_at",
    }

    # A folder's switches and a document's deliveries: every row at once.
    assert automation <= item_fields(schema, "/api/v1/folders/{folder_id}/automations/")
    assert delivery <= item_fields(schema, "/api/v1/documents/{document_id}/deliveries/")
    # The cabinet's history: a page, with its filters and its page number.
    assert delivery <= paginated_item_fields(schema, "/api/v1/deliveries/")
    filters = {
        p["name"]
        for p in schema["paths"]["/api/v1/deliveries/"]["get"]["parameters"]
        if p["in"] == "query"
    }
    assert {"status", "app", "company", "page"} <= filters
    # One switch: {enabled} in, its row out.
    put = "/api/v1/folders/{folder_id}/automations/{slug}/"
    assert automation <= set(component(schema, answer_of(schema, put, "put"))["properties"])
    request = schema["paths"][put]["put"]["requestBody"]["content"]["application/json"]["schema"]
    assert set(component(schema, request)["properties"]) == {"enabled"}
    parameters = {
        p["name"]: p["schema"]["type"]
        for p in schema["paths"][put]["put"]["parameters"]
        if p["in"] == "path"
    }
    assert parameters == {"folder_id": "integer", "slug": "string"}
    # "Renvoyer": nothing in, the delivery out.
    retry = "/api/v1/deliveries/{delivery_id}/retry/"
    assert delivery <= set(component(schema, answer_of(schema, retry, "post"))["properties"])
    assert "requestBody" not in schema["paths"][retry]["post"]


def test_the_inbound_address_endpoints_are_described_as_api_md_promises(world):
    schema = api(world.a.admin).get(SCHEMA_URL, {"format": "json"}).json()
    listing = "/api/v1/companies/{company_id}/inbound-addresses/"
    regenerate = "/api/v1/companies/{company_id}/inbound-addresses/{target}/regenerate/"

    # The four addresses at once: a plain list, no pages.
    assert item_fields(schema, listing) == {"target", "address", "folder"}
    # "Régénérer": nothing in, the new address out.
    answer = component(schema, answer_of(schema, regenerate, "post"))
    assert set(answer["properties"]) == {"target", "address", "folder"}
    assert "requestBody" not in schema["paths"][regenerate]["post"]
    parameters = {
        p["name"]: p["schema"]["type"]
        for p in schema["paths"][regenerate]["post"]["parameters"]
        if p["in"] == "path"
    }
    assert parameters == {"company_id": "integer", "target": "string"}


def test_the_notification_endpoints_are_described_as_api_md_promises(world):
    schema = api(world.a.admin).get(SCHEMA_URL, {"format": "json"}).json()
    read = schema["paths"]["/api/v1/notifications/read/"]["post"]

    assert paginated_item_fields(schema, "/api/v1/notifications/") == {
        "id",
        "kind",
        "text",
        "url",
        "created_at",
        "read",
    }
    request = read["requestBody"]["content"]["application/json"]["schema"]
    ids = component(schema, request)["properties"]["ids"]
    assert (ids["type"], ids["items"]["type"]) == ("array", "integer")
    assert set(
        component(schema, answer_of(schema, "/api/v1/notifications/read/", "post"))["properties"]
    ) == {"read"}
    assert {"400", "401", "403"} <= set(read["responses"])


def test_the_ged_lists_are_described_as_pages_and_a_new_folder_as_a_201(world):
    schema = api(world.a.admin).get(SCHEMA_URL, {"format": "json"}).json()
    folders = "/api/v1/companies/{company_id}/folders/"

    assert paginated_item_fields(schema, folders) == {"id", "name", "parent", "path"}
    assert {"id", "name", "folder", "status"} <= paginated_item_fields(
        schema, "/api/v1/folders/{folder_id}/documents/"
    )
    assert set(schema["paths"][folders]["post"]["responses"]) == {
        "201",
        "400",
        "401",
        "403",
        "404",
        "413",
        "415",
    }
    # A download goes out with the type sniffed from the file, whatever it is.
    download = schema["paths"]["/api/v1/documents/{document_id}/download/"]["get"]
    assert set(download["responses"]["200"]["content"]) == {"*/*"}


def test_every_operation_declares_the_errors_it_may_answer(world):
    schema = api(world.a.admin).get(SCHEMA_URL, {"format": "json"}).json()
    paths = schema["paths"]

    def answers(path: str, method: str) -> set[str]:
        return set(paths[path][method]["responses"])

    document = "/api/v1/documents/{document_id}/"
    assert answers(document, "get") == {"200", "401", "403", "404"}
    # 413: a body longer than the operation reads, refused unread.
    assert answers(document, "patch") == {"200", "400", "401", "403", "404", "413", "415"}
    assert answers(document, "delete") == {"204", "401", "403", "404"}
    # Anybody may ask for a token: refused credentials are a 400, never a 401.
    # 429: the address is locked after too many failures (login throttling).
    assert answers("/api/v1/auth/token/", "post") == {"200", "400", "413", "415", "429"}
    # Logout: nothing in, nothing out but 204; without a valid token of this cabinet, 401.
    logout = paths["/api/v1/auth/logout/"]["post"]
    assert "requestBody" not in logout
    assert "content" not in logout["responses"]["204"]
    assert {"204", "401"} <= answers("/api/v1/auth/logout/", "post")
    assert logout["security"] == [{"tokenAuth": []}]
    # The send history's filters are checked: a status that does not exist is a 400.
    assert answers("/api/v1/deliveries/", "get") == {"200", "400", "401", "403", "404"}
    [status] = [
        p for p in paths["/api/v1/deliveries/"]["get"]["parameters"] if p["name"] == "status"
    ]
    assert {"pending", "sent", "failed", "bounced", "skipped"} <= set(status["schema"]["enum"])
    not_found = paths[document]["get"]["responses"]["404"]["content"]["application/json"]
    assert component(schema, not_found["schema"])["required"] == ["detail"]
    refused = paths[document]["patch"]["responses"]["400"]["content"]["application/json"]
    assert component(schema, refused["schema"])["type"] == "object"
    # A document too large: {"file": […]} in the 413 as in the 400, the shape of field errors.
    upload = paths["/api/v1/folders/{folder_id}/documents/"]["post"]["responses"]
    assert upload["413"]["content"] == upload["400"]["content"]


def test_staff_read_the_schema_with_their_browser_session(world):
    response = browser(world.a.collaborator).get(SCHEMA_URL)

    assert response.status_code == 200
    assert_contract_paths(yaml.safe_load(response.content))


def test_client_is_refused_the_schema(world):
    response = api(world.a.client).get(SCHEMA_URL, {"format": "json"})

    assert response.status_code == 403
    assert_no_schema_in(response)


def test_anonymous_visitor_is_refused_the_schema(world):
    response = APIClient(HTTP_HOST=host_of(world.a.cabinet)).get(SCHEMA_URL)

    assert response.status_code == 401
    assert_no_schema_in(response)


def test_token_of_the_other_cabinet_is_refused_the_schema(world):
    response = api(world.b.admin, cabinet=world.a.cabinet).get(SCHEMA_URL)

    assert response.status_code == 401
    assert_no_schema_in(response)


def test_staff_open_the_docs_served_from_the_cabinets_own_host(world):
    client = browser(world.a.admin)

    response = client.get(DOCS_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "swagger-ui" in page
    assert "cdn.jsdelivr" not in page
    assert "unpkg" not in page
    # Nothing inline for the Content-Security-Policy to refuse: every script has a src.
    assert "<style" not in page
    assert re.findall(r"<script(?![^>]*\bsrc=)", page) == []
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert assets
    for asset in assets:
        # Same origin: a path on this host, never another host (no scheme, no "//host").
        assert asset.startswith("/"), asset
        assert not asset.startswith("//"), asset
        assert client.get(asset).status_code == 200, asset
    [init_script] = [asset for asset in assets if "script=" in asset]
    assert '"/api/schema/"' in client.get(init_script).content.decode()


@pytest.mark.parametrize("who", ["client", "other_client"])
def test_client_is_refused_the_docs(world, who):
    response = browser(getattr(world.a, who)).get(DOCS_URL)

    assert response.status_code in (403, 404)
    assert_no_schema_in(response)


def test_anonymous_visitor_is_refused_the_docs(world):
    response = browser(cabinet=world.a.cabinet).get(DOCS_URL)

    assert response.status_code in (302, 401, 403)
    assert_no_schema_in(response)


def test_schema_generates_without_warnings_and_validates(tmp_path):
    # Earlier generations in this process may have filled the class-level caches.
    GENERATOR_STATS.reset()
    output = tmp_path / "schema.yml"

    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(output))

    assert not GENERATOR_STATS
    assert_contract_paths(yaml.safe_load(output.read_text()))
