"""What the store puts on the cabinet's home page and top bar: its tiles, and what needs action."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import AppKind
from .selectors import installed_apps
from .selectors.attention import attention_count, attention_summary


def home_tiles(request) -> list[dict]:
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


def topbar_badges(request) -> list[dict]:
    """« Envois à régler » and how many, in the top bar of every page (staff only; named in
    settings.TOPBAR_BADGES). One query."""
    if not getattr(request.user, "is_cabinet_staff", False):
        return []
    return [
        {
            "label": _("Envois à régler"),
            "count": attention_count(cabinet=request.cabinet),
            "url": reverse("partner_apps:needs-action"),
        }
    ]


def company_badges(request, companies) -> dict[int, list[dict]]:
    """On each company's card of the home page: how many of its sends need action (staff only;
    named in settings.COMPANY_BADGES). One query for the whole cabinet."""
    if not getattr(request.user, "is_cabinet_staff", False):
        return {}
    summary = attention_summary(cabinet=request.cabinet)
    wanted = {company.pk for company in companies}
    url = reverse("partner_apps:needs-action")
    return {
        company_id: [
            {
                "label": ngettext("%(n)s envoi à régler", "%(n)s envois à régler", count)
                % {"n": count},
                "count": count,
                "url": f"{url}?{urlencode({'entreprise': company_id})}",
            }
        ]
        for company_id, _name, count in summary.by_company
        if company_id in wanted
    }
