from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Cabinet, User
from welyb_portal.tenancy.services.audit import audit_record

from ..models import CabinetApp, PartnerApp


@transaction.atomic
def app_install(
    *, cabinet: Cabinet, app: PartnerApp, by: User, with_companions: bool = False
) -> list[PartnerApp]:
    """Installs an app for the cabinet (and, when asked, the apps it offers with it: Inqom's
    four connectors); returns what was newly installed. Installing twice changes nothing."""
    apps = [app, *(app.companions.all() if with_companions else [])]
    installed = []
    for candidate in apps:
        _row, created = CabinetApp.objects.get_or_create(
            cabinet=cabinet, app=candidate, defaults={"installed_by": by}
        )
        if created:
            installed.append(candidate)
            audit_record(
                cabinet=cabinet,
                actor=by,
                action="app.installed",
                target=candidate,
                data={"app": candidate.slug},
            )
    return installed


@transaction.atomic
def app_uninstall(*, cabinet: Cabinet, app: PartnerApp, by: User) -> None:
    """Uninstalls an app: its authorisations stop working at once, and keep their addresses
    for the day it comes back."""
    deleted, _rows = CabinetApp.objects.filter(cabinet=cabinet, app=app).delete()
    if not deleted:
        raise ValidationError(_("Cette application n'est pas installée."))
    audit_record(
        cabinet=cabinet, actor=by, action="app.uninstalled", target=app, data={"app": app.slug}
    )
