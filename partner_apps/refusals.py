"""Why a delivery cannot go: the rules that planning (services/deliveries.py) and sending
(services/outbox.py) share. Each refusal carries a stable code, the sentence staff read, and,
for a refusal of the file itself, the notice its depositor reads: what to deposit instead, in
words that name no partner and no automation."""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from .connectors import connector_for
from .models import Delivery, ReasonCode


@dataclass(frozen=True)
class Refusal:
    code: str  # a ReasonCode
    reason: str  # for the cabinet's staff: a plain French sentence
    notice: str = ""  # for the depositor, when the file itself is refused


def delivery_refusal(*, delivery: Delivery, installed: bool, address: str) -> Refusal | None:
    """Why this delivery cannot go now (app uninstalled, company not authorised, the file
    refused by the connector), or None when it can."""
    app = delivery.app
    if not installed:
        return Refusal(
            ReasonCode.NOT_INSTALLED,
            _("L'application « %(app)s » n'est plus installée par le cabinet.") % {"app": app.name},
        )
    if not address:
        return Refusal(
            ReasonCode.NOT_AUTHORIZED,
            _("L'entreprise n'est pas (ou plus) autorisée pour %(app)s.") % {"app": app.name},
        )
    return connector_for(app).document_refusal(delivery.document)


def duplicate_refusal(original: Delivery) -> Refusal:
    """The same bytes already went (or are going) to the same address for the same company."""
    if original.sent_at is None:
        reason = _("Doublon de « %(name)s », déjà en route vers %(target)s.")
    else:
        reason = _("Doublon de « %(name)s », déjà envoyé à %(target)s le %(day)s.")
    return Refusal(
        ReasonCode.DUPLICATE,
        reason
        % {
            "name": original.document.name,
            "target": original.target,
            "day": f"{timezone.localtime(original.sent_at or original.created_at):%d/%m/%Y}",
        },
    )


def unreadable_refusal(*, name: str, too_large: str = "") -> Refusal:
    """A file the portal had to convert and could not read; `too_large`: the GED's words for a
    picture of more pixels than it decodes."""
    if too_large:
        return Refusal(
            ReasonCode.TOO_LARGE,
            _("« %(name)s » : %(why)s") % {"name": name, "why": too_large},
            _(
                "« %(name)s » est une image trop grande pour être traitée par le cabinet : "
                "déposez-la en plus petite taille, ou en PDF."
            )
            % {"name": name},
        )
    return Refusal(
        ReasonCode.UNREADABLE_FILE,
        _("Le fichier « %(name)s » est illisible ou endommagé : il n'a pas pu être converti.")
        % {"name": name},
        _(
            "Le fichier « %(name)s » est illisible ou endommagé : le cabinet ne pourra pas le "
            "traiter. Déposez-le de nouveau, ou une autre copie."
        )
        % {"name": name},
    )
