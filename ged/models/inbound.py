from django.db import models
from django.utils.translation import gettext_lazy as _

from welyb_portal.tenancy.models import Company

from .folder import Folder


class InboundTarget(models.TextChoices):
    ACHATS = "achats", _("Achats")
    VENTES = "ventes", _("Ventes")
    NDF = "ndf", _("Notes de frais")
    A_CLASSER = "a-classer", _("À classer")


class InboundAddress(models.Model):
    """A company's deposit-by-email address for one target (purchases, sales, expense
    reports, "À classer"). Its random part makes it impossible to guess; regenerating it
    makes the old one stop working at once."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="inbound_addresses")
    target = models.CharField(_("cible"), max_length=16, choices=InboundTarget.choices)
    local_part = models.CharField(_("adresse"), max_length=64, unique=True)
    # Where staff chose to file this address's documents; empty: the target's default folder.
    folder = models.ForeignKey(
        Folder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("adresse de dépôt par email")
        verbose_name_plural = _("adresses de dépôt par email")
        constraints = [
            models.UniqueConstraint(
                fields=["company", "target"], name="one_inbound_address_per_target"
            )
        ]

    def __str__(self) -> str:
        return self.local_part


class InboundPolicy(models.Model):
    """Who may deposit by email for a company, and whether senders get a receipt."""

    company = models.OneToOneField(Company, on_delete=models.CASCADE, related_name="inbound_policy")
    accept_anyone = models.BooleanField(_("ouvert à tous les expéditeurs"), default=False)
    # One address ("compta@fournisseur.fr") or domain ("@fournisseur.fr") per line.
    allowed_senders = models.TextField(_("expéditeurs autorisés"), blank=True)
    send_receipt = models.BooleanField(_("accusé de réception à l'expéditeur"), default=False)

    class Meta:
        verbose_name = _("règles de dépôt par email")
        verbose_name_plural = _("règles de dépôt par email")

    def __str__(self) -> str:
        return str(self.company)

    @property
    def allowed_list(self) -> list[str]:
        return [line.strip().lower() for line in self.allowed_senders.splitlines() if line.strip()]


class InboundStatus(models.TextChoices):
    DEPOSITED = "deposited", _("Déposé")
    PARTIAL = "partial", _("Déposé en partie")
    REFUSED = "refused", _("Refusé")


class InboundEmail(models.Model):
    """One email received on a deposit address: what was filed where, what was refused and
    why. Its key (the ESP's event id, else the Message-ID) makes a redelivered event a no-op."""

    key = models.CharField(max_length=255, unique=True)
    esp = models.CharField(max_length=32, blank=True)
    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="inbound_emails"
    )
    address = models.ForeignKey(
        InboundAddress, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipient = models.CharField(_("destinataire"), max_length=254, blank=True)
    sender = models.CharField(_("expéditeur"), max_length=254, blank=True)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True, db_index=True)
    status = models.CharField(_("résultat"), max_length=16, choices=InboundStatus.choices)
    reason = models.TextField(_("motif"), blank=True)
    # [{"name", "size", "outcome": deposited|ignored|refused, "reason", "document", "folder"}]
    items = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("email reçu")
        verbose_name_plural = _("emails reçus")
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["company", "-received_at"], name="inbound_company_date")]

    def __str__(self) -> str:
        return f"{self.sender} → {self.recipient} ({self.status})"
