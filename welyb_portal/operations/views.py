from django.conf import settings
from django.http import Http404, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from .metrics import metrics_text
from .readiness import readiness


@never_cache
@require_GET
def readyz(request):
    """For the load balancer and monitoring: 200 when this node's database, broker and storage
    work, 503 naming what fails; with the outbox's lag either way. Public, on any host."""
    report = readiness()
    return JsonResponse(report.as_json(), status=200 if report.ready else 503)


def _bearer_token(request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


@never_cache
@require_GET
def metrics(request):
    """Prometheus's scrape, with `Authorization: Bearer <METRICS_TOKEN>`: 404 while no token
    is set, 401 without the right one."""
    if not settings.METRICS_TOKEN:
        raise Http404
    if not constant_time_compare(_bearer_token(request), settings.METRICS_TOKEN):
        return HttpResponse(
            "Authorization: Bearer <METRICS_TOKEN> expected.\n",
            status=401,
            content_type="text/plain; charset=utf-8",
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    return HttpResponse(metrics_text(), content_type=CONTENT_TYPE_LATEST)
