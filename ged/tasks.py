from celery import shared_task
from django.utils import timezone

from .services.tree import annual_folders_create


@shared_task
def create_annual_folders() -> int:
    """Yearly (Celery beat, 1 January): this year's annual folder for every company."""
    return annual_folders_create(year=timezone.localdate().year)


@shared_task
def send_inbound_receipt(inbound_email_id: int) -> None:
    """The receipt a company may choose to send to whoever deposited by email."""
    from .emails import inbound_receipt_send
    from .models import InboundEmail

    record = (
        InboundEmail.objects.select_related("company__cabinet").filter(pk=inbound_email_id).first()
    )
    if record is not None and record.company is not None and record.sender:
        inbound_receipt_send(record=record, company=record.company)


@shared_task
def purge_trash() -> int:
    """Nightly (Celery beat): what has been in a trash TRASH_RETENTION_DAYS days goes for good."""
    from .services.trash_retention import trash_purge

    return trash_purge().documents
