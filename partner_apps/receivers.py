"""The store listens to the GED (deposits and moves) and to the ESP's tracking webhooks."""

from anymail.signals import tracking
from django.dispatch import receiver

from ged.signals import document_deposited, document_moved, folder_moved

from .services.deliveries import apps_switched_on, deliveries_plan, folder_documents_plan
from .services.outbox import delivery_tracking


@receiver(document_deposited, dispatch_uid="partner_apps.plan_deposit")
def plan_deposited_document(sender, document, first_of_its_bytes=False, **kwargs):
    deliveries_plan(document=document, new=True, first_of_its_bytes=first_of_its_bytes)


@receiver(document_moved, dispatch_uid="partner_apps.plan_move")
def plan_moved_document(sender, document, from_folder=None, **kwargs):
    deliveries_plan(document=document, applied_before=apps_switched_on(from_folder))


@receiver(folder_moved, dispatch_uid="partner_apps.plan_folder_move")
def plan_moved_folder(sender, folder, from_parent=None, **kwargs):
    folder_documents_plan(folder=folder, from_parent=from_parent)


@receiver(tracking, dispatch_uid="partner_apps.tracking")
def record_tracking_event(sender, event, esp_name, **kwargs):
    if event.message_id:
        delivery_tracking(message_id=str(event.message_id), event_type=event.event_type)
