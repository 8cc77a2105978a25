from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..validators import (
    validate_cabinet_slug,
    validate_domain,
    validate_hex_color,
    validate_no_control_characters,
)


def logo_upload_to(cabinet: "Cabinet", filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"cabinets/{cabinet.pk}/logo.{extension}"


class Cabinet(models.Model):
    """An accounting firm: a tenant, with its own host, colours, logo, staff and companies."""

    name = models.CharField(_("nom"), max_length=200, validators=[validate_no_control_characters])
    slug = models.CharField(
        _("sous-domaine"),
        max_length=63,
        unique=True,
        validators=[validate_cabinet_slug],
        error_messages={"unique": _("Ce sous-domaine est déjà pris.")},
    )
    is_active = models.BooleanField(_("actif"), default=True)
    primary_color = models.CharField(
        _("couleur principale"), max_length=7, default="#1f4e79", validators=[validate_hex_color]
    )
    accent_color = models.CharField(
        _("couleur d'accent"), max_length=7, default="#e39b17", validators=[validate_hex_color]
    )
    logo = models.ImageField(_("logo"), upload_to=logo_upload_to, blank=True)
    require_two_factor = models.BooleanField(
        _("exiger la double authentification"),
        default=False,
        help_text=_(
            "Chaque administrateur et collaborateur saisit un code à 6 chiffres en plus de son "
            "mot de passe, sur le portail comme pour obtenir un jeton d'API. Les clients ne "
            "sont pas concernés."
        ),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("cabinet")
        verbose_name_plural = _("cabinets")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def host(self) -> str:
        """The host its users are sent to: its primary custom domain, else its sub-domain."""
        primary = next((d.domain for d in self.domains.all() if d.is_primary), None)
        return primary or f"{self.slug}.{settings.PORTAL_DOMAIN}"

    def absolute_url(self, path: str) -> str:
        port = f":{settings.PORTAL_PORT}" if settings.PORTAL_PORT else ""
        return f"{settings.PORTAL_SCHEME}://{self.host}{port}{path}"


class CabinetDomain(models.Model):
    """A custom domain (portail.cabinet-dupont.fr) that also serves a cabinet."""

    cabinet = models.ForeignKey(
        Cabinet, on_delete=models.CASCADE, related_name="domains", verbose_name=_("cabinet")
    )
    domain = models.CharField(
        _("domaine"), max_length=253, unique=True, validators=[validate_domain]
    )
    is_primary = models.BooleanField(
        _("domaine principal"),
        default=False,
        help_text=_("Les liens envoyés par email pointent vers ce domaine (DNS et TLS prêts)."),
    )

    class Meta:
        verbose_name = _("domaine personnalisé")
        verbose_name_plural = _("domaines personnalisés")
        constraints = [
            models.UniqueConstraint(
                fields=["cabinet"],
                condition=models.Q(is_primary=True),
                name="one_primary_domain_per_cabinet",
            )
        ]

    def __str__(self) -> str:
        return self.domain

    def save(self, *args, **kwargs):
        self.domain = self.domain.lower().strip(".")
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        domain = (self.domain or "").lower().strip(".")
        portal = settings.PORTAL_DOMAIN
        if domain == portal or domain.endswith(f".{portal}"):
            raise ValidationError(
                {
                    "domain": _(
                        "Ce domaine appartient à la plateforme : indiquez un domaine propre au "
                        "cabinet."
                    )
                }
            )
