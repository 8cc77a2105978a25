"""docs/prometheus-alerts.yml cannot rot: it is valid YAML in Prometheus's rule-file shape, and
every metric and label its rules name is one that /metrics exposes."""

import re
from pathlib import Path

import pytest
import yaml
from django.test import Client

from partner_apps.tasks import sweep_deliveries
from tests.helpers.metrics import BARE, TOKEN, scrape

pytestmark = pytest.mark.django_db

ALERTS = Path(__file__).resolve().parent.parent / "docs" / "prometheus-alerts.yml"
# Prometheus's own series, not the portal's.
PROMETHEUS_METRICS = {"up"}
SELECTOR = re.compile(r"\b(portal_[a-z0-9_]+)\s*(?:\{([^}]*)\})?")
LABEL_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")


def rules() -> list[dict]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_alerts_file_is_a_rule_file_of_named_alerts_with_expressions():
    found = rules()
    assert {rule["alert"] for rule in found} >= {
        "PortalOutboxLagging",
        "PortalDeliveriesFailing",
        "PortalCeleryTaskFailing",
        "PortalNotReady",
    }
    for rule in found:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert isinstance(rule["expr"], str), rule["alert"]
        assert rule["expr"].strip(), rule["alert"]
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s")), rule["alert"]


def test_every_metric_and_label_the_alerts_name_is_exposed(world, settings):
    settings.METRICS_TOKEN = TOKEN
    # Every kind of series present: a request answered, a task run.
    Client(HTTP_HOST=BARE).get("/healthz")
    sweep_deliveries.delay()
    exposed: dict[str, set[str]] = {}
    for name, labels in scrape():
        exposed.setdefault(name, set()).update(label for label, _ in labels)

    named = 0
    for rule in rules():
        text = yaml.safe_dump(rule)
        for metric, matchers in SELECTOR.findall(text):
            named += 1
            assert metric in exposed, f"{rule['alert']}: {metric} is not in /metrics"
            for label in LABEL_MATCHER.findall(matchers):
                assert label in exposed[metric], f"{rule['alert']}: {metric} has no {label}"
        others = set(re.findall(r"\b([a-z_]+)\{", rule["expr"])) - PROMETHEUS_METRICS
        assert not {o for o in others if not o.startswith("portal_")}, rule["alert"]
    assert named >= 8
