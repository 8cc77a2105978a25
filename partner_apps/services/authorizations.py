from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Company, User
from welyb_portal.tenancy.services.audit import audit_record

from ..connectors import connector_for
from ..models import CabinetApp, CompanyAuthorization, PartnerApp


def _check_installed_connector(*, company: Company, app: PartnerApp) -> None:
    if not app.is_connector:
        raise ValidationError(_("Cette application ne se relie pas aux entreprises."))
    if not CabinetApp.objects.filter(cabinet_id=company.cabinet_id, app=app).exists():
        raise ValidationError(
            _("Installez d'abord l'application « %(name)s ».") % {"name": app.name}
        )


@transaction.atomic
def authorization_set(
    *, company: Company, app: PartnerApp, enabled: bool, collection_email: str, by: User
) -> CompanyAuthorization:
    """Authorises (or revokes) a connector for a company, with its collection address.

    The address is checked by the connector (for Inqom Achats: achat.<nom>@inqombox.com) and
    stored in lower case. Authorising without an address is refused; revoking keeps the
    address given. Refusals raise ValidationError on "collection_email" and save nothing.
    Each change goes to the audit trail with the old and the new values."""
    _check_installed_connector(company=company, app=app)
    address = (collection_email or "").strip()
    if address:
        try:
            address = connector_for(app).address_clean(address)
        except ValidationError as error:
            raise ValidationError({"collection_email": error.messages}) from error
    elif enabled:
        raise ValidationError(
            {
                "collection_email": [
                    _("Pour autoriser l'accès, indiquez l'adresse de collecte (%(example)s).")
                    % {"example": connector_for(app).address_example()}
                ]
            }
        )
    authorization = CompanyAuthorization.objects.select_for_update().filter(
        company=company, app=app
    ).first() or CompanyAuthorization(company=company, app=app)
    old = {"enabled": authorization.enabled, "collection_email": authorization.collection_email}
    new = {"enabled": bool(enabled), "collection_email": address}
    if old != new:
        authorization.enabled = new["enabled"]
        authorization.collection_email = address
        authorization.updated_by = by
        authorization.save()
        audit_record(
            cabinet=company.cabinet,
            actor=by,
            action="authorization.changed",
            target=company,
            data={"app": app.slug, "company_id": company.pk, "old": old, "new": new},
        )
    return authorization


@dataclass(frozen=True)
class AuthorizationChange:
    """One row of a page of authorisations: what was posted for a company."""

    company: Company
    enabled: bool
    collection_email: str


class AuthorizationsRefused(Exception):
    """A page of authorisations was refused and nothing of it saved: `errors` gives, for each
    refused company's id, why its row was refused (French)."""

    def __init__(self, errors: dict[int, list[str]]):
        super().__init__(errors)
        self.errors = errors


@transaction.atomic
def authorizations_set_many(
    *, app: PartnerApp, changes: Sequence[AuthorizationChange], by: User
) -> list[CompanyAuthorization]:
    """Saves a whole page of authorisations, all or nothing: each row as `authorization_set`
    saves it (checked, audited). When any row is refused, nothing at all is saved, and
    AuthorizationsRefused names every refused row with its reasons, not only the first. A
    company outside `by`'s cabinet is refused (ValidationError) before any row is saved."""
    if any(change.company.cabinet_id != by.cabinet_id for change in changes):
        raise ValidationError(_("Entreprise inconnue du cabinet."))
    errors: dict[int, list[str]] = {}
    authorizations = []
    for change in changes:
        try:
            # authorization_set is atomic, so a savepoint here: a refused row leaves the
            # others to be checked.
            authorizations.append(
                authorization_set(
                    company=change.company,
                    app=app,
                    enabled=change.enabled,
                    collection_email=change.collection_email,
                    by=by,
                )
            )
        except ValidationError as error:
            errors[change.company.pk] = error.messages
    if errors:
        # Raised out of the transaction: the rows saved so far, and their audit, roll back.
        raise AuthorizationsRefused(errors)
    return authorizations
