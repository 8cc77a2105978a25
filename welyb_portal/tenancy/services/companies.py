from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import Cabinet, Company, User
from ..selectors import company_clients_with_other_companies
from ..signals import company_created
from ..validators import normalize_siren
from .audit import audit_record
from .tokens import api_tokens_revoke
from .users import user_active_set


def _company_validate(company: Company) -> None:
    """Field validators, then the per-cabinet SIREN uniqueness, reported on the "siren" field
    (the conditional UniqueConstraint alone would report it above the form)."""
    try:
        company.full_clean(exclude=["created_by"], validate_constraints=False)
    except ValidationError as error:
        errors = error.message_dict
    else:
        errors = {}
    if (
        company.siren
        and "siren" not in errors
        and Company.objects.filter(cabinet_id=company.cabinet_id, siren=company.siren)
        .exclude(pk=company.pk)
        .exists()
    ):
        errors["siren"] = [_("Une entreprise du cabinet porte déjà ce SIREN.")]
    if errors:
        raise ValidationError(errors)


def _company_save(company: Company, **kwargs: Any) -> None:
    try:
        company.save(**kwargs)
    except IntegrityError as error:
        # Two requests racing past full_clean with the same SIREN: the constraint decides.
        raise ValidationError(
            {"siren": [_("Une entreprise du cabinet porte déjà ce SIREN.")]}
        ) from error


@transaction.atomic
def company_create(*, cabinet: Cabinet, name: str, siren: str = "", by: User | None) -> Company:
    """Creates a company of the cabinet and announces it (the GED gives it its folder tree).

    Raises ValidationError with French field messages (empty name, SIREN whose key is wrong,
    SIREN already used in the cabinet); nothing is written then.
    """
    company = Company(cabinet=cabinet, name=(name or "").strip(), siren=normalize_siren(siren))
    _company_validate(company)
    company.created_by = by
    _company_save(company)
    audit_record(
        cabinet=cabinet,
        actor=by,
        action="company.created",
        target=company,
        data={"name": company.name, "siren": company.siren},
    )
    company_created.send(sender=Company, company=company, by=by)
    return company


@transaction.atomic
def company_update(*, company: Company, name: str, siren: str = "", by: User) -> Company:
    """Renames a company or corrects its SIREN; the audit trail keeps the old values."""
    old = {"name": company.name, "siren": company.siren}
    company.name = (name or "").strip()
    company.siren = normalize_siren(siren)
    try:
        _company_validate(company)
    except ValidationError:
        company.name, company.siren = old["name"], old["siren"]
        raise
    new = {"name": company.name, "siren": company.siren}
    if new != old:
        _company_save(company, update_fields=["name", "siren"])
        audit_record(
            cabinet=company.cabinet,
            actor=by,
            action="company.updated",
            target=company,
            data={"old": old, "new": new},
        )
    return company


@transaction.atomic
def company_remove(*, company: Company, by: User, data: dict) -> dict:
    """Deletes a company that leaves the cabinet, with its clients' access, and records
    `company.offboarded` (its name and SIREN, the cabinet's own trail, with `data`: what the
    apps built on the core deleted with it). Returns the entry's data.

    Clients of this company only are deactivated, their sessions end (an inactive account is
    anonymous at its next request) and their API tokens are deleted; clients of other
    companies too just lose this one. The rows of other apps that point at the company must be
    gone first: the GED's `company_offboard` deletes its documents, then calls this; a document
    left behind makes the deletion fail (PROTECT) and nothing is deleted.
    """
    clients = list(company_clients_with_other_companies(company=company))
    leaving = [client for client in clients if not client.has_other_companies]
    for client in leaving:
        # Audited one by one (`user.deactivated`), as when staff deactivate an account.
        user_active_set(user=client, active=False, by=by)
    api_tokens_revoke(users=leaving)
    entry = {
        "name": company.name,
        "siren": company.siren,
        **data,
        "clients_deactivated": len(leaving),
        "clients_kept": len(clients) - len(leaving),
    }
    audit_record(
        cabinet_id=company.cabinet_id,
        cabinet=None,
        actor=by,
        action="company.offboarded",
        target=company,
        data=entry,
    )
    company.delete()
    return entry
