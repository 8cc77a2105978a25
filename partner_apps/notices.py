"""What the store tells a depositing client, in words that name no partner and no automation
(the GED reads these through settings): the notices of a deposit (GED_DEPOSIT_NOTICES), and
which documents have left for the cabinet's tools (GED_DOCUMENT_LOCKS), so that their client
may no longer rename nor trash them."""

from django.utils.translation import gettext as _

from ged.models import Document

from .models import Delivery, DeliveryStatus
from .models.delivery import CLAIMABLE, SUCCEEDED

# The bytes left the portal: a worker holds them, or the partner got (or refused) them.
LEFT = (DeliveryStatus.SENDING, *SUCCEEDED, DeliveryStatus.BOUNCED)
# They will leave on their own (a worker may claim them any moment): the outbox sends a pending
# delivery even once its document is in the trash, and under the name it has then, so a client
# may change neither while it waits.
LEAVING = CLAIMABLE
# Skipped and failed ones sent nothing and will send nothing unless staff act: they lock
# nothing (the client may replace a file the cabinet's tools refused).


def deposit_notices(document: Document) -> list[str]:
    """Written by the connector's refusal when the deposit planned its deliveries; never names
    a partner. Read from the document when the deposit planned it in this process (no query)."""
    planned = getattr(document, "planned_notices", None)
    if planned is not None:
        return list(planned)
    return list(
        Delivery.objects.filter(document=document)
        .exclude(notice="")
        .order_by("id")
        .values_list("notice", flat=True)
    )


def documents_sent(documents: list[Document]) -> dict[int, str]:
    """{document id: why its client may no longer change it}, for those of `documents` that
    left for a partner or are about to, in one query."""
    statuses: dict[int, set[str]] = {}
    for document_id, status in Delivery.objects.filter(
        document__in=documents, status__in=(*LEFT, *LEAVING)
    ).values_list("document_id", "status"):
        statuses.setdefault(document_id, set()).add(status)
    sent = _(
        "Ce document a déjà été transmis à votre cabinet : demandez-lui de le renommer ou de "
        "le retirer."
    )
    leaving = _(
        "Ce document est en cours de transmission à votre cabinet : demandez-lui de le "
        "renommer ou de le retirer."
    )
    return {
        document_id: sent if found & set(LEFT) else leaving
        for document_id, found in statuses.items()
    }
