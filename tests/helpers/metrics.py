"""Prometheus's view of a node: /metrics scraped with the operator's token, read as its samples."""

from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

TOKEN = "t" * 40
BARE, UNKNOWN_IP = "localhost", "10.1.2.3:8000"


def scrape(host: str = BARE) -> dict[tuple[str, tuple], float]:
    """The samples of /metrics: {(name, sorted labels): value}."""
    response = Client(HTTP_HOST=host).get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def sample(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)
