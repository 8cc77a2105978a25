from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..access import access_staff_member
from ..forms import StaffInviteForm, StaffUpdateForm, form_add_service_errors
from ..permissions import admin_required
from ..selectors import staff_list
from ..services.users import invitation_resend, staff_invite, staff_role_set, user_active_set


def _staff_page(request, invite_form, status=200):
    return render(
        request,
        "tenancy/staff_list.html",
        {
            "staff": staff_list(cabinet=request.cabinet),
            "invite_form": invite_form,
            "role_form": StaffUpdateForm(),
        },
        status=status,
    )


@admin_required
def staff_list_page(request):
    return _staff_page(request, StaffInviteForm())


@admin_required
@require_POST
def staff_invite_page(request):
    form = StaffInviteForm(request.POST)
    if form.is_valid():
        try:
            member = staff_invite(cabinet=request.cabinet, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(
                request, _("Invitation envoyée à %(email)s.") % {"email": member.email}
            )
            return redirect("tenancy:staff-list")
    return _staff_page(request, form, status=400)


@admin_required
@require_POST
def staff_update_page(request, staff_id):
    """One form per line of the list: change the role, deactivate, reactivate, re-invite."""
    member = access_staff_member(request.user, staff_id)
    action = request.POST.get("action")
    try:
        if action == "role":
            form = StaffUpdateForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Rôle inconnu."))
            staff_role_set(user=member, role=form.cleaned_data["role"], by=request.user)
        elif action in ("deactivate", "activate"):
            user_active_set(user=member, active=action == "activate", by=request.user)
        elif action == "reinvite":
            invitation_resend(user=member, by=request.user)
        else:
            raise ValidationError(_("Action inconnue."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("%(email)s : modification enregistrée.") % {"email": member.email}
        )
    return redirect("tenancy:staff-list")
