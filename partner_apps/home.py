"""What the store puts on the cabinet's home page and top bar: its tiles, and what needs action."""

from django.urls import reverse
from django.utils.translation import gettext as _

from welyb_portal.tenancy.context_processors import TopBarBadge
from welyb_portal.tenancy.dashboard import HomeTile

from .models import AppKind
from .selectors import installed_apps
from .selectors.attention import deliveries_counted_for_action


def home_tiles(request) -> list[HomeTile]:
    """Installed link apps shown on the home page, for the cabinet's staff only: clients never
    learn which tools the cabinet uses."""
    user = request.user
    if not getattr(user, "is_cabinet_staff", False):
        return []
    return [
        {"name": app.name, "url": app.url, "description": app.description}
        for app in installed_apps(cabinet=request.cabinet).filter(
            kind=AppKind.LINK, visible_on_home=True
        )
    ]


def topbar_badges(request) -> list[TopBarBadge]:
    """« Envois à régler » and how many, in the top bar of every page (staff only; named in
    settings.TOPBAR_BADGES), counted with the others."""
    if not getattr(request.user, "is_cabinet_staff", False):
        return []
    return [
        {
            "label": _("Envois à régler"),
            "counts": deliveries_counted_for_action(cabinet=request.cabinet),
            "url": reverse("partner_apps:needs-action"),
        }
    ]
