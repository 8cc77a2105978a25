"""What the store deletes when the GED deletes documents for good (`documents_purging`)."""

from collections import defaultdict

from welyb_portal.tenancy.services.notifications import notifications_delete

from ..models import Delivery
from .alerts import delivery_key


def deliveries_purge(*, document_ids: list[int]) -> int:
    """Deletes the deliveries of these documents and the staff notifications about them (they
    name the documents), in the caller's transaction; returns how many deliveries.

    The send history of a purged document goes with it: `Delivery.document` stays PROTECT so
    that nothing else (the Django admin, a stray delete) can take a document's history away
    unnoticed; only the GED's purge, which announces itself, removes both."""
    rows = list(
        Delivery.objects.filter(document_id__in=document_ids).values_list(
            "pk", "company__cabinet_id"
        )
    )
    if not rows:
        return 0
    keys_by_cabinet = defaultdict(list)
    for pk, cabinet_id in rows:
        keys_by_cabinet[cabinet_id].append(delivery_key(pk))
    for cabinet_id, keys in keys_by_cabinet.items():
        notifications_delete(cabinet_id=cabinet_id, keys=keys)
    Delivery.objects.filter(pk__in=[pk for pk, _cabinet in rows]).delete()
    return len(rows)
