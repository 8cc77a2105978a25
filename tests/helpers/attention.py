"""A cabinet whose Achats folder is automated, and documents that did not reach Inqom for each
reason a delivery can stop: what « Envois à régler » is about."""

from dataclasses import dataclass

from django.utils import timezone

from ged.models import Document, Folder
from partner_apps.models import Delivery, DeliveryStatus, ReasonCode
from tests.helpers.documents import PDF, deposit, folder_at
from tests.helpers.forwarding import (
    ACHATS,
    ANNUAL,
    address,
    connect,
    delivery_of,
    switch_on,
)

ACHAT = address(ACHATS, "boulangerie-alpha")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(64)
# The words a depositor must never read.
HIDDEN_WORDS = ("inqom", "automatisation", "automatique", "connecteur", "inqombox")


@dataclass
class Stopped:
    """One document per reason, as a client deposits them in the automated Achats folder."""

    achats: Folder
    duplicate: Document
    refused: Document  # setup.exe
    failed: Document
    bounced: Document


def automated_achats(tenant, name: str = "boulangerie-alpha") -> Folder:
    connect(tenant, tenant.company, ACHATS, name=name)
    achats = folder_at(tenant.company, f"{ANNUAL}/Achats")
    switch_on(achats, ACHATS, tenant.admin)
    return achats


def stopped_deliveries(tenant, capture) -> Stopped:
    """`capture` is pytest-django's django_capture_on_commit_callbacks: the first copy is sent,
    so that the second one is a duplicate of a sent document."""
    achats = automated_achats(tenant)
    with capture(execute=True):
        deposit(achats, "facture.pdf", PDF, by=tenant.client)
    with capture(execute=True):
        duplicate = deposit(achats, "facture (copie).pdf", PDF, by=tenant.client)
        refused = deposit(achats, "setup.exe", EXE, by=tenant.client)
    failed = deposit(achats, "echec.pdf", PDF + b"echec", by=tenant.client)
    bounced = deposit(achats, "refus.pdf", PDF + b"refus", by=tenant.client)
    stop(failed, DeliveryStatus.FAILED, ReasonCode.SEND_FAILED, "Le serveur d'envoi a refusé.")
    stop(bounced, DeliveryStatus.BOUNCED, ReasonCode.BOUNCED, "Inqom a refusé l'envoi.")
    return Stopped(achats, duplicate, refused, failed, bounced)


def stop(document: Document, status: str, code: str, reason: str) -> Delivery:
    Delivery.objects.filter(document=document).update(
        status=status, reason_code=code, reason=reason, updated_at=timezone.now()
    )
    return delivery_of(document)
