from django.conf import settings
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

    company = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        related_name="inbound_addresses",
        verbose_name=_("entreprise"),
    )
    target = models.CharField(_("cible"), max_length=16, choices=InboundTarget.choices)
    local_part = models.CharField(_("adresse"), max_length=64, unique=True)
    # Where staff chose to file this address's documents; empty: the target's default folder.
    folder = models.ForeignKey(
        Folder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dossier"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("modifiée le"))

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

    company = models.OneToOneField(
        Company,
        on_delete=models.CASCADE,
        related_name="inbound_policy",
        verbose_name=_("entreprise"),
    )
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
    # The sender is not authenticated: nothing is filed until staff accept or reject it.
    HELD = "held", _("En attente de validation")
    # The same message already came to the same address: nothing filed again.
    DUPLICATE = "duplicate", _("Doublon")


class InboundEmail(models.Model):
    """One email received on a deposit address: what was filed where, what was refused and
    why, whether its sender was authenticated. Its key (the ESP's event id on that address)
    makes a redelivered event a no-op; its message key (the Message-ID on that address) makes
    the same message sent again a recorded duplicate."""

    key = models.CharField(max_length=255, unique=True, verbose_name=_("clé"))
    # "<address id>:<Message-ID or the bytes' sha256>": the same message on the same address.
    message_key = models.CharField(
        max_length=255, blank=True, db_index=True, verbose_name=_("clé du message")
    )
    esp = models.CharField(max_length=32, blank=True, verbose_name=_("service d'email"))
    company = models.ForeignKey(
        Company,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inbound_emails",
        verbose_name=_("entreprise"),
    )
    address = models.ForeignKey(
        InboundAddress,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("adresse de dépôt"),
    )
    recipient = models.CharField(_("destinataire"), max_length=254, blank=True)
    sender = models.CharField(_("expéditeur"), max_length=254, blank=True)
    envelope_sender = models.CharField(_("expéditeur d'enveloppe"), max_length=254, blank=True)
    subject = models.CharField(_("objet"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True, db_index=True)
    status = models.CharField(_("résultat"), max_length=16, choices=InboundStatus.choices)
    reason = models.TextField(_("motif"), blank=True)
    # What the email service's verdicts prove of the sender (ged/inbound_verdicts.py):
    # {"authenticated", "method", "summary", "dmarc", "dkim", "spf"}.
    authentication = models.JSONField(_("authentification"), default=dict, blank=True)
    # [{"name", "size", "outcome": deposited|ignored|refused, "reason", "document", "folder",
    #   "notices"}]
    items = models.JSONField(default=list, blank=True, verbose_name=_("pièces jointes"))
    # A held email's raw message, in private storage until staff decide (then deleted).
    held_file = models.CharField(max_length=255, blank=True, verbose_name=_("message retenu"))
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("doublon de"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("décidé par"),
    )
    decided_at = models.DateTimeField(_("décidé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("email reçu")
        verbose_name_plural = _("emails reçus")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["company", "-received_at"], name="inbound_company_date"),
            models.Index(
                fields=["company"],
                condition=models.Q(status="held"),
                name="inbound_held",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender} → {self.recipient} ({self.status})"

    @property
    def documents(self) -> list[int]:
        """The documents it filed."""
        return [item["document"] for item in self.items if item.get("document")]
