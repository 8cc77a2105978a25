from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..search import SearchableName
from ..validators import validate_no_control_characters, validate_siren
from .cabinet import Cabinet


class Company(SearchableName):
    """A client company of a cabinet ("entreprise"); it owns a GED."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.PROTECT, related_name="companies")
    name = models.CharField(_("nom"), max_length=200, validators=[validate_no_control_characters])
    siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("créée par"),
    )

    class Meta:
        verbose_name = _("entreprise")
        verbose_name_plural = _("entreprises")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["cabinet", "name"], name="company_cabinet_name")]
        constraints = [
            models.UniqueConstraint(
                fields=["cabinet", "siren"],
                condition=~models.Q(siren=""),
                name="unique_siren_per_cabinet",
                violation_error_message=_("Une entreprise du cabinet porte déjà ce SIREN."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A client user's access to one company."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("utilisateur"),
    )
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("entreprise")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("créé le"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invité par"),
    )

    class Meta:
        verbose_name = _("accès client")
        verbose_name_plural = _("accès clients")
        constraints = [
            models.UniqueConstraint(fields=["user", "company"], name="unique_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.company}"
