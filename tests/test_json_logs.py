"""LOG_FORMAT=json: each log record is one JSON object on one line, with the request's id,
cabinet and user id for a web request (the worker's are in tests/integration/
test_worker_observability.py). The default stays the plain text line."""

import copy
import io
import json
import logging.config

import pytest
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.conf import settings
from django.test import Client

from partner_apps.tasks import deliver
from tests.conftest import api, browser
from tests.helpers.documents import folder_at, upload
from tests.helpers.forwarding import ACHATS, connect, switch_on
from welyb_portal.tenancy.log_context import (
    LogContextFilter,
    log_context_bind,
    log_context_end,
    log_context_fields,
    log_context_start_request,
    log_context_start_task,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines():
    """The portal's LOGGING with LOG_FORMAT=json, its console writing to a buffer; returns a
    function giving the lines written so far."""
    stream = io.StringIO()
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"].update(formatter="json", stream=stream)
    logging.config.dictConfig(config)
    yield lambda: stream.getvalue().splitlines()
    logging.config.dictConfig(settings.LOGGING)


def test_every_line_of_a_request_is_a_json_object_with_its_request_cabinet_and_user(
    world, log_lines
):
    admin = world.a.admin
    response = browser(admin).get("/", HTTP_X_REQUEST_ID="lb-7f3a-0001")
    assert response.status_code == 200
    response = browser(admin).get("/reglages/entreprises/")
    assert response.status_code == 200
    generated_id = response["X-Request-ID"]

    records = [json.loads(line) for line in log_lines()]
    assert records, "nothing was logged"
    home, companies = [r for r in records if r["logger"] == "welyb_portal.requests"]
    assert home.keys() >= {"time", "level", "logger", "message"}
    assert home["level"] == "INFO"
    assert home["message"].startswith("GET / 200 ")
    assert (home["request_id"], home["cabinet"], home["user_id"]) == (
        "lb-7f3a-0001",
        "alpha",
        admin.pk,
    )
    assert len(generated_id) == 32
    assert companies["request_id"] == generated_id
    assert companies["message"].startswith("GET /reglages/entreprises/ 200 ")


def test_a_visitor_s_line_has_no_user_and_an_unknown_host_s_no_cabinet(world, log_lines):
    browser(cabinet=world.a.cabinet).get("/connexion/")
    Client(HTTP_HOST="nobody.localhost").get("/", HTTP_X_REQUEST_ID="bad id\nforged")
    login, unknown = [
        json.loads(line)
        for line in log_lines()
        if json.loads(line)["logger"] == "welyb_portal.requests"
    ]
    assert login["cabinet"] == "alpha"
    assert "user_id" not in login
    assert "cabinet" not in unknown
    # An id that could forge a line is replaced.
    assert len(unknown["request_id"]) == 32


def test_an_exception_is_in_its_record_and_the_record_stays_one_line(log_lines):
    try:
        raise ValueError("first line\nsecond line")
    except ValueError:
        logging.getLogger("ged.services.deposit").exception("deposit failed")
    [line] = log_lines()
    record = json.loads(line)
    assert record["message"] == "deposit failed"
    assert record["level"] == "ERROR"
    assert "ValueError: first line\nsecond line" in record["exception"]
    assert "request_id" not in record


def test_the_default_format_is_the_plain_line(caplog):
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["plain"]["format"]))
    handler.addFilter(LogContextFilter())
    assert settings.LOG_FORMAT == "plain"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "plain"
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello %s", ("you",), None)
    handler.handle(record)
    assert handler.stream.getvalue().endswith(" INFO x hello you\n")


def test_a_cabinet_bound_outside_any_request_or_task_is_not_kept():
    log_context_bind(cabinet="alpha")
    assert log_context_fields() == {}
    token = log_context_start_task(task_name="partner_apps.tasks.deliver", task_id="t-1")
    log_context_bind(cabinet="alpha")
    assert log_context_fields() == {
        "cabinet": "alpha",
        "task_name": "partner_apps.tasks.deliver",
        "task_id": "t-1",
    }
    log_context_end(token)
    assert log_context_fields() == {}


def test_a_task_published_by_a_request_carries_its_id_to_the_worker_s_lines(rf):
    request = rf.get("/")
    token = log_context_start_request(request, request_id="depot-0001")
    headers: dict = {}
    try:
        # What Celery sends as it publishes a task (a deposit's delivery, at the commit).
        before_task_publish.send(sender="partner_apps.tasks.deliver", headers=headers, body=())
    finally:
        log_context_end(token)
    assert headers == {"request_id": "depot-0001"}

    # In the worker, the message's headers are the task's request.
    deliver.push_request(id="t-2", **headers)
    try:
        task_prerun.send(sender=deliver, task_id="t-2", task=deliver, args=(), kwargs={})
        assert log_context_fields() == {
            "request_id": "depot-0001",
            "task_name": "partner_apps.tasks.deliver",
            "task_id": "t-2",
        }
        task_postrun.send(sender=deliver, task_id="t-2", task=deliver, args=(), kwargs={})
    finally:
        deliver.pop_request()
    assert log_context_fields() == {}


def test_a_task_published_outside_any_request_carries_no_request_id():
    headers: dict = {}
    before_task_publish.send(sender="partner_apps.tasks.sweep_deliveries", headers=headers, body=())
    assert headers == {}


@pytest.mark.django_db(transaction=True)
def test_a_task_run_in_process_by_a_request_logs_with_both_contexts(world, log_lines):
    # Without a broker (the embedded mode), the deposit's delivery runs at the commit, inside
    # the request that deposited.
    alpha = world.a
    achats = folder_at(alpha.company, "Dossier comptable annuel 2026/Achats")
    connect(alpha, alpha.company, ACHATS, name="boulangerie-alpha")
    switch_on(achats, ACHATS, by=alpha.admin)
    response = api(alpha.client).post(
        f"/api/v1/folders/{achats.pk}/documents/",
        {"file": upload("facture.pdf")},
        format="multipart",
        HTTP_X_REQUEST_ID="lb-deposit-0042",
    )
    assert response.status_code == 201
    records = [json.loads(line) for line in log_lines()]
    [sent] = [r for r in records if r["logger"] == "partner_apps.services.outbox"]
    assert sent["message"].startswith("delivery ")
    assert sent["request_id"] == "lb-deposit-0042"
    assert sent["cabinet"] == "alpha"
    assert sent["user_id"] == alpha.client.pk
    assert sent["task_name"] == "partner_apps.tasks.deliver"
