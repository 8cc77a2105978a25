from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from welyb_portal.tenancy.models import Cabinet, Company

DEFAULT_ANNUAL_SUBFOLDERS = ["Achats", "Ventes", "Notes de frais", "Banque", "Fiscal", "Social"]
DEFAULT_PERMANENT_FOLDERS = ["Administratif/Juridique", "Administratif/Contrats"]
ANNUAL_FOLDER_NAME = "Dossier comptable annuel {year}"


class Folder(models.Model):
    """A folder of a company's GED.

    `path` is the materialised path of ids, "/12/40/41/": the ancestors of a folder are the ids
    in its path, its descendants the folders whose path starts with its own (one query each).
    A trashed folder takes its content with it: every folder and document it held is marked
    with it as `trash_root`, so that restoring it brings back exactly what left with it.
    """

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="folders", verbose_name=_("entreprise")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("dossier parent"),
    )
    name = models.CharField(_("nom"), max_length=100)
    path = models.CharField(
        max_length=1000, editable=False, verbose_name=_("chemin (identifiants)")
    )
    depth = models.PositiveSmallIntegerField(
        default=0, editable=False, verbose_name=_("profondeur")
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créé par"),
    )
    trashed_at = models.DateTimeField(_("mis à la corbeille le"), null=True, blank=True)
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mis à la corbeille par"),
    )
    trash_root = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mis à la corbeille avec"),
    )
    # folder_ancestors' answer, kept on the object once read (ged/selectors.py).
    _ancestors: list["Folder"]

    class Meta:
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["company", "path"], name="folder_company_path")]
        constraints = [
            models.UniqueConstraint(
                "parent",
                Lower("name"),
                condition=models.Q(trashed_at__isnull=True, parent__isnull=False),
                name="unique_subfolder_name",
                violation_error_message=_("Un dossier porte déjà ce nom ici."),
            ),
            models.UniqueConstraint(
                "company",
                Lower("name"),
                condition=models.Q(trashed_at__isnull=True, parent__isnull=True),
                name="unique_root_folder_name",
                violation_error_message=_("Un dossier porte déjà ce nom ici."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to the parent."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]


class FolderTemplate(models.Model):
    """A cabinet's default tree, given to each new company and, for the annual part, each year.

    `annual_subfolders` go under "Dossier comptable annuel <year>"; `permanent_folders` are
    paths ("Administratif/Juridique") created once per company."""

    cabinet = models.OneToOneField(
        Cabinet, on_delete=models.CASCADE, related_name="folder_template"
    )
    annual_subfolders = models.JSONField(default=list, verbose_name=_("sous-dossiers annuels"))
    permanent_folders = models.JSONField(default=list, verbose_name=_("dossiers permanents"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("modifiée le"))

    class Meta:
        verbose_name = _("arborescence type")
        verbose_name_plural = _("arborescences types")

    def __str__(self) -> str:
        return str(self.cabinet)
