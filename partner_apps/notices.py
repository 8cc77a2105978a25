"""The notices the store gives a depositor (named in settings.GED_DEPOSIT_NOTICES): for each
connector that will refuse the file as it is, what to deposit instead. Written by the
connector's refusal when the deposit planned its deliveries; never names a partner."""

from ged.models import Document

from .models import Delivery


def deposit_notices(document: Document) -> list[str]:
    return list(
        Delivery.objects.filter(document=document)
        .exclude(notice="")
        .order_by("id")
        .values_list("notice", flat=True)
    )
