"""What the GED puts in the top bar (named in settings.TOPBAR_BADGES): the emails waiting for
staff to accept or reject them."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from welyb_portal.tenancy.context_processors import TopBarBadge

from .selectors_inbound import held_emails


def held_emails_badge(request) -> list[TopBarBadge]:
    if not getattr(request.user, "is_cabinet_staff", False):
        return []
    return [
        {
            "label": _("Emails à valider"),
            "counts": held_emails(cabinet=request.cabinet),
            "url": reverse("ged:inbound-emails") + "?" + urlencode({"statut": "held"}),
        }
    ]
