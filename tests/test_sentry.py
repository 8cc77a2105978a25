"""Errors reach Sentry tagged with their cabinet, and carry nothing of the cabinets' data: no
document name or content, no email address, no request body, cookie, credential or query
string (welyb_portal/observability/scrubbing.py). The hook is tested on events shaped as the
SDK builds them, then end to end: a real SDK posting to a real HTTP endpoint on loopback."""

import io
import json
import logging
from wsgiref.util import setup_testing_defaults

import pytest
import sentry_sdk
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework.authtoken.models import Token

from tests.helpers.documents import deposit, folder_at
from tests.sentry_ingest import SentryIngest
from welyb_portal.observability.scrubbing import REDACTED, breadcrumb_scrub, event_scrub
from welyb_portal.observability.sentry import event_prepare, sentry_init
from welyb_portal.wsgi import application

DOCUMENT_NAME = "Bilan confidentiel Moulin 2026.pdf"
ADDRESS = "jeanne.moulin@boulangerie-moulin.fr"
TOKEN = "9f2c1e7a5b3d4c6e8f0a1b2c3d4e5f6a7b8c9d0e"


def _django_event() -> dict:
    """An error of a web request as the SDK's Django integration shapes it."""
    return {
        "level": "error",
        "exception": {
            "values": [
                {
                    "type": "RuntimeError",
                    "value": f"cannot rename {DOCUMENT_NAME} for {ADDRESS}",
                    "stacktrace": {
                        "frames": [
                            {
                                "function": "patch",
                                "module": "ged.api.views",
                                "lineno": 190,
                                "vars": {"name": f"'{DOCUMENT_NAME}'", "email": f"'{ADDRESS}'"},
                            }
                        ]
                    },
                }
            ]
        },
        "request": {
            "url": f"http://alpha.localhost/api/v1/documents/7/?token={TOKEN}",
            "method": "PATCH",
            "query_string": f"token={TOKEN}",
            "data": {"name": DOCUMENT_NAME},
            "cookies": {"sessionid": "abc"},
            "headers": {
                "Host": "alpha.localhost",
                "Authorization": f"Token {TOKEN}",
                "Cookie": "sessionid=abc",
                "User-Agent": "curl/8",
                "X-Request-Id": "req-12345678",
                "Referer": f"http://alpha.localhost/ged/recherche/?q={DOCUMENT_NAME}",
            },
            "env": {"REMOTE_ADDR": "203.0.113.9", "SERVER_NAME": "alpha.localhost"},
        },
        "user": {"id": "42", "email": ADDRESS, "username": ADDRESS, "ip_address": "203.0.113.9"},
        "breadcrumbs": {
            "values": [
                {
                    "type": "log",
                    "category": "partner_apps.services.outbox",
                    "message": f"delivery 3 sent to {ADDRESS} (<id@portal>)",
                    "data": {"target": ADDRESS},
                },
                {
                    "type": "http",
                    "category": "httplib",
                    "data": {
                        "url": "https://bucket.s3.test/documents/a.pdf",
                        "http.query": f"X-Amz-Signature={TOKEN}",
                        "method": "GET",
                    },
                },
                {"category": "query", "message": "SELECT 1 WHERE email = %s", "data": {}},
            ]
        },
        "extra": {"celery-job": {"args": [ADDRESS], "kwargs": {}}},
    }


def test_an_event_keeps_the_code_s_words_and_loses_the_cabinets_data():
    event = event_scrub(_django_event())
    text = repr(event)
    for secret in (DOCUMENT_NAME, ADDRESS, TOKEN, "sessionid", "203.0.113.9"):
        assert secret not in text, secret

    [exception] = event["exception"]["values"]
    assert exception["type"] == "RuntimeError"
    assert exception["value"] == REDACTED
    assert exception["stacktrace"]["frames"] == [
        {"function": "patch", "module": "ged.api.views", "lineno": 190}
    ]
    request = event["request"]
    assert request == {
        "url": "http://alpha.localhost/api/v1/documents/7/",
        "method": "PATCH",
        "headers": {
            "Host": "alpha.localhost",
            "User-Agent": "curl/8",
            "X-Request-Id": "req-12345678",
        },
    }
    assert event["user"] == {"id": "42"}
    log_crumb, http_crumb, sql_crumb = event["breadcrumbs"]["values"]
    assert log_crumb["message"] == REDACTED  # no record to take the template from
    assert http_crumb["data"] == {"url": "https://bucket.s3.test/documents/a.pdf", "method": "GET"}
    assert sql_crumb["message"] == "SELECT 1 WHERE email = %s"
    assert event["extra"] == {"celery-job": {"args": [REDACTED], "kwargs": {}}}


def test_a_logged_error_keeps_its_template_not_its_arguments():
    event = event_scrub(
        {
            "level": "error",
            "logger": "partner_apps.attachments",
            "logentry": {
                "message": "document %s: its file %s is missing from storage",
                "formatted": f"document 7: its file documents/{DOCUMENT_NAME} is missing",
                "params": [7, f"documents/{DOCUMENT_NAME}"],
            },
        }
    )
    assert event["logentry"] == {"message": "document %s: its file %s is missing from storage"}


def test_a_log_breadcrumb_keeps_the_template_of_its_record():
    record = logging.LogRecord(
        "partner_apps.services.outbox", logging.INFO, __file__, 1,
        "delivery %s sent to %s (%s)", (3, ADDRESS, "<id@portal>"), None,
    )  # fmt: skip
    crumb = {
        "type": "log",
        "category": record.name,
        "message": record.getMessage(),
        "data": {"extra": ADDRESS},
    }
    assert breadcrumb_scrub(crumb, {"log_record": record}) == {
        "type": "log",
        "category": "partner_apps.services.outbox",
        "message": "delivery %s sent to %s (%s)",
        "data": {},
    }


@pytest.mark.parametrize(
    "text",
    [ADDRESS, f"<{ADDRESS}>", "achat.boulangerie-alpha@inqombox.com", "a+b@sub.example.co.uk"],
)
def test_any_email_address_anywhere_is_redacted(text):
    event = event_scrub({"tags": {"note": f"to {text}"}, "contexts": {"x": {text: [text]}}})
    assert "@" not in repr(event)


# --- End to end: the SDK, a request that fails, a real HTTP endpoint ---------------------------


@pytest.fixture
def sentry_ingest():
    ingest = SentryIngest()
    ingest.start()
    sentry_init(dsn=ingest.dsn, environment="test", release="observe-1")
    yield ingest
    sentry_sdk.get_client().close()
    # Back to no client at all, as in a process without SENTRY_DSN.
    sentry_sdk.get_global_scope().set_client(None)
    ingest.stop()


def wsgi_call(method: str, path: str, *, query: str = "", body: bytes = b"", **headers) -> str:
    """The request through the WSGI application gunicorn runs (the test client would skip the
    WSGI handler, where the SDK reads the request's URL and headers); returns its status."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    if body:
        environ["CONTENT_TYPE"] = "application/json"
    setup_testing_defaults(environ)
    statuses = []
    # As Django's test client does: the test's database transaction stays open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application(environ, lambda status, headers: statuses.append(status))
        b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return statuses[0]


@pytest.mark.django_db
def test_an_error_of_a_request_reaches_sentry_tagged_with_its_cabinet_and_scrubbed(
    world, monkeypatch, sentry_ingest
):
    alpha = world.a
    document = deposit(folder_at(alpha.company, "Achats"), name="facture.pdf", by=alpha.client)
    token = Token.objects.create(user=alpha.collaborator).key

    def failing_rename(*, document, name, by):
        email = by.email  # a local variable the report must not carry
        raise RuntimeError(f"storage refused {name} for {email}")

    monkeypatch.setattr("ged.api.views.document_rename", failing_rename)
    status = wsgi_call(
        "PATCH",
        f"/api/v1/documents/{document.pk}/",
        query=f"token={TOKEN}",
        body=json.dumps({"name": DOCUMENT_NAME}).encode(),
        host="alpha.localhost",
        authorization=f"Token {token}",
        cookie="sessionid=cookie-value-of-the-session",
        x_request_id="lb-request-0001",
        user_agent="integration/1.0",
    )
    assert status.startswith("500")
    sentry_sdk.flush(timeout=10)

    [received] = sentry_ingest.wait_for(1)
    assert received.exception_types == ["RuntimeError"]
    assert received.tags["cabinet"] == "alpha"
    assert received.tags["request_id"] == "lb-request-0001"
    assert received.event["user"] == {"id": str(alpha.collaborator.pk)}
    assert received.event["environment"] == "test"
    assert received.event["release"] == "observe-1"
    request = received.event["request"]
    assert request["url"] == f"http://alpha.localhost/api/v1/documents/{document.pk}/"
    assert request["method"] == "PATCH"
    assert request["headers"]["User-Agent"] == "integration/1.0"
    assert not {"data", "cookies", "query_string", "env"} & request.keys()
    body = received.body.decode()
    for secret in (
        DOCUMENT_NAME,
        alpha.collaborator.email,
        token,
        TOKEN,
        "cookie-value-of-the-session",
        "Boulangerie Alpha",
    ):
        assert secret not in body, secret


@pytest.mark.django_db
def test_a_password_link_s_token_never_reaches_sentry(world, monkeypatch, sentry_ingest):
    def failing(*args, **kwargs):
        raise RuntimeError("token check failed")

    monkeypatch.setattr("welyb_portal.tenancy.views.auth.SetPasswordView.dispatch", failing)
    status = wsgi_call("GET", f"/mot-de-passe/MTIz/{TOKEN[:20]}-secret/", host="alpha.localhost")
    assert status.startswith("500")
    sentry_sdk.flush(timeout=10)

    [received] = sentry_ingest.wait_for(1)
    assert received.tags["cabinet"] == "alpha"
    assert received.event["request"]["url"] == (
        "http://alpha.localhost/mot-de-passe/[redacted]/[redacted]/"
    )
    assert TOKEN[:20] not in received.body.decode()


def test_event_prepare_outside_any_request_or_task_only_scrubs():
    event = event_prepare({"exception": {"values": [{"type": "E", "value": ADDRESS}]}})
    assert event == {"tags": {}, "exception": {"values": [{"type": "E", "value": REDACTED}]}}
