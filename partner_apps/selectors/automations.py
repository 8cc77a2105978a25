from dataclasses import dataclass

from django.utils.translation import gettext as _

from ged.models import Folder
from ged.selectors import folder_ancestors

from ..connectors import connector_for
from ..models import AppKind, CabinetApp, CompanyAuthorization, FolderAutomation, PartnerApp


def apps_readiness(*, company, app_ids) -> dict[int, tuple[bool, str]]:
    """For each app: (installed by the company's cabinet, the company's collection address if
    authorised, else ""). Two small queries."""
    installed = set(
        CabinetApp.objects.filter(cabinet_id=company.cabinet_id, app_id__in=app_ids).values_list(
            "app_id", flat=True
        )
    )
    addresses = dict(
        CompanyAuthorization.objects.filter(company_id=company.pk, app_id__in=app_ids, enabled=True)
        .exclude(collection_email="")
        .values_list("app_id", "collection_email")
    )
    return {app_id: (app_id in installed, addresses.get(app_id, "")) for app_id in app_ids}


def effective_automations(*, folder: Folder) -> list[FolderAutomation]:
    """The switches that are on for a folder: its own and its ancestors', nearest first.
    One query, whatever the depth."""
    chain = [*folder.ancestor_ids, folder.pk]
    rank = {folder_id: position for position, folder_id in enumerate(reversed(chain))}
    automations = FolderAutomation.objects.filter(folder_id__in=chain, enabled=True).select_related(
        "app"
    )
    return sorted(automations, key=lambda a: rank[a.folder_id])


@dataclass
class AutomationState:
    """One connector's switch as staff see it on a folder."""

    app: PartnerApp
    enabled: bool
    # The ancestor whose switch applies here, when it is not the folder's own.
    inherited_from: Folder | None
    activated_at: object
    available: bool
    reason: str
    warning: str = ""

    @property
    def locked(self) -> bool:
        return self.inherited_from is not None


def folder_automation_states(*, folder: Folder) -> list[AutomationState]:
    """One state per connector the cabinet installed: on (own or inherited), available only
    where the company is authorised. Four queries whatever the depth and number of apps."""
    company = folder.company
    apps = list(
        PartnerApp.objects.filter(
            kind=AppKind.CONNECTOR, installations__cabinet_id=company.cabinet_id
        ).order_by("position", "name")
    )
    if not apps:
        return []
    nearest: dict[int, FolderAutomation] = {}
    for automation in effective_automations(folder=folder):
        nearest.setdefault(automation.app_id, automation)
    authorized = set(
        CompanyAuthorization.objects.filter(company=company, app__in=apps, enabled=True)
        .exclude(collection_email="")
        .values_list("app_id", flat=True)
    )
    ancestors = {a.pk: a for a in folder_ancestors(folder=folder)} if nearest else {}
    states = []
    for app in apps:
        automation = nearest.get(app.pk)
        inherited = (
            ancestors.get(automation.folder_id)
            if automation is not None and automation.folder_id != folder.pk
            else None
        )
        available = app.pk in authorized
        enabled = automation is not None
        warning = ""
        if enabled and inherited is None and not connector_for(app).folder_matches(folder.name):
            warning = _(
                "%(app)s est activée sur « %(folder)s » : le guide recommande de la réserver au "
                "dossier « %(family)s » du Dossier comptable annuel."
            ) % {"app": app.name, "folder": folder.name, "family": connector_for(app).folder_label}
        states.append(
            AutomationState(
                app=app,
                enabled=enabled,
                inherited_from=inherited,
                activated_at=automation.activated_at if automation else None,
                available=available,
                reason=""
                if available
                else _("L'entreprise n'est pas autorisée pour %(app)s.") % {"app": app.name},
                warning=warning,
            )
        )
    return states
