from django.db import connection
from django.http import HttpResponseNotFound, JsonResponse
from django.views.decorators.http import require_GET
from django.views.defaults import page_not_found
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer


@require_GET
def healthz(request):
    """For the load balancer: the process answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def not_found(request, exception):
    """The 404 of a path no route matches. Under /api/ (an id that is not a number, a typo in
    the path) it is the API's own JSON answer, the very bytes of a missing object's, not an
    HTML page."""
    if request.path.startswith("/api/"):
        body = JSONRenderer().render({"detail": NotFound.default_detail})
        return HttpResponseNotFound(body, content_type="application/json")
    return page_not_found(request, exception)
