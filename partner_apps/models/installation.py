from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from welyb_portal.tenancy.models import Cabinet, Company

from .catalogue import PartnerApp


class CabinetApp(models.Model):
    """An app a cabinet installed. Uninstalling deletes the row; the audit trail keeps who
    installed and uninstalled what, and when."""

    cabinet = models.ForeignKey(
        Cabinet, on_delete=models.CASCADE, related_name="installed_apps", verbose_name=_("cabinet")
    )
    app = models.ForeignKey(
        PartnerApp,
        on_delete=models.PROTECT,
        related_name="installations",
        verbose_name=_("application"),
    )
    installed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("installée par"),
    )
    installed_at = models.DateTimeField(_("installée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("application installée")
        verbose_name_plural = _("applications installées")
        constraints = [
            models.UniqueConstraint(fields=["cabinet", "app"], name="unique_cabinet_app")
        ]

    def __str__(self) -> str:
        return f"{self.app} ({self.cabinet})"


class CompanyAuthorizationQuerySet(models.QuerySet):
    def effective(self) -> "CompanyAuthorizationQuerySet":
        """Switched on, with an address: the authorisations a connector may send under (its
        app must also be installed by the company's cabinet, which these rows do not say)."""
        return self.filter(enabled=True).exclude(collection_email="")


class CompanyAuthorization(models.Model):
    """A connector's access to one company: the switch and the company's collection address.

    Effective only while the switch is on and the app installed: revoking or uninstalling stops
    it and keeps the address for later."""

    company = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        related_name="authorizations",
        verbose_name=_("entreprise"),
    )
    app = models.ForeignKey(
        PartnerApp,
        on_delete=models.PROTECT,
        related_name="authorizations",
        verbose_name=_("application"),
    )
    enabled = models.BooleanField(_("accès autorisé"), default=False)
    collection_email = models.CharField(_("adresse de collecte"), max_length=254, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("modifiée par"),
    )
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)

    objects = CompanyAuthorizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("autorisation d'entreprise")
        verbose_name_plural = _("autorisations d'entreprises")
        constraints = [
            models.UniqueConstraint(fields=["company", "app"], name="unique_company_authorization"),
            models.CheckConstraint(
                condition=~models.Q(enabled=True, collection_email=""),
                name="authorization_enabled_has_address",
            ),
        ]
        indexes = [models.Index(fields=["app", "enabled"], name="authorization_app_enabled")]

    def __str__(self) -> str:
        return f"{self.app} → {self.company}"


# Whether a connector can take a company's documents now, as expressions for other queries: its
# app installed by the company's cabinet, the company authorised with a collection address.
# `OuterRef` names are those of the outer query's fields. Beside the models they read, so that
# `Delivery` (and any selector) uses them without importing upwards.


def app_installed(*, cabinet: str, app: str = "app_id") -> Exists:
    """True when the cabinet (outer field `cabinet`) installed the app (outer field `app`)."""
    return Exists(CabinetApp.objects.filter(cabinet_id=OuterRef(cabinet), app_id=OuterRef(app)))


def collection_address(*, company: str, app: str = "app_id") -> Subquery:
    """The company's collection address for the app when it is authorised, else NULL."""
    return Subquery(
        CompanyAuthorization.objects.effective()
        .filter(company_id=OuterRef(company), app_id=OuterRef(app))
        .values("collection_email")[:1]
    )


def delivery_readiness(*, delivery) -> tuple[bool, str | None]:
    """(app installed, current collection address) for one delivery's company and app."""
    installed = CabinetApp.objects.filter(
        cabinet_id=delivery.company.cabinet_id, app_id=delivery.app_id
    ).exists()
    address = (
        CompanyAuthorization.objects.effective()
        .filter(company_id=delivery.company_id, app_id=delivery.app_id)
        .values_list("collection_email", flat=True)
        .first()
    )
    return installed, address
