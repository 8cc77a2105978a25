"""Deciding what must be delivered: the rows of the outbox, written in the deposit's
transaction. Sending them is services/outbox.py's job."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ged.models import Document, Folder
from welyb_portal.tenancy.models import User
from welyb_portal.tenancy.services.audit import audit_record

from ..connectors import connector_for
from ..models import CompanyAuthorization, Delivery, DeliveryStatus
from ..models.delivery import RETRYABLE, SUCCEEDED
from ..selectors.automations import effective_automations
from .outbox import delivery_enqueue

# Another delivery of the same bytes to the same address, done or on its way.
_ALREADY_GOING = (
    *SUCCEEDED,
    DeliveryStatus.PENDING,
    DeliveryStatus.SENDING,
    DeliveryStatus.RETRYING,
)


def delivery_refusal(*, delivery: Delivery, installed: bool, address: str) -> str:
    """Why this delivery cannot go now (French, for staff), or "" when it can."""
    app = delivery.app
    if not installed:
        return _("L'application « %(app)s » n'est plus installée.") % {"app": app.name}
    if not address:
        return _("L'entreprise n'est pas (ou plus) autorisée pour %(app)s.") % {"app": app.name}
    return connector_for(app).document_refusal(delivery.document) or ""


def _duplicates(*, document: Document, targets: set[str]) -> dict[str, Delivery]:
    """For each address, an earlier delivery of the same bytes of the same company to it."""
    if not targets:
        return {}
    earlier = (
        Delivery.objects.filter(
            company_id=document.company_id,
            target__in=targets,
            sha256=document.sha256,
            status__in=_ALREADY_GOING,
        )
        .exclude(document=document)
        .select_related("document")
        .order_by("created_at")
    )
    found: dict[str, Delivery] = {}
    for delivery in earlier:
        found.setdefault(delivery.target, delivery)
    return found


def duplicate_reason(original: Delivery) -> str:
    return _("Doublon de « %(name)s », déjà envoyé à %(target)s.") % {
        "name": original.document.name,
        "target": original.target,
    }


def apps_switched_on(folder: Folder | None) -> set[int]:
    """The connectors whose switches apply to a folder (none outside any folder)."""
    if folder is None:
        return set()
    return {automation.app_id for automation in effective_automations(folder=folder)}


def deliveries_plan(
    *,
    document: Document,
    new: bool = False,
    first_of_its_bytes: bool = False,
    applied_before: set[int] | frozenset[int] = frozenset(),
    moved: Folder | None = None,
) -> list[Delivery]:
    """Creates the deliveries a document now needs: one per switch in effect on its folder
    (its own or an ancestor's), unless the document already has one for that connector (at
    most one, ever). A delivery that cannot go is written `skipped` with its reason: not
    installed, not authorised, format or size refused, same bytes already sent to that address
    for that company. The others are handed to the outbox once the transaction commits.

    Called inside the transaction of a deposit (`new`: the document has no delivery yet;
    `first_of_its_bytes`: no document of the company ever had its bytes, so none was sent) or a
    move. After a move, only the switches the document has just come under send it: those in
    `applied_before` (the place it left) and those inside the folder `moved` with it already
    applied, and never reach back. Four queries at most, whatever the folder's depth and the
    number of switches; two for a deposit of bytes new to the company."""
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
    apps = {automation.app_id: automation.app for automation in automations}
    readiness = {a.app_id: (a.app_installed, a.collection_address or "") for a in automations}
    if not new:
        done = set(
            Delivery.objects.filter(document=document, app_id__in=apps).values_list(
                "app_id", flat=True
            )
        )
        apps = {app_id: app for app_id, app in apps.items() if app_id not in done}
        if not apps:
            return []
    deliveries = []
    for app_id, app in apps.items():
        installed, address = readiness[app_id]
        delivery = Delivery(
            document=document,
            app=app,
            company_id=document.company_id,
            target=address,
            sha256=document.sha256,
        )
        delivery.reason = delivery_refusal(delivery=delivery, installed=installed, address=address)
        deliveries.append(delivery)
    duplicates = (
        {}
        if first_of_its_bytes
        else _duplicates(document=document, targets={d.target for d in deliveries if not d.reason})
    )
    for delivery in deliveries:
        original = duplicates.get(delivery.target) if not delivery.reason else None
        if original is not None:
            delivery.reason = duplicate_reason(original)
            delivery.duplicate_of = original
        delivery.status = DeliveryStatus.SKIPPED if delivery.reason else DeliveryStatus.PENDING
        if delivery.status == DeliveryStatus.PENDING:
            # Chosen now and kept: a message sent again after a worker died between the
            # server's acceptance and the record carries the same Message-ID, so the receiving
            # side can tell it is the same message.
            delivery.message_id = connector_for(delivery.app).message_id_new()
    Delivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        if delivery.status == DeliveryStatus.PENDING:
            transaction.on_commit(lambda pk=delivery.pk: delivery_enqueue(pk))
    return deliveries


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
        len(deliveries_plan(document=document, applied_before=applied_before, moved=folder))
        for document in documents
    )


@transaction.atomic
def delivery_retry(*, delivery: Delivery, by: User) -> Delivery:
    """ "Renvoyer": a failed, bounced or skipped delivery goes back to the outbox, to the
    company's current address. A skipped duplicate is then sent anyway; other refusals
    (format, size, authorisation) are judged again when the worker takes it."""
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status not in RETRYABLE:
        raise ValidationError(
            _("Cet envoi est « %(status)s » : il ne se renvoie pas.")
            % {"status": delivery.get_status_display()}
        )
    address = (
        CompanyAuthorization.objects.filter(
            company_id=delivery.company_id, app_id=delivery.app_id, enabled=True
        )
        .exclude(collection_email="")
        .values_list("collection_email", flat=True)
        .first()
    )
    old = {"status": delivery.status, "reason": delivery.reason, "target": delivery.target}
    delivery.status = DeliveryStatus.PENDING
    delivery.force = True
    delivery.target = address or delivery.target
    delivery.reason = ""
    delivery.attempts = 0
    delivery.next_attempt_at = None
    # A deliberate new send is a new message.
    delivery.message_id = connector_for(delivery.app).message_id_new()
    delivery.save()
    audit_record(
        cabinet=delivery.company.cabinet,
        actor=by,
        action="delivery.retried",
        target=delivery.document,
        data={"delivery_id": delivery.pk, "app": delivery.app.slug, "old": old},
    )
    transaction.on_commit(lambda: delivery_enqueue(delivery.pk))
    return delivery
