"""Who may deposit by email for a company: its clients and its cabinet's staff, the senders
staff allowed, or anyone where staff opened the addresses; and whether a receipt goes back.
Whether the `From` address is really that person is ged/inbound_verdicts.py's question."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Company, User
from welyb_portal.tenancy.services.audit import audit_record

from ..models import InboundPolicy


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


def inbound_depositor(*, company: Company, sender: str) -> User | None:
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


def inbound_sender_allowed(*, policy: InboundPolicy, sender: str, depositor: User | None) -> bool:
    """A client of the company or staff of its cabinet, or a sender staff allowed (an address
    or a whole domain), or anyone where staff opened the addresses to everyone."""
    if depositor is not None or policy.accept_anyone:
        return True
    domain = "@" + sender.rpartition("@")[2]
    return sender in policy.allowed_list or domain in policy.allowed_list
