"""Gear › Sécurité: whether the cabinet requires two-factor authentication of its staff, and
who has it on."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms import CabinetSecurityForm, posted_data
from ..permissions import admin_required
from ..selectors import staff_list_with_two_factor
from ..services.two_factor import two_factor_requirement_set


@admin_required
@require_http_methods(["GET", "POST"])
def cabinet_security_page(request):
    cabinet = request.cabinet
    form = CabinetSecurityForm(
        posted_data(request), initial={"require_two_factor": cabinet.require_two_factor}
    )
    if request.method == "POST" and form.is_valid():
        required = form.cleaned_data["require_two_factor"]
        changed = required != cabinet.require_two_factor
        two_factor_requirement_set(cabinet=cabinet, required=required, by=request.user)
        if not changed:
            messages.success(request, _("Réglage enregistré."))
        elif required:
            messages.success(
                request,
                _(
                    "La double authentification est désormais exigée : chaque membre du cabinet "
                    "qui ne l'a pas activée y sera invité dès sa prochaine page."
                ),
            )
        else:
            messages.success(
                request,
                _("La double authentification n'est plus exigée : chacun peut la garder."),
            )
        return redirect("tenancy:cabinet-security")
    return render(
        request,
        "tenancy/cabinet_security.html",
        {"form": form, "staff": staff_list_with_two_factor(cabinet=cabinet)},
    )
