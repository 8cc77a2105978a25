"""What /metrics shows, in Prometheus's text format: requests (request_metrics.py), Celery
tasks (task_metrics.py), the platform's state (platform_metrics.py)."""

import os

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from .platform_metrics import PlatformCollector
from .request_metrics import LATENCY, REQUESTS
from .task_metrics import TaskMetricsCollector


def multiprocess_directory() -> str:
    """Where gunicorn's worker processes write their request figures (prometheus_client's
    multiprocess mode, read from the environment when prometheus_client is imported); empty
    when each process keeps its own."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def metrics_text() -> bytes:
    """A scrape: built anew each time, the collectors read the database and Redis then."""
    # Collectors without describe() are collected once, at the scrape, not at registration.
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_directory():
        MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(TaskMetricsCollector())
    registry.register(PlatformCollector())
    return generate_latest(registry)
