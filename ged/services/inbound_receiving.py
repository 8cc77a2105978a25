"""What happens to an email received on a deposit address, step by step:

1. the address: the envelope recipient the email service names, else the headers' recipients;
2. the record, keyed on the service's event (a redelivered event is a no-op), and the same
   message on the same address recorded as a duplicate;
3. the sender: allowed for the company (its clients, its staff, whom staff allowed), and
   authenticated by the service's verdicts (ged/inbound_verdicts.py); an allowed sender that is
   not authenticated is held for staff to accept or reject;
4. the files: attachments, and inline parts with a name, each deposited through
   `document_deposit` (channel "email"), so that an automated folder forwards them like any
   other deposit; small inline images (signatures, logos) ignored;
5. the receipt, when the company wants one, to an authenticated sender only.

Whatever is refused is recorded with its reason, and the webhook still answers 200: the email
service must not retry a refusal forever."""

import hashlib
import io
import logging
import uuid
from dataclasses import dataclass
from email.errors import InvalidBase64LengthDefect
from email.utils import parseaddr

from anymail.inbound import AnymailInboundMessage
from anymail.signals import AnymailInboundEvent
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Company, User
from welyb_portal.tenancy.models.user import normalize_email
from welyb_portal.tenancy.services.audit import audit_record
from welyb_portal.tenancy.services.notifications import (
    notifications_create,
    notifications_resolve,
)

from ..inbound_verdicts import SenderCheck, sender_check
from ..models import Channel, InboundAddress, InboundEmail, InboundStatus
from ..notices import deposit_notices
from .deposit import document_deposit
from .inbound_addresses import inbound_address_email, inbound_folder
from .inbound_senders import inbound_depositor, inbound_policy_of, inbound_sender_allowed

logger = logging.getLogger(__name__)

HELD_KIND = "inbound.held"


@dataclass
class Attachment:
    name: str
    content: bytes | None
    inline: bool
    error: str = ""


@dataclass
class Arrival:
    """An email as it arrived: the message, and what the email service said around it."""

    message: AnymailInboundMessage
    esp: str
    esp_event: AnymailInboundEvent | None = None
    event_id: str | None = None

    @property
    def envelope_sender(self) -> str:
        return normalize_email(getattr(self.message, "envelope_sender", None) or "")


# --- 1. The address ----------------------------------------------------------------------------


def inbound_notification_key(inbound_email_id: int) -> str:
    """The key of the notifications about a received email (notifications_resolve)."""
    return f"inbound:{inbound_email_id}"


def _recipients(message: AnymailInboundMessage) -> list[str]:
    """The envelope recipient when the email service gives one: it is where the email was
    delivered. The headers' recipients (To, Cc…) only without one: a sender writes them."""
    envelope = getattr(message, "envelope_recipient", None)
    if envelope:
        return [normalize_email(envelope)]
    addresses: list[str] = []
    for header in ("To", "Cc", "Delivered-To", "X-Original-To"):
        addresses.extend(a.addr_spec for a in message.get_address_header(header))
    return [normalize_email(a) for a in addresses if a]


def _sender(message: AnymailInboundMessage) -> str:
    sender = message.from_email
    if isinstance(sender, list):
        sender = sender[0] if sender else None
    address = getattr(sender, "addr_spec", "") or getattr(message, "envelope_sender", "") or ""
    return normalize_email(address)


def _address_for(recipients: list[str]) -> InboundAddress | None:
    domain = settings.INBOUND_EMAIL_DOMAIN.lower()
    local_parts = [r.rpartition("@")[0] for r in recipients if r.rpartition("@")[2] == domain]
    if not local_parts:
        return None
    found = InboundAddress.objects.select_related("company__cabinet", "folder").filter(
        local_part__in=local_parts
    )
    by_part = {address.local_part: address for address in found}
    # The first recipient that is an address, in the order the email gave them.
    return next((by_part[part] for part in local_parts if part in by_part), None)


# --- 2. The record -----------------------------------------------------------------------------


def _fingerprint(message: AnymailInboundMessage) -> str:
    return hashlib.sha256(message.as_bytes()).hexdigest()


def _keys(arrival: Arrival, address: InboundAddress | None) -> tuple[str, str]:
    """(the event's key, the message's key), both scoped to the address: the same event
    delivered again is one record; the same message (its Message-ID, else its bytes) sent to
    the address again is a duplicate; to another address, it is another email."""
    scope = str(address.pk) if address is not None else "none"
    message_id = (arrival.message["Message-ID"] or "").strip()
    message_key = f"{scope}:" + (
        f"message-id:{message_id}" if message_id else f"sha256:{_fingerprint(arrival.message)}"
    )
    if arrival.event_id:
        key = f"{scope}:event:{arrival.esp}:{arrival.event_id}"
    else:
        key = f"{scope}:sha256:{_fingerprint(arrival.message)}"
    return key[:255], message_key[:255]


def _duplicate_of(record: InboundEmail) -> InboundEmail | None:
    if record.address_id is None:
        return None
    return (
        InboundEmail.objects.filter(message_key=record.message_key)
        .exclude(pk=record.pk)
        .exclude(status=InboundStatus.DUPLICATE)
        .order_by("received_at", "id")
        .first()
    )


def _company_of(record: InboundEmail) -> Company:
    """The company of a record received on one of its addresses: every record past the address
    step (the others are refused there), and an address goes only with its company."""
    if record.company is None:
        raise ValueError(f"inbound email {record.pk} was received for no company")
    return record.company


def _address_of(record: InboundEmail) -> InboundAddress:
    """The address of a record past the address step (see _company_of)."""
    if record.address is None:
        raise ValueError(f"inbound email {record.pk} was received on no known address")
    return record.address


def _refuse(record: InboundEmail, reason: str) -> InboundEmail:
    record.status = InboundStatus.REFUSED
    record.reason = reason
    record.save()
    logger.info("inbound email %s refused: %s", record.pk, reason)
    return record


# --- 3. The sender -----------------------------------------------------------------------------


def _hold(record: InboundEmail, arrival: Arrival, check: SenderCheck) -> InboundEmail:
    """Keeps the raw message in private storage and waits for staff; they are notified."""
    record.held_file = default_storage.save(
        f"inbound/held/{record.company_id}/{uuid.uuid4().hex}.eml",
        ContentFile(arrival.message.as_bytes()),
    )
    record.status = InboundStatus.HELD
    record.reason = check.summary
    company = _company_of(record)
    try:
        with transaction.atomic():
            record.save()
            notifications_create(
                cabinet=company.cabinet,
                kind=HELD_KIND,
                text=_(
                    "%(company)s : un email de %(sender)s attend votre validation avant d'être "
                    "classé. %(summary)s"
                )
                % {
                    "company": company.name,
                    "sender": record.sender or _("(inconnu)"),
                    "summary": check.summary,
                },
                url=f"/ged/emails-recus/?statut=held#email-{record.pk}",
                key=inbound_notification_key(record.pk),
            )
    except BaseException:
        default_storage.delete(record.held_file)
        raise
    logger.info("inbound email %s held: %s", record.pk, check.summary)
    return record


# --- 4. The files ------------------------------------------------------------------------------


def _attachments(message: AnymailInboundMessage) -> list[Attachment]:
    """The files of an email: its attachments and its inline parts that carry a file name
    (some mailers attach scans inline). Bodies (text/html) are not files."""
    found = []
    for number, part in enumerate(message.walk()):
        if number > settings.INBOUND_MAX_PARTS:
            # Counted in the payload already (ged/inbound_payloads.py): never reached
            # through a webhook, but the walk stays bounded whoever calls it.
            break
        if part.is_multipart():
            continue
        disposition = part.get_content_disposition()
        name = part.get_filename()
        if disposition not in ("attachment", "inline") or (disposition == "inline" and not name):
            continue
        try:
            content = part.get_content_bytes()
        except Exception as error:
            found.append(Attachment(name or "", None, disposition == "inline", str(error)))
            continue
        if any(isinstance(defect, InvalidBase64LengthDefect) for defect in part.defects):
            # Cut in transit: Python hands back the undecoded text, which is not the file.
            found.append(Attachment(name or "", None, disposition == "inline", _("base64 tronqué")))
            continue
        found.append(Attachment(name or "", content or b"", disposition == "inline"))
    return found


def _files_to_deposit(
    record: InboundEmail, message: AnymailInboundMessage
) -> list[Attachment] | None:
    """The files worth depositing, the ignored inline images recorded on `record.items`; None
    when the email is refused for its files (none, or too many), `record` then refused."""
    files = _attachments(message)
    ignored = [
        f
        for f in files
        if f.inline
        and f.content is not None
        and len(f.content) < settings.INBOUND_INLINE_IGNORE_KB * 1024
    ]
    files = [f for f in files if f not in ignored]
    record.items = [
        {
            "name": f.name,
            "size": len(f.content or b""),
            "outcome": "ignored",
            "reason": _("Image intégrée au message (signature, logo)."),
        }
        for f in ignored
    ]
    if not files:
        _refuse(record, _("Aucune pièce jointe à déposer."))
        return None
    if len(files) > settings.INBOUND_MAX_ATTACHMENTS:
        _refuse(
            record,
            _("Trop de pièces jointes : %(n)s (%(max)s au plus par email).")
            % {"n": len(files), "max": settings.INBOUND_MAX_ATTACHMENTS},
        )
        return None
    return files


def _deposit_each(record: InboundEmail, files: list[Attachment], depositor: User | None) -> int:
    """Deposits every file on its own (one refused leaves the others); returns how many went."""
    folder = inbound_folder(_address_of(record), create=True)
    deposited = 0
    for file in files:
        item = {"name": file.name, "size": len(file.content or b"")}
        if file.content is None:
            item.update(
                outcome="refused", reason=_("Pièce jointe illisible : %(e)s") % {"e": file.error}
            )
        else:
            try:
                document = document_deposit(
                    folder=folder,
                    file=io.BytesIO(file.content),
                    name=file.name or "piece-jointe",
                    by=depositor,
                    channel=Channel.EMAIL,
                )
            except ValidationError as error:
                item.update(outcome="refused", reason=" ".join(error.messages))
            else:
                deposited += 1
                item.update(
                    outcome="deposited",
                    document=document.pk,
                    name=document.name,
                    notices=deposit_notices(document=document),
                )
        item["folder"] = folder.pk
        record.items.append(item)
    return deposited


def _file(
    record: InboundEmail, files: list[Attachment], *, depositor: User | None, receipt: bool
) -> InboundEmail:
    """Deposits the files and records the outcome; the receipt goes once it commits."""
    deposited = _deposit_each(record, files, depositor)
    record.status = (
        InboundStatus.DEPOSITED
        if deposited == len(files)
        else InboundStatus.PARTIAL
        if deposited
        else InboundStatus.REFUSED
    )
    if not deposited:
        record.reason = _("Aucune pièce jointe déposée.")
    record.save()
    if receipt and deposited:
        # 5. To an authenticated sender only: it quotes the subject and the file names.
        from ..tasks import send_inbound_receipt

        transaction.on_commit(lambda: send_inbound_receipt.delay(record.pk))
    return record


# --- Receiving ---------------------------------------------------------------------------------


def _judge(record: InboundEmail, arrival: Arrival) -> InboundEmail:
    """Steps 3 to 5, for a record whose address is known and whose message is new there."""
    company = _company_of(record)
    depositor = inbound_depositor(company=company, sender=record.sender)
    policy = inbound_policy_of(company)
    if not inbound_sender_allowed(policy=policy, sender=record.sender, depositor=depositor):
        return _refuse(
            record,
            _(
                "Expéditeur non autorisé : %(sender)s n'est ni client de l'entreprise ni membre du "
                "cabinet."
            )
            % {"sender": record.sender or _("(inconnu)")},
        )
    check = sender_check(
        message=arrival.message,
        esp=arrival.esp,
        esp_event=arrival.esp_event,
        envelope_sender=arrival.envelope_sender,
    )
    record.authentication = check.as_dict()
    files = _files_to_deposit(record, arrival.message)
    if files is None:
        return record
    if not check.authenticated:
        return _hold(record, arrival, check)
    return _file(record, files, depositor=depositor, receipt=policy.send_receipt)


def inbound_email_receive(
    *,
    message: AnymailInboundMessage,
    event_id: str | None = None,
    esp: str = "",
    esp_event: AnymailInboundEvent | None = None,
) -> InboundEmail:
    """Files the attachments of an email received on a deposit address, and records it.

    Refused and recorded (nothing deposited): an unknown or regenerated address; a sender who
    is neither a client of the company nor staff of its cabinet, unless staff allowed them or
    opened the address to everyone; no attachment; more than INBOUND_MAX_ATTACHMENTS files.
    Held for staff (nothing deposited yet): an allowed sender whose `From` the email service's
    verdicts do not authenticate. Recorded as a duplicate: the same message already received
    on that address. Each file is then deposited on its own: one over the size limit is
    refused, the others go. The same event received twice is recorded and deposited once."""
    arrival = Arrival(message=message, esp=esp[:32], esp_event=esp_event, event_id=event_id)
    unreadable = "" if message.keys() else _("aucun en-tête, ce n'est pas un email")
    try:
        recipients, sender = _recipients(message), _sender(message)
    except Exception as error:
        # Addresses no parser makes sense of ("From: <<<@@@>>>"): anymail raises on them.
        recipients, sender = [], ""
        unreadable = unreadable or f"{type(error).__name__}: {error}"
    address = _address_for(recipients)
    key, message_key = _keys(arrival, address)
    existing = InboundEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    record = InboundEmail(
        key=key,
        message_key=message_key,
        esp=arrival.esp,
        address=address,
        company=address.company if address is not None else None,
        recipient=(
            inbound_address_email(address) if address is not None else next(iter(recipients), "")
        )[:254],
        sender=sender[:254],
        envelope_sender=arrival.envelope_sender[:254],
        subject=str(message["Subject"] or "")[:255],
        status=InboundStatus.REFUSED,
    )
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # The same event, delivered twice at once: the other request files it.
        return InboundEmail.objects.get(key=key)
    if unreadable:
        return _refuse(record, _("Email illisible : %(reason)s") % {"reason": unreadable[:500]})
    if address is None:
        return _refuse(record, _("Adresse de dépôt inconnue (ou régénérée depuis)."))
    original = _duplicate_of(record)
    if original is not None:
        record.status, record.duplicate_of = InboundStatus.DUPLICATE, original
        record.reason = _("Même message que celui reçu le %(when)s : rien de déposé à nouveau.") % {
            "when": f"{timezone.localtime(original.received_at):%d/%m/%Y à %H:%M}"
        }
        record.save()
        return record
    try:
        return _judge(record, arrival)
    except Exception:
        # Recorded as refused, with the trace in the logs: the ESP gets its 200 all the same.
        logger.exception("inbound email %s could not be filed", record.pk)
        return _refuse(record, _("Erreur lors du classement : l'équipe technique est prévenue."))


# --- What staff decide of a held email ---------------------------------------------------------


def _held_locked(record: InboundEmail) -> InboundEmail:
    record = (
        InboundEmail.objects.select_for_update(of=("self",))
        .select_related("company__cabinet", "address__folder")
        .get(pk=record.pk)
    )
    if record.status != InboundStatus.HELD:
        raise ValidationError(
            _("Cet email n'attend pas de validation (%(status)s).")
            % {"status": record.get_status_display()}
        )
    return record


def _decided(record: InboundEmail, *, by: User, action: str) -> None:
    held_file = record.held_file
    record.held_file = ""
    record.decided_by, record.decided_at = by, timezone.now()
    record.save()
    company = _company_of(record)
    audit_record(
        cabinet=company.cabinet,
        actor=by,
        action=action,
        target=company,
        data={"inbound_email_id": record.pk, "sender": record.sender, "status": record.status},
    )
    notifications_resolve(cabinet=company.cabinet, key=inbound_notification_key(record.pk))
    # The raw message goes once the decision is kept.
    transaction.on_commit(lambda: default_storage.delete(held_file))


@transaction.atomic
def inbound_email_accept(*, record: InboundEmail, by: User) -> InboundEmail:
    """Staff vouch for a held email: its files are deposited as the sender's (the client or
    staff member of that address, when there is one), and go on as any deposit (an automated
    folder forwards them). No receipt: the sender was never authenticated. Audited."""
    record = _held_locked(record)
    with default_storage.open(record.held_file, "rb") as raw:
        message = AnymailInboundMessage.parse_raw_mime_bytes(raw.read())
    record.items = []
    files = _files_to_deposit(record, message) or []
    depositor = inbound_depositor(company=_company_of(record), sender=record.sender)
    if files:
        _file(record, files, depositor=depositor, receipt=False)
    _decided(record, by=by, action="inbound_email.accepted")
    return record


@transaction.atomic
def inbound_email_reject(*, record: InboundEmail, by: User) -> InboundEmail:
    """Staff refuse a held email: nothing is filed, and its raw message is deleted. Audited."""
    record = _held_locked(record)
    record.status = InboundStatus.REFUSED
    record.reason = _("Refusé par %(who)s : expéditeur non vérifié. %(summary)s") % {
        "who": by.display_name,
        "summary": record.authentication.get("summary", ""),
    }
    _decided(record, by=by, action="inbound_email.rejected")
    return record


def inbound_unreadable_record(*, esp: str, reason: str, raw_key: str) -> InboundEmail:
    """An inbound webhook call whose email could not be read at all (malformed MIME)."""
    key = "unreadable:" + hashlib.sha256(raw_key.encode()).hexdigest()
    record, _created = InboundEmail.objects.get_or_create(
        key=key,
        defaults={
            "esp": esp[:32],
            "status": InboundStatus.REFUSED,
            "reason": _("Email illisible : %(reason)s") % {"reason": reason[:500]},
        },
    )
    return record


def inbound_too_many_parts_record(
    *, esp: str, event_id: str, recipient: str, sender: str, subject: str, parts: int
) -> InboundEmail:
    """An email refused before it was read, for holding more parts than INBOUND_MAX_PARTS
    (counted in the email service's payload): recorded as every other refusal, once per event."""
    address = _address_for([normalize_email(parseaddr(recipient)[1])]) if recipient else None
    scope = str(address.pk) if address is not None else "none"
    key = f"{scope}:event:{esp}:{event_id}" if event_id else f"{scope}:parts:{uuid.uuid4().hex}"
    record, _created = InboundEmail.objects.get_or_create(
        key=key[:255],
        defaults={
            "esp": esp[:32],
            "address": address,
            "company": address.company if address is not None else None,
            "recipient": (inbound_address_email(address) if address else recipient)[:254],
            "sender": normalize_email(parseaddr(sender)[1])[:254],
            "subject": subject[:255],
            "status": InboundStatus.REFUSED,
            "reason": _(
                "Email non lu : il compte %(n)s parties, %(max)s au plus (pièces jointes, images "
                "et textes)."
            )
            % {"n": parts, "max": settings.INBOUND_MAX_PARTS},
        },
    )
    return record
