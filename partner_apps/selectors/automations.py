import functools
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal, TypedDict, overload

from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from ged.models import Folder
from ged.selectors import folder_ancestors
from ged.services.tree import template_paths
from welyb_portal.tenancy.models import Cabinet

from ..connectors import connector_for
from ..models import AppKind, CompanyAuthorization, FolderAutomation, PartnerApp
from ..models.installation import app_installed, collection_address

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class Readiness(TypedDict):
    """What `effective_automations(readiness=True)` tells of each switch."""

    cabinet_id: int
    app_installed: bool
    # None when the company is not authorised.
    collection_address: str | None


@functools.cache
def _automations_with_readiness() -> QuerySet[FolderAutomation]:
    """Switches, each with its folder's cabinet (`cabinet_id`, for the deliveries planned from
    it), whether that cabinet installed its app and the company's collection address for it
    when authorised (else None).

    Built once per process: annotate() resolving the subqueries costs more than running the
    query. Shared safely by every call and thread: never evaluated, only refined (each copy
    has its own result cache), and independent of any request, setting or connection."""
    return FolderAutomation.objects.select_related("app").annotate(
        cabinet_id=F("folder__company__cabinet_id"),
        app_installed=app_installed(cabinet="folder__company__cabinet_id"),
        collection_address=collection_address(company="folder__company_id"),
    )


@overload
def effective_automations(
    *, folder: Folder, readiness: Literal[True]
) -> "list[WithAnnotations[FolderAutomation, Readiness]]": ...
@overload
def effective_automations(
    *, folder: Folder, readiness: Literal[False] = False
) -> list[FolderAutomation]: ...
def effective_automations(
    *, folder: Folder, readiness: bool = False
) -> "list[FolderAutomation] | list[WithAnnotations[FolderAutomation, Readiness]]":
    """The switches that are on for a folder: its own and its ancestors', nearest first.
    With `readiness`, each tells `cabinet_id`, `app_installed` and `collection_address` (None
    when the company is not authorised). One query, whatever the depth."""
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
    # When the switch that applies was turned on; None when it is off.
    activated_at: datetime | None
    available: bool
    reason: str
    warning: str = ""

    @property
    def locked(self) -> bool:
        return self.inherited_from is not None


def folder_automation_states(*, folder: Folder) -> list[AutomationState]:
    """One state per connector the cabinet installed: on (own or inherited), available only
    where the company is authorised. One query whatever the depth and number of apps: each app
    with its authorisation and its nearest switch on (two when the page has not read the
    folder's ancestors yet)."""
    company = folder.company
    chain = [*folder.ancestor_ids, folder.pk]
    # The switch on nearest the folder: the folder's own, else its parent's, and so on up.
    nearest = (
        FolderAutomation.objects.filter(app=OuterRef("pk"), folder_id__in=chain, enabled=True)
        .annotate(
            nearness=Case(
                *(When(folder_id=pk, then=Value(-depth)) for depth, pk in enumerate(chain)),
                output_field=IntegerField(),
            )
        )
        .order_by("nearness")
    )
    apps = list(
        PartnerApp.objects.filter(
            kind=AppKind.CONNECTOR, installations__cabinet_id=company.cabinet_id
        )
        .annotate(
            authorized=Exists(
                CompanyAuthorization.objects.effective().filter(company=company, app=OuterRef("pk"))
            ),
            switch_folder_id=Subquery(nearest.values("folder_id")[:1]),
            switch_activated_at=Subquery(nearest.values("activated_at")[:1]),
        )
        .order_by("position", "name")
    )
    if not apps:
        return []
    inherits = any(app.switch_folder_id not in (None, folder.pk) for app in apps)
    ancestors = {a.pk: a for a in folder_ancestors(folder=folder)} if inherits else {}
    states = []
    for app in apps:
        inherited = (
            ancestors.get(app.switch_folder_id)
            if app.switch_folder_id not in (None, folder.pk)
            else None
        )
        available = app.authorized
        enabled = app.switch_folder_id is not None
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
                activated_at=app.switch_activated_at,
                available=available,
                reason=""
                if available
                else _("L'entreprise n'est pas autorisée pour %(app)s.") % {"app": app.name},
                warning=warning,
            )
        )
    return states


def bulk_activation_paths(*, cabinet: Cabinet) -> list[str]:
    """The folders « Activer sur un dossier pour toutes les entreprises autorisées » may name:
    the cabinet's default tree, for this year and the last."""
    year = timezone.localdate().year
    return template_paths(cabinet, years=[year, year - 1])
