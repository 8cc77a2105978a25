"""How large a deposit may be on the GED's upload routes, and how the depositor is told no.

A document is refused as soon as it passes DOCUMENT_MAX_MB, with the deposit's own words
(« Fichier trop volumineux (100 Mo maximum) »): from the request's Content-Length, unread, where
the form holds one file (the API, the admin, the page's script, which sends one file per
request); otherwise as its bytes arrive, the upload handler keeping at most DOCUMENT_MAX_MB of
it on disk before deleting it. The page's form without script sends every chosen file at once:
up to UPLOAD_MAX_REQUEST_MB in all, each file counted on its own. Only signed-in users (and the
API's tokens) get these caps; anybody else has the default 2.5 MB, and no file written.
"""

from typing import TypedDict

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from welyb_portal.tenancy.request_bodies import (
    MEBIBYTE,
    accepts_uploads,
    body_too_large,
    is_signed_in,
    is_signed_in_or_brings_credentials,
)
from welyb_portal.tenancy.upload_handlers import upload_refusals

from .services.deposit import document_too_large

# What the folder page's file chooser proposes (its `accept`): with images in it, a phone offers
# its camera beside its files. Photos and PDF first, then what accounting runs on (office
# files, text, e-invoices in XML). The GED takes any file: drag and drop and the API are not
# limited by it, and desktop choosers keep « Tous les fichiers ».
UPLOAD_ACCEPT = ",".join(
    [
        "image/*",
        "application/pdf",
        *(
            f".{extension}"
            for extension in (
                *("pdf", "jpg", "jpeg", "png", "heic", "heif", "tif", "tiff"),
                *("doc", "docx", "xls", "xlsx", "odt", "ods", "txt", "csv", "xml"),
            )
        ),
    ]
)

# Room for the multipart envelope around one file: its part's headers, the CSRF token, a field.
FORM_ENVELOPE_BYTES = 64 * 1024


def wants_json(request: HttpRequest) -> bool:
    """The page's upload script asks for JSON (and sends one file per request)."""
    return "application/json" in request.headers.get("Accept", "")


def document_max_bytes(request: HttpRequest | None = None) -> int:
    return settings.DOCUMENT_MAX_MB * MEBIBYTE


def one_document_form_max_bytes(request: HttpRequest | None = None) -> int:
    return document_max_bytes() + FORM_ENVELOPE_BYTES


def too_large_message() -> str:
    return " ".join(document_too_large().messages)


class RefusedFile(TypedDict):
    """A file the deposit refused, and why (in French)."""

    name: str
    message: str


def refused_uploads(request) -> list[RefusedFile]:
    """The files of the request's form that passed DOCUMENT_MAX_MB, as the deposit refuses
    them."""
    message = too_large_message()
    return [{"name": refusal.file_name, "message": message} for refusal in upload_refusals(request)]


def _page_form_max_bytes(request: HttpRequest) -> int:
    if wants_json(request):
        return one_document_form_max_bytes()
    return settings.UPLOAD_MAX_REQUEST_MB * MEBIBYTE


def _page_refusal(request: HttpRequest, max_bytes: int) -> HttpResponse:
    if wants_json(request):
        # What the script shows beside its file.
        errors = [{"name": "", "message": too_large_message()}]
        return JsonResponse({"documents": [], "errors": errors}, status=413)
    message = _(
        "Envoi trop volumineux : %(request_mb)s Mo au plus en une fois, %(mb)s Mo par fichier. "
        "Déposez vos fichiers en plusieurs fois."
    ) % {"request_mb": settings.UPLOAD_MAX_REQUEST_MB, "mb": settings.DOCUMENT_MAX_MB}
    return body_too_large(request, max_bytes, message=message)


def _api_refusal(request: HttpRequest, max_bytes: int) -> HttpResponse:
    # A 413, as a proxy would answer: the body was refused unread. A file read, then refused
    # as it passed the limit, is the 400 of a field error instead (FolderDocumentsView), as
    # API.md promises for a refused field; both say {"file": […]}, so that a client shows the
    # one sentence either way.
    return JsonResponse({"file": [too_large_message()]}, status=413)


def _admin_refusal(request: HttpRequest, max_bytes: int) -> HttpResponse:
    return body_too_large(request, max_bytes, message=too_large_message())


# The folder page's deposit: the script's one file, or the form's several.
accepts_documents_page = accepts_uploads(
    max_bytes=_page_form_max_bytes,
    max_file_bytes=document_max_bytes,
    trusts=is_signed_in,
    refusal=_page_refusal,
)
# POST /api/v1/folders/{id}/documents/: one file, from a token or a session.
accepts_documents_api = accepts_uploads(
    max_bytes=one_document_form_max_bytes,
    max_file_bytes=document_max_bytes,
    trusts=is_signed_in_or_brings_credentials,
    refusal=_api_refusal,
)
# The Django admin's « Ajouter document »: one file, platform support.
accepts_documents_admin = accepts_uploads(
    max_bytes=one_document_form_max_bytes,
    max_file_bytes=document_max_bytes,
    trusts=is_signed_in,
    refusal=_admin_refusal,
)
