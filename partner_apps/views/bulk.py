"""« Activer sur un dossier pour toutes les entreprises autorisées »: the folder is chosen in the
cabinet's default tree, the page first says what would happen, then the admin confirms."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from welyb_portal.tenancy.permissions import admin_required
from welyb_portal.tenancy.plurals import nplural

from ..selectors import installed_connector_get
from ..selectors.automations import bulk_activation_paths
from ..services.automations import automation_bulk_enable, automation_bulk_preview


def _chosen_path(request, data) -> str | None:
    """The tree's path the form names (compared without case or surrounding slashes)."""
    wanted = data.get("path", "").strip().strip("/").casefold()
    return next(
        (p for p in bulk_activation_paths(cabinet=request.cabinet) if p.casefold() == wanted), None
    )


def _companies(n: int) -> str:
    return nplural("%(n)s entreprise", "%(n)s entreprises", n) % {"n": n}


def _preview_sentence(app, path, plan) -> str:
    authorized = plan.enabled + plan.already + plan.missing
    sentence = nplural(
        "%(n)s entreprise autorisée pour %(app)s",
        "%(n)s entreprises autorisées pour %(app)s",
        authorized,
    ) % {"n": authorized, "app": app.name}
    details = []
    if plan.already:
        details.append(
            nplural("%(n)s déjà activée", "%(n)s déjà activées", plan.already) % {"n": plan.already}
        )
    if plan.missing:
        details.append(
            nplural("%(n)s sans ce dossier", "%(n)s sans ce dossier", plan.missing)
            % {"n": plan.missing}
        )
    if details:
        sentence += _(", dont %(details)s") % {"details": _(" et ").join(details)}
    return sentence + "."


def _done_sentence(app, path, plan) -> str:
    sentence = _("%(app)s activée sur « %(path)s » pour %(companies)s.") % {
        "app": app.name,
        "path": path,
        "companies": _companies(plan.enabled),
    }
    if plan.already:
        sentence += " " + _("Déjà active pour %(companies)s.") % {
            "companies": _companies(plan.already)
        }
    if plan.missing:
        sentence += " " + nplural(
            "%(n)s entreprise autorisée n'a pas ce dossier.",
            "%(n)s entreprises autorisées n'ont pas ce dossier.",
            plan.missing,
        ) % {"n": plan.missing}
    return sentence


@admin_required
@require_http_methods(["GET", "POST"])
def automation_bulk(request, slug):
    """GET: what switching the connector on at the chosen folder would do, and the button that
    does it; POST: does it."""
    app = installed_connector_get(cabinet=request.cabinet, slug=slug)
    data = request.POST if request.method == "POST" else request.GET
    path = _chosen_path(request, data)
    if path is None:
        messages.error(request, _("Choisissez un dossier de l'arborescence du cabinet."))
        return redirect("partner_apps:authorizations", slug=app.slug)
    try:
        if request.method == "GET":
            plan = automation_bulk_preview(cabinet=request.cabinet, app=app, path=path)
        else:
            plan = automation_bulk_enable(
                cabinet=request.cabinet, app=app, path=path, by=request.user
            )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("partner_apps:authorizations", slug=app.slug)
    if request.method == "GET":
        return render(
            request,
            "partner_apps/bulk_preview.html",
            {
                "app": app,
                "path": path,
                "plan": plan,
                "sentence": _preview_sentence(app, path, plan),
                "button": _("Activer pour %(companies)s") % {"companies": _companies(plan.enabled)},
            },
        )
    messages.success(request, _done_sentence(app, path, plan))
    return redirect("partner_apps:authorizations", slug=app.slug)
