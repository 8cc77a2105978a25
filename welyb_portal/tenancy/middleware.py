from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.http.request import split_domain_port
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from .access import ExplainedNotFound
from .selectors import host_site
from .typography import french_spacing_html


def _is_platform_path(path: str) -> bool:
    return path.startswith(settings.PLATFORM_PATH_PREFIXES)


class CabinetHostMiddleware:
    """Maps the request's host to its cabinet, or refuses it.

    Sets `request.cabinet` (the cabinet this request serves, None for the platform's own pages)
    and `request.is_platform_request`. A host nobody owns gets a 404 page, as does a cabinet
    path on the platform's host and the Django admin on a cabinet's host. ANY_HOST_PATHS (the
    probes, the metrics) are the platform's on every host.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in settings.ANY_HOST_PATHS:
            request.cabinet, request.is_platform_request = None, True
            return self.get_response(request)
        hostname, _port = split_domain_port(request.get_host())
        site = host_site(hostname.lower())
        path = request.path_info
        if site is None:
            return render(request, "errors/unknown_host.html", status=404)
        if site.is_platform and _is_platform_path(path):
            request.cabinet, request.is_platform_request = None, True
        elif site.cabinet is None:
            return render(request, "errors/unknown_host.html", status=404)
        elif path.startswith(settings.PLATFORM_ONLY_PATH_PREFIXES):
            raise Http404
        else:
            request.cabinet, request.is_platform_request = site.cabinet, False
        return self.get_response(request)


def user_may_use_request(user, request) -> bool:
    """A cabinet's users act on its host only; platform support on the platform's pages only."""
    if request.cabinet is not None:
        return user.cabinet_id == request.cabinet.pk
    return user.is_superuser and user.cabinet_id is None


class CabinetUserMiddleware:
    """Turns a session opened for another site into an anonymous visitor.

    Session cookies are per host already; this also holds when a cookie is copied from one
    host to another, or when the platform's host also serves the demo cabinet."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session_user = request.user

        def user_for_request():
            if session_user.is_authenticated and not user_may_use_request(session_user, request):
                return AnonymousUser()
            return session_user

        request.user = SimpleLazyObject(user_for_request)
        return self.get_response(request)


class ExplainedNotFoundMiddleware:
    """Renders the portal's own 404 page, with its reason, for an ExplainedNotFound raised by a
    page's view: with DEBUG too (`make run`), where Django would show its English debug 404
    in place of the handler404 page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, ExplainedNotFound) or request.path.startswith("/api/"):
            return None
        return render(request, "404.html", {"explanation": exception}, status=404)


class FrenchSpacingMiddleware:
    """French typography's no-break spaces in the text of every HTML page (typography.py): the
    templates' words, the translated strings, the flash messages and the form errors alike,
    whichever view or app rendered them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if (
            response.streaming
            or not content_type.startswith("text/html")
            or response.get("Content-Encoding")
        ):
            return response
        charset = response.charset
        spaced = french_spacing_html(response.content.decode(charset)).encode(charset)
        if spaced != response.content:
            response.content = spaced
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(spaced))
        return response
