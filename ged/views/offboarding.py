"""« Supprimer l'entreprise et ses documents » (gear › Entreprises › the company): admins only,
after an export and the company's name typed."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.forms import form_add_service_errors
from welyb_portal.tenancy.permissions import admin_required

from ..forms import OffboardingForm
from ..selectors_offboarding import offboarding_state
from ..services.offboarding import company_offboard


@admin_required
@require_http_methods(["GET", "POST"])
def company_offboard_page(request, company_id):
    company = access_company(request.user, company_id)
    form = OffboardingForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                entry = company_offboard(
                    company=company, by=request.user, confirmation=form.cleaned_data["confirmation"]
                )
            except ValidationError as error:
                form_add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("L'entreprise « %(name)s » et ses documents ont été supprimés.")
                    % {"name": entry["name"]},
                )
                return redirect("tenancy:company-list")
    context = {
        "company": company,
        "form": form,
        "state": offboarding_state(company=company),
    }
    return render(request, "ged/company_offboard.html", context, status=status)
