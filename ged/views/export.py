from urllib.parse import quote

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.models import Company
from welyb_portal.tenancy.permissions import staff_required

from ..services.export import company_export
from .files import DOWNLOAD_CONTENT_SECURITY_POLICY


def export_filename(company: Company, *, ascii_only: bool = True) -> str:
    """« boulangerie-martin-2026-12-03.zip »: the company's name as a slug, and today."""
    slug = slugify(company.name, allow_unicode=not ascii_only) or f"entreprise-{company.pk}"
    return f"{slug}-{timezone.localdate().isoformat()}.zip"


@staff_required
@require_POST
def company_export_download(request, company_id):
    """« Exporter les documents (zip) »: the company's live documents and their manifest, as a
    zip streamed while it is written (a POST: the export is recorded in the audit trail). Staff
    only, admins and collaborators alike: they may already open every document of the
    cabinet's companies; the manifest names the partners' addresses, which clients never read."""
    company = access_company(request.user, company_id)
    response = StreamingHttpResponse(
        company_export(company=company, by=request.user), content_type="application/zip"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{export_filename(company)}"; '
        f"filename*=UTF-8''{quote(export_filename(company, ascii_only=False))}"
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CONTENT_SECURITY_POLICY
    return response
