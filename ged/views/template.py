from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from welyb_portal.tenancy.forms import form_add_service_errors
from welyb_portal.tenancy.permissions import admin_required

from ..forms import FolderTemplateForm
from ..services.tree import annual_folder_name, folder_template_of, folder_template_update


@admin_required
@require_http_methods(["GET", "POST"])
def folder_template_page(request):
    annual, permanent = folder_template_of(request.cabinet)
    form = FolderTemplateForm(
        request.POST or None,
        initial={"annual_subfolders": "\n".join(annual), "permanent_folders": "\n".join(permanent)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            folder_template_update(
                cabinet=request.cabinet,
                annual_subfolders=form.cleaned_data["annual_subfolders"].splitlines(),
                permanent_folders=form.cleaned_data["permanent_folders"].splitlines(),
                by=request.user,
            )
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Arborescence type enregistrée."))
            return redirect("ged:folder-template")
    return render(
        request,
        "ged/folder_template.html",
        {"form": form, "annual_example": annual_folder_name(2026)},
        status=400 if form.errors else 200,
    )
