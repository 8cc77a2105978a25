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
