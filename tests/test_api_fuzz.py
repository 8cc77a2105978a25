"""Schemathesis against the API's own OpenAPI schema: whatever a cabinet admin, a client or an
anonymous caller sends, the API never answers 500, and its answers (status code, content type,
body) are the ones the schema describes.

How it runs
- The schema is the one drf-spectacular serves at /api/schema/ (a test checks the two are the
  same); it is built when the module is imported, since Schemathesis makes one test per
  operation at collection time, before any database exists.
- Calls go in-process to Django's WSGI application, on the cabinet's host, inside the test's
  database transaction: each generated request runs in a savepoint that is rolled back, so
  every example meets the same seeded world (a cabinet with its admin, a client of one company,
  folders, documents, a connector switched on, deliveries, and a second cabinet whose ids must
  stay out of reach). Ids, in the path, the query or the body, are drawn among those seeded
  objects half of the time, so that requests get past the 404s; strings and integers are mixed
  with a dictionary of hostile values (a NUL, which PostgreSQL refuses, "²", integers past
  bigint...).
- Files land in the temporary MEDIA_ROOT of tests/conftest.py; emails, whose sending waits for
  a commit that never comes, would go to Django's locmem backend anyway (checked below).

Bounds, so that CI stays short (55 s on SQLite, 60 to 80 s on PostgreSQL, on 2 cores:
`pytest -p no:cacheprovider tests/test_api_fuzz.py`)
- admin and client: the coverage phase (Schemathesis' deterministic boundary values, positive
  and negative) plus 30 Hypothesis examples per operation, valid and invalid ones mixed;
- anonymous: 10 examples per operation, fuzzing phase only (everything but the token endpoint
  is a 401, but the generated session cookie and Authorization header reach the
  authentication code);
- Hypothesis runs derandomized, without its example database, so that every run sends the same
  requests and CI cannot flake; FUZZ_EXAMPLES=<n> raises the count for a longer local run.
"""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from partner_apps.models import Delivery
from tests.conftest import api, host_of
from tests.factories import CabinetFactory
from tests.helpers.documents import CSV, PNG, deposit, folder_at
from tests.helpers.forwarding import ACHATS, connect, switch_on
from tests.helpers.store import ALL_APPS
from welyb_portal.tenancy.services.notifications import notifications_create
from welyb_portal.wsgi import application

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.slow,  # a minute of fuzzing: `make test-all` (CI) runs it, `make test` does not
    # Schemathesis also fills the session cookie with long strings; Werkzeug warns about it.
    pytest.mark.filterwarnings("ignore:The 'sessionid' cookie is too large:UserWarning"),
]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "30"))
ANONYMOUS_EXAMPLES = 10
# Values that broke such APIs before, mixed into what Hypothesis draws for strings and integers.
HOSTILE_STRINGS = [
    "a\x00b",  # PostgreSQL refuses NUL in text
    "a longer value with a \x00 inside",  # past the length checks made before a lookup
    "²",  # str.isdigit() says yes, int() says no
    "١٢",  # Arabic-Indic digits, which int() accepts
    " 1 ",
    "\u202efdp.exe",  # a right-to-left override
    "A" * 5000,
]
HOSTILE_INTEGERS = [2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**20, -1, 0]
HEALTH_CHECKS = [
    # The seeded world is a function-scoped fixture on purpose: each example rolls back.
    HealthCheck.function_scoped_fixture,
    HealthCheck.too_slow,
    HealthCheck.filter_too_much,
    HealthCheck.data_too_large,
]


def served_schema() -> dict:
    """The schema as /api/schema/ serves it (the view renders the same generator's output)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def fuzz_config(*, examples: int, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "dictionaries": {
                "hostile-strings": {"values": HOSTILE_STRINGS},
                "hostile-integers": {"values": HOSTILE_INTEGERS},
            },
            "generation": {
                "mode": "all",
                "max-examples": examples,
                "deterministic": True,
                "database": "none",
                "dictionaries": {
                    "string": {"dictionary": "hostile-strings", "probability": 0.25},
                    "integer": {"dictionary": "hostile-integers", "probability": 0.25},
                },
            },
            "phases": {"coverage": {"enabled": coverage}, "stateful": {"enabled": False}},
        }
    )


SCHEMA = served_schema()
schema = schemathesis.openapi.from_dict(
    SCHEMA, config=fuzz_config(examples=EXAMPLES, coverage=True)
)
anonymous_schema = schemathesis.openapi.from_dict(
    SCHEMA, config=fuzz_config(examples=ANONYMOUS_EXAMPLES, coverage=False)
)
# In-process, never through the network.
schema.app = anonymous_schema.app = application

# --- Ids that exist ----------------------------------------------------------------------------

# The seeded ids by parameter name, filled by the `seeded` fixture; read while generating.
KNOWN: dict[str, list] = {}
# Body and query fields that hold the same kind of id as a path parameter.
ALIASES = {"company": "company_id", "folder": "folder_id", "parent": "folder_id"}


def with_known_ids(values):
    """As generated, or with its id fields replaced by seeded ids: Hypothesis picks."""
    if not isinstance(values, dict):
        return st.just(values)
    known = {
        name: st.sampled_from(KNOWN[ALIASES.get(name, name)])
        for name in values
        if KNOWN.get(ALIASES.get(name, name))
    }
    if not known:
        return st.just(values)
    return st.one_of(
        st.just(values), st.fixed_dictionaries(known).map(lambda ids: {**values, **ids})
    )


C0_CONTROLS = {chr(code) for code in range(32)} | {"\x7f"}


def as_a_server_reads_them(headers):
    """Header values as a WSGI server hands them over: the bytes of UTF-8 text read as latin-1,
    without the control characters servers refuse, nor surrounding spaces. (Werkzeug's test
    client would pass any text, which no real request can carry.)"""
    if not isinstance(headers, dict):
        return headers
    return {
        name: "".join(
            c for c in value.encode().decode("latin-1") if c == "\t" or c not in C0_CONTROLS
        ).strip()
        if isinstance(value, str)
        else value
        for name, value in headers.items()
    }


for each_schema in (schema, anonymous_schema):
    for hook in ("flatmap_path_parameters", "flatmap_query", "flatmap_body"):
        each_schema.hook(hook)(lambda context, values: with_known_ids(values))
    each_schema.hook("map_headers")(lambda context, headers: as_a_server_reads_them(headers))


# --- The world the requests meet ---------------------------------------------------------------


@pytest.fixture
def in_process(settings):
    """Requests go through Django's WSGI handler, which closes the database connection when a
    request ends, and with it the test's transaction: Django's test client turns that off for
    its own requests, this fixture does the same for these."""
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(world, in_process):
    a, b = world.a, world.b
    achats = folder_at(a.company, "Dossier comptable annuel 2026/Achats", by=a.admin)
    ventes = folder_at(a.company, "Dossier comptable annuel 2026/Ventes", by=a.admin)
    garage = folder_at(a.other_company, "Administratif", by=a.admin)
    foreign = folder_at(b.company, "Administratif", by=b.admin)
    connect(a, a.company, ACHATS, name="boulangerie")
    switch_on(achats, ACHATS, by=a.admin)
    documents = [
        deposit(achats, "facture.pdf", by=a.client),  # a pending delivery
        deposit(achats, "archive.zip", b"PK\x03\x04zip", by=a.client),  # a skipped one
        deposit(ventes, "releve.csv", CSV, by=a.admin),
        deposit(garage, "photo.png", PNG, by=a.admin),
        deposit(foreign, "etranger.pdf", by=b.admin),
    ]
    # Something in the staff's bell, on both sides.
    for tenant in (a, b):
        notifications_create(
            cabinet=tenant.cabinet,
            kind="delivery.needs_action",
            text="« facture.pdf » n'a pas pu partir.",
            url="/ged/",
        )
    KNOWN.update(
        {
            "company_id": [a.company.pk, a.other_company.pk, b.company.pk],
            "folder_id": [achats.pk, achats.parent_id, ventes.pk, garage.pk, foreign.pk],
            "document_id": [document.pk for document in documents],
            "delivery_id": list(Delivery.objects.values_list("pk", flat=True)),
            "slug": ALL_APPS,
            "target": ["achats", "ventes", "ndf", "a-classer"],
        }
    )
    yield world
    KNOWN.clear()


def call_and_validate(case, *, cabinet, headers=None):
    """One generated request on the cabinet's host, rolled back once answered and checked.
    The URL stays on localhost, the host goes in the Host header: Schemathesis' WSGI transport
    files the cookies it generates under localhost, and they would not reach another host."""
    with transaction.atomic():
        case.call_and_validate(
            base_url="http://localhost",
            headers={"Host": host_of(cabinet), **(headers or {})},
            checks=CHECKS,
        )
        transaction.set_rollback(True)


# --- Tests -------------------------------------------------------------------------------------


def test_the_fuzzed_schema_is_the_one_served(world):
    response = api(world.a.admin).get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    assert response.json() == SCHEMA


@pytest.mark.parametrize("role", ["admin", "client"])
@schema.parametrize()
@settings(deadline=None, suppress_health_check=HEALTH_CHECKS)
def test_the_api_holds_for_an_authenticated_user(case, seeded, role):
    token, _ = Token.objects.get_or_create(user=getattr(seeded.a, role))

    call_and_validate(
        case, cabinet=seeded.a.cabinet, headers={"Authorization": f"Token {token.key}"}
    )


@anonymous_schema.parametrize()
@settings(deadline=None, suppress_health_check=HEALTH_CHECKS)
def test_the_api_holds_for_an_anonymous_caller(case, db, in_process):
    call_and_validate(case, cabinet=CabinetFactory(slug="alpha"))
