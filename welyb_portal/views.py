from django.core.exceptions import RequestDataTooBig
from django.db import connection
from django.http import HttpResponseNotFound, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.views.decorators.http import require_GET
from django.views.defaults import bad_request as django_bad_request
from django.views.defaults import page_not_found
from rest_framework.exceptions import NotFound
from rest_framework.renderers import JSONRenderer

from .tenancy.request_bodies import body_refused, body_too_large, default_max_bytes


@require_GET
def healthz(request):
    """For the load balancer: the process answers and reaches its database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def favicon(request):
    """The icon browsers ask for on their own: the one the pages name, whatever its hashed
    name in production (read when asked, not when the URLconf loads)."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


def not_found(request, exception):
    """The 404 of a path no route matches. Under /api/ (an id that is not a number, a typo in
    the path) it is the API's own JSON answer, the very bytes of a missing object's, not an
    HTML page."""
    if request.path.startswith("/api/"):
        body = JSONRenderer().render({"detail": NotFound.default_detail})
        return HttpResponseNotFound(body, content_type="application/json")
    return page_not_found(request, exception)


def bad_request(request, exception):
    """A request Django refused as it read it. Form fields past DATA_UPLOAD_MAX_MEMORY_SIZE (in
    an upload whose files may weigh more) make a body too large, not a wrong one: the 413 of a
    body refused from its Content-Length, logged on one line likewise."""
    if isinstance(exception, RequestDataTooBig):
        max_bytes = default_max_bytes()
        return body_refused(
            request,
            body_too_large(request, max_bytes),
            what="form fields past their cap",
            max_bytes=max_bytes,
        )
    return django_bad_request(request, exception)
