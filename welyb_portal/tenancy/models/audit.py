from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cabinet import Cabinet


class AuditEntry(models.Model):
    """Who changed which configuration of which cabinet, and when. Never edited."""

    cabinet = models.ForeignKey(
        Cabinet, on_delete=models.CASCADE, null=True, blank=True, related_name="audit_entries"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte de l'auteur"),
    )
    # Kept as written, so that the entry still names the actor once the account is gone.
    actor_email = models.CharField(_("auteur"), max_length=254, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("type d'objet"), max_length=64, blank=True)
    target_id = models.CharField(_("identifiant"), max_length=64, blank=True)
    target_label = models.CharField(_("objet"), max_length=255, blank=True)
    data = models.JSONField(_("détails"), default=dict, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("entrée du journal")
        verbose_name_plural = _("journal d'audit")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["cabinet", "-created_at"], name="audit_cabinet_date")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_email} {self.action}"
