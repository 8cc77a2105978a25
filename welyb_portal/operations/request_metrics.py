"""Requests counted and timed by route, method and status class, for /metrics.

The route is the resolved URL's name ("ged:folder"), never the path, so that ids do not make a
new series each. Under gunicorn, with PROMETHEUS_MULTIPROC_DIR set, each worker process writes
its figures to files of that directory and /metrics adds up every process's (README,
« Exploitation »); without it, a process counts only what it served itself."""

import time

from django.conf import settings
from prometheus_client import Counter, Histogram

# Unregistered: /metrics builds its registry at each scrape (metrics.py).
REQUESTS = Counter(
    "portal_http_requests",
    "Requests answered, by route, method and status class.",
    ["route", "method", "status"],
    registry=None,
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request (until the response is ready; a streamed download's transfer "
    "is not counted), by route, method and status class.",
    ["route", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
    registry=None,
)
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# A request no route took: an unknown host, a path nobody serves, a static file.
UNRESOLVED = "none"
STATIC = "static"


def route_of(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name
    if request.path.startswith(settings.STATIC_URL):
        return STATIC
    return UNRESOLVED


class RequestMetricsMiddleware:
    """First of the middlewares, so that it times every answer, refusals included."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        labels = (
            route_of(request),
            request.method if request.method in METHODS else "other",
            f"{response.status_code // 100}xx",
        )
        REQUESTS.labels(*labels).inc()
        LATENCY.labels(*labels).observe(elapsed)
        return response
