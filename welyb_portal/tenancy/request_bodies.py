"""How much of a request's body the portal reads, and the 413 for the rest.

Every route reads at most DATA_UPLOAD_MAX_MEMORY_SIZE (Django's 2.5 MiB): plenty for any form or
JSON body of the portal. RequestBodyLimitMiddleware refuses a longer body from its
Content-Length, before a byte of it is read (Django never reads past the Content-Length: without
one, it reads nothing). A route that takes more says so on its view:

- `@accepts_uploads(...)`: a multipart form that carries files, which go to temporary files and
  never into memory (upload_handlers.py): the form as a whole and each file have their caps;
- `@accepts_large_body(...)`: any body, read whole in memory, its form fields as large as the
  body (the email services' inbound webhooks post a whole email).

A route grants its larger cap only to the requests it trusts (a signed-in user, the webhooks'
secret…); anybody else has the default read, and no file written (upload_handlers.py). A body
over its cap is answered 413 (a French page, JSON under /api/, or the route's own refusal) and
logged on one line.
"""

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.log import log_response
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MEBIBYTE = 1024 * 1024

Refusal = Callable[[HttpRequest, int], HttpResponse]


@dataclass(frozen=True)
class BodyLimit:
    """What a route reads beyond the default, and from whom. Sizes are read at request time
    (settings may change), in bytes."""

    max_bytes: Callable[[HttpRequest], int]
    # Each file of a form; None: as large as the body that holds it.
    max_file_bytes: Callable[[HttpRequest], int] | None
    # The larger cap for a multipart form only: the one body whose files go to disk, where any
    # other (JSON, a urlencoded form) would be read whole in memory.
    multipart_only: bool
    # Read whole in memory, form fields included, however large (up to max_bytes).
    in_memory: bool
    trusts: Callable[[HttpRequest], bool]
    refusal: Refusal | None = None

    def grants(self, request: HttpRequest) -> bool:
        if self.multipart_only and request.content_type != "multipart/form-data":
            return False
        return self.trusts(request)

    def file_max_bytes(self, request: HttpRequest) -> int:
        return (self.max_file_bytes or self.max_bytes)(request)


def is_signed_in(request: HttpRequest) -> bool:
    """A user with a session (the pages, the admin)."""
    return request.user.is_authenticated


def is_signed_in_or_brings_credentials(request: HttpRequest) -> bool:
    """A user with a session, or a request with an Authorization header: the API's views check
    the token before they read a byte of the body."""
    return request.user.is_authenticated or "HTTP_AUTHORIZATION" in request.META


def _declare(limit: BodyLimit):
    def mark(view):
        # An attribute, as csrf_exempt once was: the decorators built with functools.wraps
        # (login_required, require_POST…) carry it up to the function the URLconf names.
        view.body_limit = limit
        return view

    return mark


def accepts_uploads(
    *,
    max_bytes: Callable[[HttpRequest], int],
    max_file_bytes: Callable[[HttpRequest], int],
    trusts: Callable[[HttpRequest], bool],
    refusal: Refusal | None = None,
):
    """On a view: a multipart form from a request it `trusts` may weigh `max_bytes`, each of
    its files `max_file_bytes` (a file past it is deleted as it passes, and listed in
    `upload_refusals(request)`). Any other body keeps the default. `refusal(request, max_bytes)`
    answers a form over its cap (the default 413 otherwise)."""
    return _declare(
        BodyLimit(
            max_bytes=max_bytes,
            max_file_bytes=max_file_bytes,
            multipart_only=True,
            in_memory=False,
            trusts=trusts,
            refusal=refusal,
        )
    )


def accepts_large_body(
    *, max_bytes: Callable[[HttpRequest], int], trusts: Callable[[HttpRequest], bool]
):
    """On a view: any body from a request it `trusts`, up to `max_bytes`, read whole in memory
    before the view runs; a multipart form's fields as large as the body (Django caps each at
    DATA_UPLOAD_MAX_MEMORY_SIZE), its files in memory too."""
    return _declare(
        BodyLimit(
            max_bytes=max_bytes,
            max_file_bytes=None,
            multipart_only=False,
            in_memory=True,
            trusts=trusts,
        )
    )


def megabytes(size: int) -> str:
    """A size in Mo as the portal writes it: "100", "2,5"."""
    mo = round(size / MEBIBYTE, 1)
    return number_format(mo if mo % 1 else int(mo))


def default_max_bytes() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or sys.maxsize


def request_body_limit(request: HttpRequest) -> BodyLimit | None:
    """The larger cap the request's route granted it (None: the default)."""
    return getattr(request, "body_limit", None)


def body_too_large(request: HttpRequest, max_bytes: int, *, message: str = "") -> HttpResponse:
    """The 413 of a body over its cap: the API's JSON under /api/, a French page elsewhere."""
    message = message or _("Requête trop volumineuse (%(size)s Mo maximum).") % {
        "size": megabytes(max_bytes)
    }
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=413)
    return render(request, "413.html", {"message": message}, status=413)


def body_refused(
    request: HttpRequest, response: HttpResponse, *, what: str, max_bytes: int
) -> HttpResponse:
    """`response`, once its one line is logged (Django, seeing it logged, adds none)."""
    log_response(
        "Body refused: %s %s on %s, %s; %s bytes at most here",
        request.method,
        request.path,
        request.META.get("HTTP_HOST", ""),
        what,
        max_bytes,
        response=response,
        request=request,
        logger=logger,
    )
    return response


def _content_length(request: HttpRequest) -> int:
    # Read as Django reads it to size its stream (an unreadable length is no body at all).
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def _read_whole_body(request: HttpRequest) -> None:
    """Reads the body here, under its route's cap, for Django to keep as the request's body:
    Django would read no more than DATA_UPLOAD_MAX_MEMORY_SIZE of it (request.body,
    request.POST then parse these bytes)."""
    body = request.read()
    request._body = body
    request._stream = BytesIO(body)


class RequestBodyLimitMiddleware:
    """Refuses, unread, a body longer than its route takes from this request (see the module),
    and tells the upload handler what the route granted. Listed before the CSRF check, which
    reads a POST's form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        declared = getattr(view_func, "body_limit", None)
        limit = declared if declared is not None and declared.grants(request) else None
        max_bytes = limit.max_bytes(request) if limit is not None else default_max_bytes()
        length = _content_length(request)
        if length > max_bytes:
            refuse = limit.refusal if limit is not None and limit.refusal else body_too_large
            return body_refused(
                request,
                refuse(request, max_bytes),
                what=f"a body of {length} bytes",
                max_bytes=max_bytes,
            )
        request.body_limit = limit
        if limit is not None and limit.in_memory and length:
            _read_whole_body(request)
        return None
