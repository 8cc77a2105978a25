"""What the GED shows on a company's settings page (settings.COMPANY_PANELS), staff only: its
deposit addresses and the folder each one files into, and the export of its documents; for admins,
the way to remove it."""

from django.template.loader import render_to_string

from .selectors_inbound import inbound_address_rows


def company_documents_panel(request, company) -> str:
    if not getattr(request.user, "is_cabinet_staff", False):
        return ""
    return render_to_string(
        "ged/includes/company_panel.html",
        {"company": company, "addresses": inbound_address_rows(company=company)},
        request=request,
    )


def company_offboarding_panel(request, company) -> str:
    if not getattr(request.user, "is_cabinet_admin", False):
        return ""
    return render_to_string(
        "ged/includes/company_offboarding_panel.html", {"company": company}, request=request
    )
