"""Deposit by email: each company's addresses, and what happens to an email received on one.

Every attachment becomes a document through `document_deposit` (channel "email"), so that an
automated folder forwards it like any other deposit. Whatever is refused is recorded with its
reason, and the webhook still answers 200: the ESP must not retry a refusal forever."""

import base64
import hashlib
import io
import logging
import secrets
from dataclasses import dataclass
from email.errors import InvalidBase64LengthDefect

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Company, User
from welyb_portal.tenancy.models.user import normalize_email
from welyb_portal.tenancy.services.audit import audit_record

from ..models import Channel, Folder, InboundAddress, InboundEmail, InboundPolicy, InboundStatus
from ..models import InboundTarget as Target
from ..notices import deposit_notices
from .deposit import document_deposit
from .folders import folder_path_ensure
from .tree import annual_folder_name

logger = logging.getLogger(__name__)

A_CLASSER_FOLDER = "À classer"
# Where each target files by default: a path of names; None stands for this year's annual folder.
DEFAULT_PATHS = {
    Target.ACHATS: (None, "Achats"),
    Target.VENTES: (None, "Ventes"),
    Target.NDF: (None, "Notes de frais"),
    Target.A_CLASSER: (A_CLASSER_FOLDER,),
}


def _new_local_part(company: Company, target: str) -> str:
    """ "boulangerie-martin-achats-k3xq7m2p9d4t": readable, and 60 random bits no one guesses."""
    token = base64.b32encode(secrets.token_bytes(8)).decode().rstrip("=").lower()
    name = slugify(company.name)[:24].strip("-") or "entreprise"
    return f"{name}-{target}-{token}"[:64]


def inbound_addresses_ensure(*, company: Company) -> list[InboundAddress]:
    """The company's four addresses, created the first time they are asked for."""
    existing = {a.target: a for a in InboundAddress.objects.filter(company=company)}
    for target in Target.values:
        if target not in existing:
            try:
                with transaction.atomic():
                    existing[target] = InboundAddress.objects.create(
                        company=company, target=target, local_part=_new_local_part(company, target)
                    )
            except IntegrityError:
                existing[target] = InboundAddress.objects.get(company=company, target=target)
    return [existing[target] for target in Target.values]


def inbound_address_for_target(*, company: Company, target: str) -> InboundAddress | None:
    """The company's address for that target (None for a target that does not exist). The
    addresses are created the first time they are asked for, by whichever page or endpoint
    comes first: an action may come before anyone displayed them."""
    if target not in Target.values:
        return None
    return next(a for a in inbound_addresses_ensure(company=company) if a.target == target)


def inbound_email_of(local_part: str) -> str:
    return f"{local_part}@{settings.INBOUND_EMAIL_DOMAIN}"


def inbound_address_email(address: InboundAddress) -> str:
    return inbound_email_of(address.local_part)


def default_folder_path(target: str) -> list[str]:
    year = timezone.localdate().year
    return [annual_folder_name(year) if part is None else part for part in DEFAULT_PATHS[target]]


def inbound_folder(address: InboundAddress, *, create: bool = False) -> Folder | None:
    """Where the address files: the folder staff chose, else the target's default folder
    (this year's Achats, Ventes, Notes de frais; « À classer » at the root), created when
    `create` and missing."""
    if address.folder_id is not None and address.folder.trashed_at is None:
        return address.folder
    names = default_folder_path(address.target)
    if create:
        return folder_path_ensure(company=address.company, names=names, by=None)
    from ..selectors import folder_at_path

    return folder_at_path(company=address.company, names=names)


@transaction.atomic
def inbound_address_regenerate(*, address: InboundAddress, by: User) -> InboundAddress:
    """A new random address for the target; the old one stops working at once."""
    old = address.local_part
    address.local_part = _new_local_part(address.company, address.target)
    address.save(update_fields=["local_part", "updated_at"])
    audit_record(
        cabinet=address.company.cabinet,
        actor=by,
        action="inbound_address.regenerated",
        target=address.company,
        data={
            "target": address.target,
            "old": inbound_email_of(old),
            "new": inbound_address_email(address),
        },
    )
    return address


@transaction.atomic
def inbound_address_folder_set(
    *, address: InboundAddress, folder: Folder | None, by: User
) -> InboundAddress:
    """Points an address at a folder of its company (None: back to the default)."""
    if folder is not None and (folder.company_id != address.company_id or folder.trashed_at):
        raise ValidationError({"folder": [_("Dossier introuvable.")]})
    old = address.folder_id
    address.folder = folder
    address.save(update_fields=["folder", "updated_at"])
    audit_record(
        cabinet=address.company.cabinet,
        actor=by,
        action="inbound_address.folder_changed",
        target=address.company,
        data={"target": address.target, "old": old, "new": folder.pk if folder else None},
    )
    return address


def inbound_policy_of(company: Company) -> InboundPolicy:
    return InboundPolicy.objects.filter(company=company).first() or InboundPolicy(company=company)


def _clean_senders(lines: str) -> str:
    cleaned = []
    for number, raw in enumerate((lines or "").splitlines(), start=1):
        line = raw.strip().lower()
        if not line:
            continue
        _local, at, domain = line.rpartition("@")
        if not at or not domain or "." not in domain or " " in line or line.count("@") != 1:
            raise ValidationError(
                {
                    "allowed_senders": [
                        _(
                            "Ligne %(n)s : une adresse (compta@fournisseur.fr) ou un domaine "
                            "(@fournisseur.fr) par ligne."
                        )
                        % {"n": number}
                    ]
                }
            )
        cleaned.append(line)
    return "\n".join(dict.fromkeys(cleaned))


def inbound_policy_settings(policy: InboundPolicy) -> dict:
    """What staff set on a company's deposit addresses, as the settings form shows it."""
    return {
        "accept_anyone": policy.accept_anyone,
        "allowed_senders": policy.allowed_senders,
        "send_receipt": policy.send_receipt,
    }


@transaction.atomic
def inbound_policy_update(
    *, company: Company, accept_anyone: bool, allowed_senders: str, send_receipt: bool, by: User
) -> InboundPolicy:
    policy = inbound_policy_of(company)
    old = inbound_policy_settings(policy)
    policy.accept_anyone = accept_anyone
    policy.allowed_senders = _clean_senders(allowed_senders)
    policy.send_receipt = send_receipt
    policy.save()
    new = inbound_policy_settings(policy)
    if old != new:
        audit_record(
            cabinet=company.cabinet,
            actor=by,
            action="inbound_policy.changed",
            target=company,
            data={"old": old, "new": new},
        )
    return policy


# --- Receiving ---------------------------------------------------------------------------------


@dataclass
class Attachment:
    name: str
    content: bytes | None
    inline: bool
    error: str = ""


def _attachments(message) -> list[Attachment]:
    """The files of an email: its attachments and its inline parts that carry a file name
    (some mailers attach scans inline). Bodies (text/html) are not files."""
    found = []
    for part in message.walk():
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


def _recipients(message) -> list[str]:
    addresses = []
    if getattr(message, "envelope_recipient", None):
        addresses.append(message.envelope_recipient)
    for header in ("To", "Cc", "Delivered-To", "X-Original-To"):
        addresses.extend(a.addr_spec for a in message.get_address_header(header))
    return [normalize_email(a) for a in addresses if a]


def _sender(message) -> str:
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
    return (
        InboundAddress.objects.select_related("company__cabinet", "folder")
        .filter(local_part__in=local_parts)
        .first()
    )


def _depositor(company: Company, sender: str) -> User | None:
    """The user the sender is: a client of the company, or staff of its cabinet."""
    user = (
        User.objects.filter(cabinet_id=company.cabinet_id, email=sender, is_active=True)
        .prefetch_related("memberships")
        .first()
    )
    if user is None:
        return None
    if user.is_cabinet_staff or any(m.company_id == company.pk for m in user.memberships.all()):
        return user
    return None


def _sender_allowed(policy: InboundPolicy, sender: str, depositor: User | None) -> bool:
    if depositor is not None or policy.accept_anyone:
        return True
    domain = "@" + sender.rpartition("@")[2]
    return sender in policy.allowed_list or domain in policy.allowed_list


def _event_key(event_id: str | None, message) -> str:
    if event_id:
        return f"event:{event_id}"[:255]
    if message["Message-ID"]:
        return f"message-id:{message['Message-ID'].strip()}"[:255]
    return "sha256:" + hashlib.sha256(message.as_bytes()).hexdigest()


def inbound_email_receive(*, message, event_id: str | None = None, esp: str = "") -> InboundEmail:
    """Files the attachments of an email received on a deposit address, and records it.

    Refused and recorded (nothing deposited): an unknown or regenerated address; a sender who
    is neither a client of the company nor staff of its cabinet, unless staff allowed them or
    opened the address to everyone; no attachment; more than INBOUND_MAX_ATTACHMENTS files.
    Each file is then deposited on its own: one over the size limit is refused, the others go.
    Small inline images (signatures, logos) are ignored. The same event received twice is
    recorded and deposited once."""
    key = _event_key(event_id, message)
    existing = InboundEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    unreadable = "" if message.keys() else _("aucun en-tête, ce n'est pas un email")
    try:
        recipients, sender = _recipients(message), _sender(message)
    except Exception as error:
        # Addresses no parser makes sense of ("From: <<<@@@>>>"): anymail raises on them.
        recipients, sender = [], ""
        unreadable = unreadable or f"{type(error).__name__}: {error}"
    record = InboundEmail(
        key=key,
        esp=esp[:32],
        recipient=(recipients[0] if recipients else "")[:254],
        sender=sender[:254],
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
    try:
        return _file(record, message, recipients, sender)
    except Exception:
        # Recorded as refused, with the trace in the logs: the ESP gets its 200 all the same.
        logger.exception("inbound email %s could not be filed", record.pk)
        return _refuse(record, _("Erreur lors du classement : l'équipe technique est prévenue."))


def _file(record: InboundEmail, message, recipients: list[str], sender: str) -> InboundEmail:
    address = _address_for(recipients)
    if address is None:
        return _refuse(record, _("Adresse de dépôt inconnue (ou régénérée depuis)."))
    company = address.company
    record.company, record.address, record.recipient = (
        company,
        address,
        inbound_address_email(address),
    )
    depositor = _depositor(company, sender)
    policy = inbound_policy_of(company)
    if not _sender_allowed(policy, sender, depositor):
        return _refuse(
            record,
            _(
                "Expéditeur non autorisé : %(sender)s n'est ni client de l'entreprise ni membre du "
                "cabinet."
            )
            % {"sender": sender or _("(inconnu)")},
        )
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
            "size": len(f.content),
            "outcome": "ignored",
            "reason": _("Image intégrée au message (signature, logo)."),
        }
        for f in ignored
    ]
    if not files:
        return _refuse(record, _("Aucune pièce jointe à déposer."))
    if len(files) > settings.INBOUND_MAX_ATTACHMENTS:
        return _refuse(
            record,
            _("Trop de pièces jointes : %(n)s (%(max)s au plus par email).")
            % {"n": len(files), "max": settings.INBOUND_MAX_ATTACHMENTS},
        )
    folder = inbound_folder(address, create=True)
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
    if policy.send_receipt and deposited:
        from ..tasks import send_inbound_receipt

        transaction.on_commit(lambda: send_inbound_receipt.delay(record.pk))
    return record


def _refuse(record: InboundEmail, reason: str) -> InboundEmail:
    record.status = InboundStatus.REFUSED
    record.reason = reason
    record.save()
    logger.info("inbound email %s refused: %s", record.pk, reason)
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
