"""Sending the documents already in a folder: the explicit choice staff make when they switch
a folder on (« Envoyer aussi les N documents déjà présents ») or through the API. Switching on
alone never sends them."""

from django.db import transaction

from ged.models import Folder
from welyb_portal.tenancy.models import User
from welyb_portal.tenancy.services.audit import audit_record

from ..connectors import connector_for
from ..models import Delivery, DeliveryStatus, FolderAutomation, PartnerApp
from ..selectors.existing import existing_documents
from .outbox import deliveries_enqueue_on_commit


@transaction.atomic
def existing_documents_send(*, folder: Folder, app: PartnerApp, by: User) -> int:
    """Plans one delivery for each document of the folder (and its subfolders) that the
    connector never had and could take (see `existing_documents`: refused formats and
    duplicates stay out, and are not written); returns how many. A second call plans 0.
    ValidationError where the switch is off here or the company not authorised. Audited."""
    # One lot at a time per switch: a second call waits, then finds nothing left to send.
    list(
        FolderAutomation.objects.select_for_update()
        .filter(folder_id__in=[*folder.ancestor_ids, folder.pk], app=app, enabled=True)
        .values_list("pk", flat=True)
    )
    found = existing_documents(folder=folder, app=app)
    connector = connector_for(app)
    deliveries = Delivery.objects.bulk_create(
        Delivery(
            document=document,
            app=app,
            company_id=folder.company_id,
            cabinet_id=folder.company.cabinet_id,
            target=found.address,
            sha256=document.sha256,
            status=DeliveryStatus.PENDING,
            message_id=connector.message_id_new(),
        )
        for document in found.sendable
    )
    deliveries_enqueue_on_commit([delivery.pk for delivery in deliveries])
    if found.total:
        audit_record(
            cabinet=folder.company.cabinet,
            actor=by,
            action="automation.sent_existing",
            target=folder,
            data={
                "app": app.slug,
                "company_id": folder.company_id,
                "folder_id": folder.pk,
                "planned": len(deliveries),
                "duplicates": len(found.duplicates),
                "refused": len(found.refused),
            },
        )
    return len(deliveries)
