import functools
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from ged.models import Folder
from ged.selectors import folder_ancestors
from ged.services.tree import template_paths

from ..connectors import connector_for
from ..models import AppKind, CompanyAuthorization, FolderAutomation, PartnerApp
from .readiness import app_installed, collection_address


@functools.cache
def _automations_with_readiness():
    """Switches, each with whether the folder's cabinet installed its app and the company's
    collection address for it when authorised (else None). Built once per process: annotate()
    resolving the subqueries costs more than running the query; only ever refined (copied)."""
    return FolderAutomation.objects.select_related("app").annotate(
        app_installed=app_installed(cabinet="folder__company__cabinet_id"),
        collection_address=collection_address(company="folder__company_id"),
    )


def effective_automations(*, folder: Folder, readiness: bool = False) -> list[FolderAutomation]:
    """The switches that are on for a folder: its own and its ancestors', nearest first.
    With `readiness`, each tells `app_installed` and `collection_address` (None when the
    company is not authorised). One query, whatever the depth."""
    chain = [*folder.ancestor_ids, folder.pk]
    rank = {folder_id: position for position, folder_id in enumerate(reversed(chain))}
    switches = (
        _automations_with_readiness()
        if readiness
        else FolderAutomation.objects.select_related("app")
    )
    automations = switches.filter(folder_id__in=chain, enabled=True)
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
    where the company is authorised. Three queries whatever the depth and number of apps (two
    when the page already read the folder's ancestors)."""
    company = folder.company
    apps = list(
        PartnerApp.objects.filter(
            kind=AppKind.CONNECTOR, installations__cabinet_id=company.cabinet_id
        )
        .annotate(
            authorized=Exists(
                CompanyAuthorization.objects.effective().filter(company=company, app=OuterRef("pk"))
            )
        )
        .order_by("position", "name")
    )
    if not apps:
        return []
    nearest: dict[int, FolderAutomation] = {}
    for automation in effective_automations(folder=folder):
        nearest.setdefault(automation.app_id, automation)
    ancestors = {a.pk: a for a in folder_ancestors(folder=folder)} if nearest else {}
    states = []
    for app in apps:
        automation = nearest.get(app.pk)
        inherited = (
            ancestors.get(automation.folder_id)
            if automation is not None and automation.folder_id != folder.pk
            else None
        )
        available = app.authorized
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


def bulk_activation_paths(*, cabinet) -> list[str]:
    """The folders « Activer sur un dossier pour toutes les entreprises autorisées » may name:
    the cabinet's default tree, for this year and the last."""
    year = timezone.localdate().year
    return template_paths(cabinet, years=[year, year - 1])
