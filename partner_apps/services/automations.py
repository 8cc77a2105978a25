from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ged.models import Folder
from ged.names import folder_name_clean
from welyb_portal.tenancy.models import Cabinet, User
from welyb_portal.tenancy.services.audit import audit_record

from ..models import CabinetApp, CompanyAuthorization, FolderAutomation, PartnerApp
from ..selectors.automations import effective_automations


def _refusal_unless_available(*, folder: Folder, app: PartnerApp) -> None:
    if not app.is_connector:
        raise ValidationError(_("Cette application ne s'active pas sur un dossier."))
    if not CabinetApp.objects.filter(cabinet_id=folder.company.cabinet_id, app=app).exists():
        raise ValidationError(_("Installez d'abord l'application « %(app)s ».") % {"app": app.name})
    authorized = (
        CompanyAuthorization.objects.effective()
        .filter(company_id=folder.company_id, app=app)
        .exists()
    )
    if not authorized:
        raise ValidationError(
            _(
                "L'entreprise n'est pas autorisée pour %(app)s : autorisez-la avec son adresse "
                "de collecte dans Applications › %(app)s."
            )
            % {"app": app.name}
        )


@transaction.atomic
def automation_set(*, folder: Folder, app: PartnerApp, enabled: bool, by: User) -> FolderAutomation:
    """Turns a connector's switch on or off on a folder (and so on everything below it).

    From the moment it is on, every document deposited in the folder or below, or moved there,
    is sent; documents already there never are. Turning it on needs the company authorised for
    the connector. A switch inherited from an ancestor is changed on that ancestor: here it is
    refused, with the ancestor's name. Audited."""
    inherited = next(
        (
            a
            for a in effective_automations(folder=folder)
            if a.app_id == app.pk and a.folder_id != folder.pk
        ),
        None,
    )
    if inherited is not None:
        raise ValidationError(
            _("Activée sur « %(folder)s », dont ce dossier hérite : changez-la sur ce dossier-là.")
            % {"folder": inherited.folder.name}
        )
    if enabled:
        _refusal_unless_available(folder=folder, app=app)
    automation = FolderAutomation.objects.select_for_update().filter(folder=folder, app=app).first()
    if automation is None:
        if not enabled:
            # Never on here: nothing to switch off, nothing to write or to audit.
            return FolderAutomation(folder=folder, app=app, enabled=False)
        automation = FolderAutomation(folder=folder, app=app)
    elif automation.enabled == enabled:
        return automation
    was = automation.enabled
    automation.enabled = enabled
    if enabled:
        automation.activated_at = timezone.now()
        automation.activated_by = by
    automation.save()
    audit_record(
        cabinet=folder.company.cabinet,
        actor=by,
        action="automation.changed",
        target=folder,
        data={
            "app": app.slug,
            "company_id": folder.company_id,
            "folder_id": folder.pk,
            "old": {"enabled": was},
            "new": {"enabled": enabled},
        },
    )
    return automation


@dataclass
class BulkActivation:
    enabled: int = 0
    already: int = 0
    missing: int = 0


def _folders_at_path(*, company_ids: list[int], names: list[str]) -> dict[int, Folder]:
    """For each company, its live folder at that path of names (compared without case)."""
    candidates = list(
        Folder.objects.filter(
            company_id__in=company_ids, trashed_at__isnull=True, depth=len(names) - 1
        ).filter(name__iexact=names[-1])
    )
    by_id = Folder.objects.in_bulk({i for folder in candidates for i in folder.ancestor_ids})
    wanted = [n.casefold() for n in names]
    found: dict[int, Folder] = {}
    for folder in candidates:
        chain = [by_id.get(i) for i in folder.ancestor_ids] + [folder]
        live = [f for f in chain if f is not None and f.trashed_at is None]
        if len(live) == len(chain) and [f.name.casefold() for f in live] == wanted:
            found.setdefault(folder.company_id, folder)
    return found


@dataclass
class _BulkPlan:
    path: str
    # Each authorised company's folder at the path, where it has one.
    folders: list[Folder]
    already: list[Folder]
    missing: int


def _bulk_plan(*, cabinet: Cabinet, app: PartnerApp, path: str) -> _BulkPlan:
    """Which authorised companies have the folder at `path`, and on which it is on already.
    Refuses a path that names no folder of any authorised company: nothing to switch on."""
    try:
        names = [folder_name_clean(part) for part in (path or "").strip().strip("/").split("/")]
    except ValidationError as error:
        raise ValidationError({"path": error.message_dict.get("name", error.messages)}) from error
    if not CabinetApp.objects.filter(cabinet=cabinet, app=app).exists():
        raise ValidationError(_("Installez d'abord l'application « %(app)s ».") % {"app": app.name})
    company_ids = list(
        CompanyAuthorization.objects.effective()
        .filter(company__cabinet=cabinet, app=app)
        .values_list("company_id", flat=True)
    )
    folders = _folders_at_path(company_ids=company_ids, names=names)
    shown = "/".join(names)
    if not folders:
        raise ValidationError(
            {
                "path": _(
                    "Aucune entreprise autorisée pour %(app)s n'a de dossier « %(path)s » : "
                    "rien à activer."
                )
                % {"app": app.name, "path": shown}
            }
        )
    already = [
        folder
        for folder in folders.values()
        if any(a.app_id == app.pk for a in effective_automations(folder=folder))
    ]
    return _BulkPlan(
        path=shown,
        folders=list(folders.values()),
        already=already,
        missing=len(company_ids) - len(folders),
    )


def automation_bulk_preview(*, cabinet: Cabinet, app: PartnerApp, path: str) -> BulkActivation:
    """What `automation_bulk_enable` would do, written nowhere: how many authorised companies
    it would switch on, have it on already, or have no such folder."""
    plan = _bulk_plan(cabinet=cabinet, app=app, path=path)
    return BulkActivation(
        enabled=len(plan.folders) - len(plan.already),
        already=len(plan.already),
        missing=plan.missing,
    )


@transaction.atomic
def automation_bulk_enable(
    *, cabinet: Cabinet, app: PartnerApp, path: str, by: User
) -> BulkActivation:
    """Switches a connector on, in one action, on the folder at `path` ("Dossier comptable
    annuel 2026/Achats") of every company of the cabinet authorised for it; says how many were
    switched on, were on already, or have no such folder."""
    plan = _bulk_plan(cabinet=cabinet, app=app, path=path)
    result = BulkActivation(already=len(plan.already), missing=plan.missing)
    for folder in plan.folders:
        if folder not in plan.already:
            automation_set(folder=folder, app=app, enabled=True, by=by)
            result.enabled += 1
    return result
