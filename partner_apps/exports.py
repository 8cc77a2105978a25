"""What the store tells the GED's export of each document (settings.GED_DOCUMENT_SENDS): every
delivery, with its address, its status and when it left."""

from collections.abc import Sequence

from ged.sends import DocumentSend

from .models import Delivery, DeliveryStatus, ReasonCode


def document_sends(document_ids: Sequence[int]) -> dict[int, list[DocumentSend]]:
    """{document id: its deliveries, oldest first}, in one query."""
    sends: dict[int, list[DocumentSend]] = {}
    rows = (
        Delivery.objects.filter(document_id__in=document_ids)
        .order_by("document_id", "created_at", "pk")
        .values_list("document_id", "target", "status", "reason_code", "sent_at")
    )
    statuses, reasons = dict(DeliveryStatus.choices), dict(ReasonCode.choices)
    for document_id, target, status, reason_code, sent_at in rows:
        label = str(statuses.get(status, status))
        if reason_code:
            label = f"{label} ({reasons.get(reason_code, reason_code)})"
        sends.setdefault(document_id, []).append(
            DocumentSend(target=target, status=label, sent_at=sent_at)
        )
    return sends
