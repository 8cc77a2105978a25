import base64

from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ged.services.tree import annual_folder_name
from welyb_portal.tenancy.access import access_companies, access_company
from welyb_portal.tenancy.models import Company
from welyb_portal.tenancy.permissions import admin_required, staff_required
from welyb_portal.tenancy.plurals import nplural

from ..connectors import connector_for
from ..selectors import (
    AuthorizationRow,
    authorization_page,
    authorization_row,
    installed_connector_get,
)
from ..selectors.automations import bulk_activation_paths
from ..services.authorizations import (
    AuthorizationChange,
    AuthorizationsRefused,
    authorization_set,
    authorizations_set_many,
)
from ..services.csv_import import authorizations_csv_apply, authorizations_csv_read

CSV_SIGNING_MAX_AGE = 3600


def _posted_row(request, company: Company) -> tuple[bool, str]:
    return (
        request.POST.get(f"enabled-{company.pk}") == "on",
        request.POST.get(f"email-{company.pk}", ""),
    )


def _page_context(request, app, *, rows=None, page=None):
    query = request.GET.get("q", "")
    if rows is None:
        page, rows = authorization_page(
            cabinet=request.cabinet, app=app, query=query, page_number=request.GET.get("page")
        )
    connector = connector_for(app)
    return {
        "app": app,
        "connector": connector,
        "sender_setup": connector.sender_setup(),
        "page": page,
        "rows": rows,
        "query": query,
        "can_edit": request.user.is_cabinet_admin,
        "bulk_path": f"{annual_folder_name(timezone.localdate().year)}/{connector.folder_label}",
        "bulk_paths": bulk_activation_paths(cabinet=request.cabinet),
    }


@staff_required
@require_http_methods(["GET", "POST"])
def authorizations_page(request, slug):
    """The pencil of a connector: every company with its switch and its collection address,
    saved line by line (htmx) or the whole page at once."""
    app = installed_connector_get(cabinet=request.cabinet, slug=slug)
    if request.method == "GET":
        return render(request, "partner_apps/authorizations.html", _page_context(request, app))
    if not request.user.is_cabinet_admin:
        raise PermissionDenied
    # A row that names no company of the cabinet (foreign, missing, or no id at all): the 404
    # of a foreign id, and nothing saved.
    companies = access_companies(request.user, request.POST.getlist("rows"))
    changes = [
        AuthorizationChange(company, *_posted_row(request, company)) for company in companies
    ]
    try:
        authorizations_set_many(app=app, changes=changes, by=request.user)
    except AuthorizationsRefused as refusal:
        rows = [
            AuthorizationRow(
                change.company,
                change.enabled,
                change.collection_email,
                errors=refusal.errors.get(change.company.pk, []),
            )
            for change in changes
        ]
        messages.error(
            request, _("Rien n'est enregistré : corrigez les lignes signalées puis recommencez.")
        )
        context = _page_context(request, app, rows=rows)
        return render(request, "partner_apps/authorizations.html", context, status=400)
    messages.success(request, _("Autorisations enregistrées."))
    return redirect(request.get_full_path())


@admin_required
@require_POST
def authorization_row_save(request, slug, company_id):
    """One line of the page; htmx swaps the line with the answer."""
    app = installed_connector_get(cabinet=request.cabinet, slug=slug)
    company = access_company(request.user, company_id)
    enabled, address = _posted_row(request, company)
    error, saved = None, False
    try:
        authorization_set(
            company=company, app=app, enabled=enabled, collection_email=address, by=request.user
        )
        saved = True
    except ValidationError as refusal:
        error = refusal.messages
    if not request.htmx:
        if error:
            messages.error(request, f"{company.name} : {' '.join(error)}")
        else:
            messages.success(request, _("%(name)s : enregistré.") % {"name": company.name})
        return redirect("partner_apps:authorizations", slug=app.slug)
    row = (
        authorization_row(company=company, app=app)
        if saved
        else AuthorizationRow(company, enabled, address, errors=error or [])
    )
    # htmx swaps 200 answers only: a refusal is a row showing its error, in French.
    return render(
        request,
        "partner_apps/includes/authorization_row.html",
        {"app": app, "connector": connector_for(app), "row": row, "saved": saved, "can_edit": True},
    )


def _signer(request, app) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=f"authorizations-csv:{request.cabinet.pk}:{app.slug}")


@admin_required
@require_http_methods(["GET", "POST"])
def authorizations_import(request, slug):
    """CSV import: a preview of every row first, then all the valid rows in one transaction."""
    app = installed_connector_get(cabinet=request.cabinet, slug=slug)
    context = {"app": app, "connector": connector_for(app)}
    if request.method == "GET":
        return render(request, "partner_apps/import.html", context)
    if "apply" in request.POST:
        try:
            content = base64.b64decode(
                _signer(request, app).unsign(
                    request.POST.get("content", ""), max_age=CSV_SIGNING_MAX_AGE
                )
            )
            count = authorizations_csv_apply(
                cabinet=request.cabinet, app=app, content=content, by=request.user
            )
        except signing.SignatureExpired:
            messages.error(request, _("Cet aperçu a expiré : chargez à nouveau le fichier."))
            return redirect("partner_apps:authorizations-import", slug=app.slug)
        except signing.BadSignature:
            messages.error(
                request, _("Cet aperçu n'est pas valide : chargez à nouveau le fichier.")
            )
            return redirect("partner_apps:authorizations-import", slug=app.slug)
        except ValidationError as error:
            context["file_errors"] = error.messages
            return render(request, "partner_apps/import.html", context, status=400)
        messages.success(
            request,
            nplural("%(count)s adresse importée.", "%(count)s adresses importées.", count)
            % {"count": count},
        )
        return redirect("partner_apps:authorizations", slug=app.slug)
    upload = request.FILES.get("file")
    if upload is None:
        context["file_errors"] = [_("Choisissez un fichier CSV.")]
        return render(request, "partner_apps/import.html", context, status=400)
    content = upload.read(1024 * 1024 + 1)
    try:
        preview = authorizations_csv_read(cabinet=request.cabinet, app=app, content=content)
    except ValidationError as error:
        context["file_errors"] = error.messages
        return render(request, "partner_apps/import.html", context, status=400)
    context.update(
        preview=preview,
        signed_content=_signer(request, app).sign(base64.b64encode(content).decode()),
    )
    return render(request, "partner_apps/import.html", context)
