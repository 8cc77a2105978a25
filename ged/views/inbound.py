from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.permissions import staff_required
from welyb_portal.tenancy.selectors import company_list_of_cabinet

from ..access import access_folder, access_inbound_email
from ..forms import InboundPolicyForm
from ..models import Folder, InboundAddress
from ..selectors import folder_tree
from ..selectors_inbound import inbound_address_rows, inbound_email_list
from ..services.inbound_addresses import (
    inbound_address_folder_set,
    inbound_address_for_target,
    inbound_address_regenerate,
)
from ..services.inbound_receiving import inbound_email_accept, inbound_email_reject
from ..services.inbound_senders import (
    inbound_policy_of,
    inbound_policy_settings,
    inbound_policy_update,
)

INBOUND_EMAILS_PER_PAGE = 50


def _address(request, company, target) -> InboundAddress:
    address = inbound_address_for_target(company=company, target=target)
    if address is None:
        raise Http404
    return address


@staff_required
@require_http_methods(["GET", "POST"])
def inbound_settings_page(request, company_id):
    """A company's deposit addresses: where each files, a new address, who may send."""
    company = access_company(request.user, company_id)
    policy = inbound_policy_of(company)
    form = InboundPolicyForm(
        request.POST or None,
        initial=inbound_policy_settings(policy),
    )
    if request.method == "POST" and form.is_valid():
        try:
            inbound_policy_update(company=company, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Règles de dépôt par email enregistrées."))
            return redirect("ged:inbound-settings", company_id=company.pk)
    return render(
        request,
        "ged/inbound_settings.html",
        {
            "company": company,
            "rows": inbound_address_rows(company=company),
            "tree": folder_tree(company=company),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@staff_required
@require_POST
def inbound_address_folder_action(request, company_id, target):
    company = access_company(request.user, company_id)
    address = _address(request, company, target)
    folder_id = request.POST.get("folder", "")
    folder = access_folder(request.user, folder_id) if folder_id else None
    if folder is not None and folder.company_id != company.pk:
        # A folder of another company is as unknown here as a missing one.
        raise Http404
    try:
        inbound_address_folder_set(address=address, folder=folder, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Dossier de l'adresse « %(target)s » enregistré.")
            % {"target": address.get_target_display()},
        )
    return redirect("ged:inbound-settings", company_id=company.pk)


@staff_required
@require_POST
def inbound_address_regenerate_action(request, company_id, target):
    company = access_company(request.user, company_id)
    address = inbound_address_regenerate(
        address=_address(request, company, target), by=request.user
    )
    messages.success(
        request,
        _("Nouvelle adresse « %(target)s » : l'ancienne ne fonctionne plus.")
        % {"target": address.get_target_display()},
    )
    return redirect("ged:inbound-settings", company_id=company.pk)


STATUS_CHOICES = [
    ("held", _lazy("En attente de validation")),
    ("filed", _lazy("Déposés")),
    ("refused", _lazy("Refusés")),
    ("duplicate", _lazy("Doublons")),
]


@staff_required
@require_GET
def inbound_emails_page(request):
    """ "Emails reçus": every email received on the cabinet's deposit addresses, narrowed to a
    company and a status; a held one with « Accepter » and « Refuser »."""
    company_id = request.GET.get("company", "")
    status = request.GET.get("statut", "")
    # A company of another cabinet is as unknown here as a missing one: the same 404.
    company = access_company(request.user, company_id) if company_id else None
    company_filter = str(company.pk) if company else ""
    page = Paginator(
        inbound_email_list(cabinet=request.cabinet, company=company, status=status),
        INBOUND_EMAILS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    emails = list(page.object_list)
    # Where each file went: the folders of the page's emails, in one query.
    folders = Folder.objects.in_bulk(
        {item["folder"] for email in emails for item in email.items if item.get("folder")}
    )
    for email in emails:
        email.filed = [
            {**item, "folder_name": getattr(folders.get(item.get("folder")), "name", "")}
            for item in email.items
        ]
    return render(
        request,
        "ged/inbound_emails.html",
        {
            "page": page,
            "emails": emails,
            "company_filter": company_filter,
            "status_filter": status,
            "statuses": STATUS_CHOICES,
            "page_query": urlencode(
                {
                    key: value
                    for key, value in (("company", company_filter), ("statut", status))
                    if value
                }
            ),
            "companies": company_list_of_cabinet(cabinet=request.cabinet),
        },
    )


def _decide(request, inbound_email_id, decide, done: str):
    record = access_inbound_email(request.user, inbound_email_id)
    try:
        decide(record=record, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done % {"sender": record.sender or _("l'expéditeur")})
    back = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("ged:inbound-emails")


@staff_required
@require_POST
def inbound_email_accept_action(request, inbound_email_id):
    """« Accepter » a held email: its files are filed as the sender's deposit."""
    return _decide(
        request,
        inbound_email_id,
        inbound_email_accept,
        _("Email de %(sender)s accepté : ses pièces jointes sont classées."),
    )


@staff_required
@require_POST
def inbound_email_reject_action(request, inbound_email_id):
    """« Refuser » a held email: nothing is filed."""
    return _decide(
        request,
        inbound_email_id,
        inbound_email_reject,
        _("Email de %(sender)s refusé : rien n'a été classé."),
    )
