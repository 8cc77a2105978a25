"""What the store shows on the GED's pages, for the cabinet's staff only: the folder's
"Automatisations" and a document's send history (named in settings.GED_*_PANELS)."""

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from .models import Delivery, ReasonCode
from .selectors.automations import folder_automation_states
from .selectors.connections import company_connections
from .selectors.deliveries import document_deliveries
from .selectors.existing import existing_documents


def _offer(folder, states, app_slug: str) -> dict | None:
    """What « Envoyer aussi les documents déjà présents » would send, for a connector switched
    on here (its own switch, not an inherited one); None when there is nothing to offer."""
    state = next((s for s in states if s.app.slug == app_slug), None)
    if state is None or not state.enabled or state.locked or not state.available:
        return None
    try:
        found = existing_documents(folder=folder, app=state.app)
    except ValidationError:
        return None
    if not found.total:
        return None
    return {
        "app": state.app,
        "total": found.total,
        "sendable": len(found.sendable),
        "duplicates": len(found.duplicates),
        "refused": len(found.refused),
        "excluded": len(found.duplicates) + len(found.refused),
    }


def folder_automations_panel(
    request, folder, *, message: str = "", error: str = "", offer_for=None
) -> str:
    """The folder's « Automatisations », for staff. Right after a switch is turned on
    (`offer_for`, or `proposer=<slug>` in the page's address), it offers to send the documents
    already there."""
    if not getattr(request.user, "is_cabinet_staff", False):
        return ""
    states = folder_automation_states(folder=folder)
    if not states:
        return ""
    slug = offer_for.slug if offer_for is not None else request.GET.get("proposer", "")
    return render_to_string(
        "partner_apps/includes/automations_panel.html",
        {
            "folder": folder,
            "states": states,
            "message": message,
            "error": error,
            "offer": _offer(folder, states, slug) if slug else None,
        },
        request=request,
    )


def document_deliveries_panel(request, document) -> str:
    if not getattr(request.user, "is_cabinet_staff", False):
        return ""
    deliveries = list(document_deliveries(document=document))
    if not deliveries:
        return ""
    return render_to_string(
        "partner_apps/includes/document_deliveries.html",
        {"document": document, "deliveries": deliveries},
        request=request,
    )


def document_list_notes(request, documents) -> dict[int, str]:
    """For staff, in a folder's document list: « Non envoyé à Inqom Achats : Doublon » beside
    each document whose delivery needs action. One query for the page."""
    if not getattr(request.user, "is_cabinet_staff", False) or not documents:
        return {}
    notes: dict[int, str] = {}
    rows = (
        Delivery.objects.needs_action()
        .filter(document__in=documents)
        .select_related("app")
        .order_by("id")
    )
    for delivery in rows:
        label = ReasonCode(delivery.reason_code).label if delivery.reason_code else ""
        note = _("Non envoyé à %(app)s") % {"app": delivery.app.name}
        notes[delivery.document_id] = f"{note} : {label}" if label else note
    return notes


def company_connections_panel(request, company) -> str:
    """On a company's settings page (settings.COMPANY_PANELS), for staff: each connector the
    cabinet installed, whether the company is authorised and with which address, and which of
    its folders are switched on."""
    if not getattr(request.user, "is_cabinet_staff", False):
        return ""
    return render_to_string(
        "partner_apps/includes/company_connections.html",
        {"company": company, "connections": company_connections(company=company)},
        request=request,
    )
