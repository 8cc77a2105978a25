from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ..access import access_company, access_company_client
from ..forms import ClientInviteForm, CompanyForm, form_add_service_errors
from ..permissions import staff_required
from ..selectors import company_clients, company_list_with_client_counts
from ..services.companies import company_create, company_update
from ..services.users import client_invite, invitation_resend, membership_revoke

COMPANIES_PER_PAGE = 50


@staff_required
def company_list_page(request):
    query = request.GET.get("q", "").strip()
    page = Paginator(
        company_list_with_client_counts(user=request.user, query=query), COMPANIES_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "tenancy/company_list.html",
        {"page": page, "query": query, "page_query": urlencode({"q": query}) if query else ""},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def company_create_page(request):
    form = CompanyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            company = company_create(cabinet=request.cabinet, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Entreprise « %(name)s » créée.") % {"name": company.name})
            return redirect("tenancy:company-detail", company_id=company.pk)
    return render(request, "tenancy/company_form.html", {"form": form})


@staff_required
@require_http_methods(["GET", "POST"])
def company_detail_page(request, company_id):
    company = access_company(request.user, company_id)
    form = CompanyForm(request.POST or None, initial={"name": company.name, "siren": company.siren})
    if request.method == "POST" and form.is_valid():
        try:
            company_update(company=company, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(form, error)
        else:
            messages.success(request, _("Entreprise enregistrée."))
            return redirect("tenancy:company-detail", company_id=company.pk)
    return _company_detail(request, company, form=form, invite_form=ClientInviteForm())


def _company_detail(request, company, *, form, invite_form, status=200):
    return render(
        request,
        "tenancy/company_detail.html",
        {
            "company": company,
            "form": form,
            "invite_form": invite_form,
            "clients": company_clients(company=company),
            # The apps built on the tenancy core bring their panels through COMPANY_PANELS.
            "panels": [import_string(path)(request, company) for path in settings.COMPANY_PANELS],
        },
        status=status,
    )


@staff_required
@require_POST
def company_client_invite(request, company_id):
    company = access_company(request.user, company_id)
    invite_form = ClientInviteForm(request.POST)
    if invite_form.is_valid():
        try:
            client = client_invite(company=company, by=request.user, **invite_form.cleaned_data)
        except ValidationError as error:
            form_add_service_errors(invite_form, error)
        else:
            messages.success(
                request,
                _("%(email)s a maintenant accès à %(company)s.")
                % {"email": client.email, "company": company.name},
            )
            return redirect("tenancy:company-detail", company_id=company.pk)
    form = CompanyForm(initial={"name": company.name, "siren": company.siren})
    return _company_detail(request, company, form=form, invite_form=invite_form, status=400)


@staff_required
@require_POST
def company_client_revoke(request, company_id, client_id):
    company = access_company(request.user, company_id)
    client = access_company_client(request.user, company, client_id)
    membership_revoke(company=company, user=client, by=request.user)
    messages.success(
        request,
        _("%(email)s n'a plus accès à %(company)s.")
        % {"email": client.email, "company": company.name},
    )
    return redirect("tenancy:company-detail", company_id=company.pk)


@staff_required
@require_POST
def company_client_reinvite(request, company_id, client_id):
    company = access_company(request.user, company_id)
    client = access_company_client(request.user, company, client_id)
    try:
        invitation_resend(user=client, by=request.user, company=company)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Invitation renvoyée à %(email)s.") % {"email": client.email})
    return redirect("tenancy:company-detail", company_id=company.pk)
