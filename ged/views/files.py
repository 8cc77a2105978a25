from typing import TypedDict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..access import access_document, access_folder
from ..models import Channel, Document
from ..notices import deposit_notices
from ..services.deposit import document_deposit
from ..sniffing import inert_content_type
from ..uploads import accepts_documents_page, refused_uploads, wants_json


class _Deposited(TypedDict):
    id: int
    name: str
    notices: list[str]


@accepts_documents_page
@login_required
@require_POST
def upload(request, folder_id):
    """Deposits the files of a form (field "file", one or many). The page's script sends one
    file per request and reads the JSON answer; without script, the form comes back here.
    A file past DOCUMENT_MAX_MB never reaches the view (ged/uploads.py): it is refused here
    with the deposit's words."""
    folder = access_folder(request.user, folder_id)
    files = request.FILES.getlist("file")
    deposited: list[_Deposited] = []
    refused = refused_uploads(request)
    if not files and not refused:
        refused.append({"name": "", "message": _("Aucun fichier reçu.")})
    for file in files:
        try:
            document = document_deposit(
                folder=folder, file=file, by=request.user, channel=Channel.WEB
            )
        except ValidationError as error:
            refused.append({"name": file.name, "message": " ".join(error.messages)})
        else:
            deposited.append(
                {
                    "id": document.pk,
                    "name": document.name,
                    "notices": deposit_notices(document=document),
                }
            )
    if wants_json(request):
        status = 201 if deposited else 400
        return JsonResponse({"documents": deposited, "errors": refused}, status=status)
    for item in deposited:
        messages.success(request, _("« %(name)s » déposé.") % item)
        for notice in item["notices"]:
            messages.warning(request, notice)
    for refusal in refused:
        messages.error(
            request,
            f"{refusal['name']} : {refusal['message']}" if refusal["name"] else refusal["message"],
        )
    return redirect("ged:folder", folder_id=folder.pk)


# A client's file is never a page of the portal: should a browser render it anyway (an HTML or
# SVG file opened from the downloads bar), it runs no script and reaches nothing.
DOWNLOAD_CONTENT_SECURITY_POLICY = "default-src 'none'; sandbox"


def document_file_response(document: Document):
    """The document's bytes as an attachment under its name, with its sniffed type and the
    sandbox policy; on S3, a redirect to a short-lived signed URL that says attachment too, but
    cannot carry the policy: there, what a browser would render or run (HTML, SVG, any XML,
    scripts…) is announced as application/octet-stream (`inert_content_type`)."""
    if settings.DOCUMENT_DOWNLOAD_REDIRECT:
        disposition = content_disposition_header(True, document.name)
        # S3's storage takes `parameters`; default_storage is typed as any storage.
        url = default_storage.url(  # type: ignore[call-arg]
            document.file.name,
            parameters={
                "ResponseContentDisposition": disposition,
                "ResponseContentType": inert_content_type(document.content_type),
            },
        )
        return HttpResponseRedirect(url)
    try:
        file = default_storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        file, as_attachment=True, filename=document.name, content_type=document.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CONTENT_SECURITY_POLICY
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def download(request, document_id):
    return document_file_response(access_document(request.user, document_id))
