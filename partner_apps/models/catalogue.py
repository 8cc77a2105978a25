from django.db import models
from django.utils.translation import gettext_lazy as _


class AppKind(models.TextChoices):
    LINK = "link", _("Lien")
    CONNECTOR = "connector", _("Connecteur")


class PartnerApp(models.Model):
    """An app of the store, seeded by data migrations (one per partner).

    A link app puts a tile on the cabinet's home page; a connector links the GED to a partner's
    collection address and is never shown on the home page. `connector_key` names the connector
    code that a partner's module registers when Django starts."""

    slug = models.SlugField(_("identifiant"), max_length=64, unique=True)
    name = models.CharField(_("nom"), max_length=100)
    kind = models.CharField(_("type"), max_length=16, choices=AppKind.choices)
    visible_on_home = models.BooleanField(_("visible sur l'accueil"), default=False)
    connector_key = models.CharField(_("connecteur"), max_length=64, blank=True)
    description = models.TextField(_("description"))
    url = models.URLField(_("adresse"), blank=True)
    # The app whose installation offers to install this one too (Inqom for its connectors).
    companion_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="companions",
        verbose_name=_("installée avec"),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("application partenaire")
        verbose_name_plural = _("applications partenaires")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_connector(self) -> bool:
        return self.kind == AppKind.CONNECTOR
