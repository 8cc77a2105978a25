"""The store listens to the GED (deposits, moves, trashing), to the ESP's tracking webhooks,
and to its workers stopping."""

import logging

from anymail.signals import tracking
from celery.signals import worker_process_shutdown, worker_shutdown
from django.dispatch import receiver

from ged.signals import (
    document_deposited,
    document_moved,
    documents_purging,
    documents_trashed,
    folder_moved,
)

from .services.alerts import documents_trashed_resolve
from .services.deliveries import apps_switched_on, deposit_plan, folder_documents_plan, move_plan
from .services.outbox import deliveries_release, delivery_tracking, worker_name
from .services.purging import deliveries_purge

logger = logging.getLogger(__name__)


@receiver(document_deposited, dispatch_uid="partner_apps.plan_deposit")
def plan_deposited_document(sender, document, first_of_its_bytes=False, **kwargs):
    deposit_plan(document=document, first_of_its_bytes=first_of_its_bytes)


@receiver(document_moved, dispatch_uid="partner_apps.plan_move")
def plan_moved_document(sender, document, from_folder=None, **kwargs):
    move_plan(document=document, applied_before=apps_switched_on(from_folder))


@receiver(folder_moved, dispatch_uid="partner_apps.plan_folder_move")
def plan_moved_folder(sender, folder, from_parent=None, **kwargs):
    folder_documents_plan(folder=folder, from_parent=from_parent)


@receiver(documents_trashed, dispatch_uid="partner_apps.trashed")
def resolve_trashed_documents(sender, company, document_ids, **kwargs):
    documents_trashed_resolve(company=company, document_ids=document_ids)


@receiver(documents_purging, dispatch_uid="partner_apps.purging")
def purge_deliveries_of_documents(sender, document_ids, **kwargs):
    deliveries_purge(document_ids=document_ids)


@receiver(tracking, dispatch_uid="partner_apps.tracking")
def record_tracking_event(sender, event, esp_name, **kwargs):
    if event.message_id:
        delivery_tracking(message_id=str(event.message_id), event_type=event.event_type)


# A prefork child runs its tasks; with the solo pool, the worker's main process does.
@worker_process_shutdown.connect(dispatch_uid="partner_apps.release_child")
@worker_shutdown.connect(dispatch_uid="partner_apps.release_worker")
def release_claimed_deliveries(**kwargs):
    """A warm shutdown lets the task under way finish; should a process stop while it still
    holds a delivery anyway, the delivery leaves again at once rather than after its lease."""
    try:
        released = deliveries_release(worker=worker_name())
    except Exception:
        logger.exception("could not release the deliveries of %s", worker_name())
        return
    if released:
        logger.warning("%s released %s delivery(ies) on shutdown", worker_name(), released)
