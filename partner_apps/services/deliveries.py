"""Deciding what must be delivered: the rows of the outbox, written in the transaction of a
deposit or a move. Sending them is services/outbox.py's job; the rules that refuse a delivery
are in refusals.py, shared with the send."""

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ged.models import Document, Folder

from ..connectors import connector_for
from ..models import Delivery, DeliveryStatus, FolderAutomation
from ..models.delivery import SUCCEEDED
from ..refusals import delivery_refusal, duplicate_refusal
from ..selectors.automations import effective_automations
from .alerts import deliveries_announce
from .outbox import deliveries_enqueue_on_commit

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from ..selectors.automations import Readiness

# Another delivery of the same bytes to the same address, done or on its way.
ALREADY_GOING = (
    *SUCCEEDED,
    DeliveryStatus.PENDING,
    DeliveryStatus.SENDING,
    DeliveryStatus.RETRYING,
)


def duplicates_of(*, document: Document, targets: set[str]) -> dict[str, Delivery]:
    """For each address, the first delivery of another document of the company with the same
    bytes to it, done or on its way."""
    if not targets:
        return {}
    earlier = (
        Delivery.objects.filter(
            company_id=document.company_id,
            target__in=targets,
            sha256=document.sha256,
            status__in=ALREADY_GOING,
        )
        .exclude(document=document)
        .select_related("document")
        .order_by("created_at", "id")
    )
    found: dict[str, Delivery] = {}
    for delivery in earlier:
        found.setdefault(delivery.target, delivery)
    return found


def apps_switched_on(folder: Folder | None) -> set[int]:
    """The connectors whose switches apply to a folder (none outside any folder)."""
    if folder is None:
        return set()
    return {automation.app_id for automation in effective_automations(folder=folder)}


def _deliveries_write(
    *,
    document: Document,
    automations: "Iterable[WithAnnotations[FolderAutomation, Readiness]]",
    first_of_its_bytes: bool,
) -> list[Delivery]:
    """One delivery of the document per switch given (annotated with their readiness): skipped
    with its refusal, or pending and handed to the outbox once the transaction commits."""
    deliveries = []
    for automation in automations:
        address = automation.collection_address or ""
        delivery = Delivery(
            document=document,
            app=automation.app,
            company_id=document.company_id,
            cabinet_id=automation.cabinet_id,
            target=address,
            sha256=document.sha256,
        )
        refusal = delivery_refusal(
            delivery=delivery, installed=automation.app_installed, address=address
        )
        if refusal is not None:
            delivery.reason_code, delivery.reason = refusal.code, refusal.reason
            delivery.notice = refusal.notice
        deliveries.append(delivery)
    duplicates = (
        {}
        if first_of_its_bytes
        else duplicates_of(
            document=document, targets={d.target for d in deliveries if not d.reason_code}
        )
    )
    for delivery in deliveries:
        original = duplicates.get(delivery.target) if not delivery.reason_code else None
        if original is not None:
            refusal = duplicate_refusal(original)
            delivery.reason_code, delivery.reason = refusal.code, refusal.reason
            delivery.duplicate_of = original
        if delivery.reason_code:
            delivery.status = DeliveryStatus.SKIPPED
        else:
            delivery.status = DeliveryStatus.PENDING
            # Chosen now and kept: a message sent again after a worker died between the
            # server's acceptance and the record carries the same Message-ID, so the receiving
            # side can tell it is the same message.
            delivery.message_id = connector_for(delivery.app).message_id_new()
    Delivery.objects.bulk_create(deliveries)
    deliveries_enqueue_on_commit([d.pk for d in deliveries if d.status == DeliveryStatus.PENDING])
    deliveries_announce([d for d in deliveries if d.status == DeliveryStatus.SKIPPED])
    return deliveries


def deposit_plan(*, document: Document, first_of_its_bytes: bool = False) -> list[Delivery]:
    """The deliveries a document deposited just now needs: one per switch in effect on its
    folder (its own or an ancestor's). One that cannot go is written `skipped` with its reason
    (not installed, not authorised, format or size refused, same bytes already sent to that
    address for that company): nothing is dropped silently.

    Called inside the deposit's transaction. `first_of_its_bytes`: no document of the company
    ever had these bytes, so none was sent and the duplicate search is skipped. Two queries
    for bytes new to the company, three otherwise, whatever the depth and number of switches."""
    automations = effective_automations(folder=document.folder, readiness=True)
    deliveries = (
        _deliveries_write(
            document=document, automations=automations, first_of_its_bytes=first_of_its_bytes
        )
        if automations
        else []
    )
    # What the depositor is told (partner_apps.notices), known now: the answer to the deposit
    # reads it from here instead of the rows just written.
    document.planned_notices = [d.notice for d in deliveries if d.notice]  # type: ignore[attr-defined]
    return deliveries


def move_plan(
    *, document: Document, applied_before: set[int], moved: Folder | None = None
) -> list[Delivery]:
    """After a move, the deliveries for the switches the document has just come under: not
    those of `applied_before` (the place it left), nor those inside the folder `moved` with it,
    which already applied; never a second one for a connector (at most one per document, ever).
    Four queries at most."""
    automations = effective_automations(folder=document.folder, readiness=True)
    if moved is not None:
        chain = [*document.folder.ancestor_ids, document.folder.pk]
        carried = set(chain[chain.index(moved.pk) :])
        applied_before = {
            *applied_before,
            *(a.app_id for a in automations if a.folder_id in carried),
        }
    automations = [a for a in automations if a.app_id not in applied_before]
    if not automations:
        return []
    done = set(
        Delivery.objects.filter(
            document=document, app_id__in=[a.app_id for a in automations]
        ).values_list("app_id", flat=True)
    )
    automations = [a for a in automations if a.app_id not in done]
    if not automations:
        return []
    return _deliveries_write(document=document, automations=automations, first_of_its_bytes=False)


def folder_documents_plan(*, folder: Folder, from_parent: Folder | None = None) -> int:
    """After a folder moved (from under `from_parent`): the deliveries its documents (and its
    subfolders') now need."""
    applied_before = apps_switched_on(from_parent)
    documents = Document.objects.filter(
        company_id=folder.company_id,
        folder__path__startswith=folder.path,
        trashed_at__isnull=True,
    ).select_related("folder", "company")
    return sum(
        len(move_plan(document=document, applied_before=applied_before, moved=folder))
        for document in documents
    )
