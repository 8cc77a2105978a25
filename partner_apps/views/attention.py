"""« Envois à régler »: what did not reach a partner and waits on the cabinet, with the one
action that fixes each; « Ignorer »; « Prévenir le client »."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.permissions import staff_required

from ..access import access_delivery
from ..connectors import SenderSetup, connector_for
from ..models import Delivery, ReasonCode
from ..selectors.attention import (
    GROUPS,
    ActionGroup,
    attention_groups,
    deliveries_needing_action,
)
from ..services.attention import delivery_dismiss
from ..services.client_notices import (
    client_notice_draft,
    client_notice_refusal,
    client_notice_send,
)
from .redirects import back_to

GROUP_PAGE_SIZE = 50


def _one_group(request, *, code: str, company) -> "tuple[ActionGroup, Page[Delivery]]":
    title, explanation = next(
        ((t, e) for c, t, e in GROUPS if c == code), (ReasonCode(code).label, "")
    )
    page = Paginator(
        deliveries_needing_action(cabinet=request.cabinet, company=company, reason_code=code),
        GROUP_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    group = ActionGroup(
        code=code,
        title=str(title),
        explanation=str(explanation),
        count=page.paginator.count,
        deliveries=list(page.object_list),
    )
    return group, page


@staff_required
@require_GET
def needs_action_page(request):
    """Every delivery that needs action, grouped by reason; `entreprise` narrows to one
    company, `motif` shows one group whole, page by page."""
    company_id = request.GET.get("entreprise", "")
    # A company of another cabinet is as unknown here as a missing one: the same 404.
    company = access_company(request.user, company_id) if company_id else None
    code = request.GET.get("motif", "")
    if code and code not in ReasonCode.values:
        raise Http404
    page = None
    if code:
        group, page = _one_group(request, code=code, company=company)
        groups = [group] if group.count else []
    else:
        groups = attention_groups(cabinet=request.cabinet, company=company)
    for group in groups:
        for delivery in group.deliveries:
            # Whether « Prévenir le client » has someone to write to (a client, or the sender
            # of the email that brought the file).
            # For the page's template.
            delivery.client_notice_ok = bool(  # type: ignore[attr-defined]
                delivery.notice
            ) and not client_notice_refusal(delivery)
    # What to check at the partner's, once per partner (Inqom's four connectors say the same).
    sender_setups: dict[tuple[str, str], SenderSetup] = {}
    for group in groups:
        if group.code == ReasonCode.BOUNCED:
            for delivery in group.deliveries:
                setup = connector_for(delivery.app).sender_setup()
                if setup:
                    sender_setups.setdefault((setup["partner"], setup["sender"]), setup)
    filters = {key: value for key, value in (("entreprise", company_id), ("motif", code)) if value}
    return render(
        request,
        "partner_apps/needs_action.html",
        {
            "groups": groups,
            "company": company,
            "code": code,
            "page": page,
            "page_query": urlencode(filters),
            "company_query": urlencode({"entreprise": company_id}) if company_id else "",
            "sender_setups": list(sender_setups.values()),
        },
    )


@staff_required
@require_POST
def delivery_dismiss_action(request, delivery_id):
    """« Ignorer »."""
    delivery = access_delivery(request.user, delivery_id)
    try:
        delivery_dismiss(delivery=delivery, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("« %(name)s » ne figure plus dans les envois à régler.")
            % {"name": delivery.document.name},
        )
    return back_to(request)


@staff_required
@require_http_methods(["GET", "POST"])
def client_notice_page(request, delivery_id):
    """« Prévenir le client »: the prepared email, which staff may edit, then send."""
    delivery = access_delivery(request.user, delivery_id)
    refusal = client_notice_refusal(delivery)
    if refusal:
        messages.error(request, refusal)
        return redirect("partner_apps:needs-action")
    draft = client_notice_draft(delivery=delivery, by=request.user)
    errors = {}
    if request.method == "POST":
        draft.subject = request.POST.get("subject", "")
        draft.body = request.POST.get("body", "")
        try:
            client_notice_send(
                delivery=delivery, by=request.user, subject=draft.subject, body=draft.body
            )
        except ValidationError as error:
            # The form comes back as it was written, with what to fix (or why it did not go).
            if hasattr(error, "error_dict"):
                errors = {field: " ".join(e) for field, e in error.message_dict.items()}
            else:
                errors = {"form": " ".join(error.messages)}
        else:
            messages.success(
                request,
                _("Email envoyé à %(to)s pour « %(name)s ».")
                % {"to": draft.to, "name": delivery.document.name},
            )
            return redirect("partner_apps:needs-action")
    return render(
        request,
        "partner_apps/client_notice.html",
        {"delivery": delivery, "draft": draft, "errors": errors},
        status=400 if errors else 200,
    )
