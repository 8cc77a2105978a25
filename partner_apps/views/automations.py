from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ged.access import access_folder
from welyb_portal.tenancy.permissions import admin_required, staff_required

from ..panels import folder_automations_panel
from ..selectors import partner_app_get
from ..selectors.automations import folder_automation_states
from ..services.automations import automation_bulk_enable, automation_set
from .authorizations import _installed_connector


@staff_required
@require_POST
def automation_toggle(request, folder_id, slug):
    """A switch of the folder's "Automatisations": htmx swaps the section with the answer."""
    folder = access_folder(request.user, folder_id)
    app = partner_app_get(slug, connector=True)
    enabled = request.POST.get("enabled") == "on"
    message, error = "", ""
    try:
        automation_set(folder=folder, app=app, enabled=enabled, by=request.user)
    except ValidationError as refusal:
        error = " ".join(refusal.messages)
    else:
        message = (
            _("%(app)s activée : les documents déposés désormais ici partent vers %(app)s.")
            if enabled
            else _("%(app)s désactivée sur ce dossier.")
        ) % {"app": app.name}
    if request.htmx:
        return HttpResponse(folder_automations_panel(request, folder, message=message, error=error))
    if error:
        messages.error(request, error)
    else:
        messages.success(request, message)
        warning = next(
            (
                s.warning
                for s in folder_automation_states(folder=folder)
                if s.app == app and s.warning
            ),
            "",
        )
        if warning:
            messages.warning(request, warning)
    return redirect("ged:folder", folder_id=folder.pk)


@admin_required
@require_POST
def automation_bulk(request, slug):
    """ "Activer sur le dossier … pour toutes les entreprises autorisées"."""
    app = _installed_connector(request, slug)
    path = request.POST.get("path", "")
    try:
        result = automation_bulk_enable(
            cabinet=request.cabinet, app=app, path=path, by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "%(app)s activée sur « %(path)s » pour %(enabled)s entreprise(s) ; déjà active "
                "pour %(already)s ; %(missing)s entreprise(s) autorisée(s) sans ce dossier."
            )
            % {
                "app": app.name,
                "path": path.strip().strip("/"),
                "enabled": result.enabled,
                "already": result.already,
                "missing": result.missing,
            },
        )
    return redirect("partner_apps:authorizations", slug=app.slug)
