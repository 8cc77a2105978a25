from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from welyb_portal.tenancy.permissions import admin_required, staff_required
from welyb_portal.tenancy.plurals import nplural

from ..selectors import catalogue, partner_app_get
from ..selectors.connections import app_use, installed_apps_with_use
from ..services.store import app_install, app_uninstall


@staff_required
@require_GET
def applications_page(request):
    """Gear › Applications: the installed apps, a pencil on each connector's line."""
    return render(
        request,
        "partner_apps/applications.html",
        {"apps": installed_apps_with_use(cabinet=request.cabinet)},
    )


@staff_required
@require_GET
def store_page(request):
    """ "Ajouter une application": the catalogue; admins install and uninstall."""
    return render(request, "partner_apps/store.html", {"apps": catalogue(cabinet=request.cabinet)})


@admin_required
@require_POST
def install_action(request, slug):
    app = partner_app_get(slug)
    installed = app_install(
        cabinet=request.cabinet,
        app=app,
        by=request.user,
        with_companions=request.POST.get("with_companions") == "on",
    )
    if installed:
        messages.success(
            request,
            nplural("Installée : %(names)s.", "Installées : %(names)s.", len(installed))
            % {"names": ", ".join(a.name for a in installed)},
        )
    else:
        messages.info(request, _("« %(name)s » était déjà installée.") % {"name": app.name})
    return redirect("partner_apps:store")


def _what_stops(app) -> str:
    """« 2 entreprises autorisées et 3 dossiers automatisés cesseront d'envoyer. »"""
    if not app.is_connector:
        return _("Son lien disparaîtra de l'accueil du cabinet.")
    if not app.authorized_count and not app.automated_count:
        return _(
            "Aucune entreprise n'est autorisée ni aucun dossier automatisé : "
            "rien ne cessera d'envoyer."
        )
    companies = nplural(
        "%(n)s entreprise autorisée", "%(n)s entreprises autorisées", app.authorized_count
    ) % {"n": app.authorized_count}
    folders = nplural(
        "%(n)s dossier automatisé", "%(n)s dossiers automatisés", app.automated_count
    ) % {"n": app.automated_count}
    return _("%(companies)s et %(folders)s cesseront d'envoyer.") % {
        "companies": companies,
        "folders": folders,
    }


@admin_required
@require_GET
def uninstall_confirm_page(request, slug):
    """« Désinstaller » asks first, saying what would stop sending; the form posts to
    `uninstall_action`."""
    app = app_use(cabinet=request.cabinet, app=partner_app_get(slug))
    if app is None:
        messages.info(request, _("« %(name)s » n'est pas installée.") % {"name": slug})
        return redirect("partner_apps:store")
    return render(
        request,
        "partner_apps/uninstall_confirm.html",
        {"app": app, "what_stops": _what_stops(app)},
    )


@admin_required
@require_POST
def uninstall_action(request, slug):
    app = partner_app_get(slug)
    try:
        app_uninstall(cabinet=request.cabinet, app=app, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _(
                "« %(name)s » est désinstallée : ses autorisations sont suspendues, les adresses "
                "sont conservées."
            )
            % {"name": app.name},
        )
    return redirect("partner_apps:store")
