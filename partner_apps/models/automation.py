from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ged.models import Folder

from .catalogue import PartnerApp


class FolderAutomation(models.Model):
    """A connector's switch on a folder ("Automatisations" of the folder toolbar).

    On, it applies to the folder and every folder below it, present or future. It never reaches
    back: documents already there when it was turned on are not sent."""

    folder = models.ForeignKey(
        Folder, on_delete=models.CASCADE, related_name="automations", verbose_name=_("dossier")
    )
    app = models.ForeignKey(
        PartnerApp,
        on_delete=models.PROTECT,
        related_name="automations",
        verbose_name=_("application"),
    )
    enabled = models.BooleanField(_("activée"), default=False)
    activated_at = models.DateTimeField(_("activée le"), null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("activée par"),
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    class Meta:
        verbose_name = _("automatisation de dossier")
        verbose_name_plural = _("automatisations de dossiers")
        constraints = [
            models.UniqueConstraint(fields=["folder", "app"], name="unique_folder_automation")
        ]
        indexes = [models.Index(fields=["folder", "enabled"], name="automation_folder_enabled")]

    def __str__(self) -> str:
        return f"{self.app} sur {self.folder}"
