from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ged.access import access_folder
from welyb_portal.tenancy.permissions import staff_required
from welyb_portal.tenancy.plurals import nplural

from ..panels import folder_automations_panel
from ..selectors import partner_app_get
from ..selectors.automations import folder_automation_states
from ..selectors.existing import existing_documents
from ..services.automations import automation_set
from ..services.existing import existing_documents_send


def _answer(request, folder, *, message="", error="", warning="", offer_for=None):
    """htmx swaps the « Automatisations » section with the new one; without script, the folder
    page comes back with the messages (and the offer, through `proposer`, when there is one)."""
    if request.htmx:
        return HttpResponse(
            folder_automations_panel(
                request, folder, message=message, error=error, offer_for=offer_for
            )
        )
    for level, text in ((messages.ERROR, error), (messages.SUCCESS, message)):
        if text:
            messages.add_message(request, level, text)
    if warning:
        messages.warning(request, warning)
    url = reverse("ged:folder", args=[folder.pk])
    if offer_for is not None and existing_documents(folder=folder, app=offer_for).total:
        url += "?" + urlencode({"proposer": offer_for.slug})
    return redirect(url)


@staff_required
@require_POST
def automation_toggle(request, folder_id, slug):
    """A switch of the folder's "Automatisations". Switched on, it offers to send the
    documents already there too (never sent by the switch alone)."""
    folder = access_folder(request.user, folder_id)
    app = partner_app_get(slug, connector=True)
    enabled = request.POST.get("enabled") == "on"
    try:
        automation_set(folder=folder, app=app, enabled=enabled, by=request.user)
    except ValidationError as refusal:
        return _answer(request, folder, error=" ".join(refusal.messages))
    message = (
        _("%(app)s activée : les documents déposés désormais ici partent vers %(app)s.")
        if enabled
        else _("%(app)s désactivée sur ce dossier.")
    ) % {"app": app.name}
    warning = ""
    if not request.htmx:
        # The section shows it beside the switch; the page without script, as a message.
        warning = next(
            (
                s.warning
                for s in folder_automation_states(folder=folder)
                if s.app == app and s.warning
            ),
            "",
        )
    return _answer(
        request, folder, message=message, warning=warning, offer_for=app if enabled else None
    )


@staff_required
@require_POST
def send_existing_action(request, folder_id, slug):
    """« Envoyer aussi les N documents déjà présents »."""
    folder = access_folder(request.user, folder_id)
    app = partner_app_get(slug, connector=True)
    try:
        planned = existing_documents_send(folder=folder, app=app, by=request.user)
    except ValidationError as refusal:
        return _answer(request, folder, error=" ".join(refusal.messages))
    message = nplural(
        "%(n)s document déjà présent part vers %(app)s.",
        "%(n)s documents déjà présents partent vers %(app)s.",
        planned,
    ) % {"n": planned, "app": app.name}
    if not planned:
        message = _("Aucun document déjà présent ne reste à envoyer vers %(app)s.") % {
            "app": app.name
        }
    return _answer(request, folder, message=message)
