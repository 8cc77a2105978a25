"""What the store shows on the GED's pages, for the cabinet's staff only: the folder's
"Automatisations" and a document's send history (named in settings.GED_*_PANELS)."""

from django.template.loader import render_to_string

from .selectors.automations import folder_automation_states
from .selectors.deliveries import document_deliveries


def folder_automations_panel(request, folder, *, message: str = "", error: str = "") -> str:
    if not getattr(request.user, "is_cabinet_staff", False):
        return ""
    states = folder_automation_states(folder=folder)
    if not states:
        return ""
    return render_to_string(
        "partner_apps/includes/automations_panel.html",
        {"folder": folder, "states": states, "message": message, "error": error},
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
