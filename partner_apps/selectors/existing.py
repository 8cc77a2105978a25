"""The documents already in a folder when its switch was turned on: never sent by the switch
alone (no retroactivity), but staff may choose to send them. Which of them could go."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ged.models import Document, Folder

from ..connectors import connector_for
from ..models import CabinetApp, CompanyAuthorization, Delivery, PartnerApp
from ..models.delivery import SUCCEEDED, DeliveryStatus
from .automations import effective_automations

# Another delivery of the same bytes to the same address, done or on its way.
_GOING = (*SUCCEEDED, DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.RETRYING)


@dataclass
class ExistingDocuments:
    """The folder's documents (and its subfolders') this connector never had."""

    address: str
    sendable: list[Document] = field(default_factory=list)
    duplicates: list[Document] = field(default_factory=list)
    refused: list[Document] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.sendable) + len(self.duplicates) + len(self.refused)


def existing_documents(*, folder: Folder, app: PartnerApp) -> ExistingDocuments:
    """Sorts the documents the connector never had, oldest first, under the rules of a deposit:
    a file the connector refuses, bytes already sent (or going) to the same address, or the
    same bytes earlier in this lot, stay out. ValidationError unless the switch is on here
    (its own or inherited), its app installed and the company authorised. Four queries."""
    if not any(a.app_id == app.pk for a in effective_automations(folder=folder)):
        raise ValidationError(_("%(app)s n'est pas activée sur ce dossier.") % {"app": app.name})
    address = (
        CompanyAuthorization.objects.effective()
        .filter(company_id=folder.company_id, app=app)
        .values_list("collection_email", flat=True)
        .first()
    )
    installed = CabinetApp.objects.filter(cabinet_id=folder.company.cabinet_id, app=app).exists()
    if not address or not installed:
        raise ValidationError(
            _("L'entreprise n'est pas autorisée pour %(app)s.") % {"app": app.name}
        )
    documents = list(
        Document.objects.filter(
            company_id=folder.company_id,
            folder__path__startswith=folder.path,
            trashed_at__isnull=True,
        )
        .exclude(deliveries__app=app)
        .order_by("deposited_at", "id")
    )
    found = ExistingDocuments(address=address)
    seen = set(
        Delivery.objects.filter(
            company_id=folder.company_id,
            target=address,
            sha256__in={d.sha256 for d in documents},
            status__in=_GOING,
        ).values_list("sha256", flat=True)
    )
    connector = connector_for(app)
    for document in documents:
        if connector.document_refusal(document) is not None:
            found.refused.append(document)
        elif document.sha256 in seen:
            found.duplicates.append(document)
        else:
            seen.add(document.sha256)
            found.sendable.append(document)
    return found
