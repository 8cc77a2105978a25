"""Each request's id and context, for its log lines and its error reports."""

import logging
import re
import time
import uuid

from welyb_portal.tenancy.log_context import log_context_end, log_context_start_request

logger = logging.getLogger("welyb_portal.requests")

# An id the load balancer or the proxy gave the request is kept when it looks like one (so that
# their logs and the portal's meet); anything else is replaced, never written to a log.
_GIVEN_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
REQUEST_ID_HEADER = "X-Request-ID"
# URL arguments that are secrets (a password link's token): never in a log line or a report.
SECRET_URL_KWARGS = frozenset({"uidb64", "token"})
REDACTED = "[redacted]"


def request_path_safe(request) -> str:
    """The request's path, its secret arguments replaced (the query string is never part of
    it: it may carry a search, a token)."""
    path = request.path
    match = getattr(request, "resolver_match", None)
    if match is not None:
        for name in SECRET_URL_KWARGS & match.kwargs.keys():
            path = path.replace(f"/{match.kwargs[name]}/", f"/{REDACTED}/")
    return path


class RequestContextMiddleware:
    """First of all middleware: gives the request its id (the proxy's `X-Request-ID`, or a new
    one), answers it in the same header, puts the request in the log context for every line
    logged while it is served, and logs one line when it is answered (method, path, status,
    duration)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = given if _GIVEN_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        request.request_id = request_id
        token = log_context_start_request(request, request_id=request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            logger.info(
                "%s %s %s %.0f ms",
                request.method,
                request_path_safe(request),
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
            return response
        finally:
            log_context_end(token)
