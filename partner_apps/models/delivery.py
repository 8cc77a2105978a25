from django.db import models
from django.utils.translation import gettext_lazy as _

from ged.models import Document
from welyb_portal.tenancy.models import Company

from .catalogue import PartnerApp


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    SENDING = "sending", _("En cours d'envoi")
    RETRYING = "retrying", _("Nouvel essai prévu")
    SENT = "sent", _("Envoyé")
    DELIVERED = "delivered", _("Reçu")
    BOUNCED = "bounced", _("Refusé par le destinataire")
    FAILED = "failed", _("Échec")
    SKIPPED = "skipped", _("Non envoyé")


# A worker may claim these; what is done stays done.
CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
# The document reached the partner.
SUCCEEDED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
# Staff may send these again with "Renvoyer".
RETRYABLE = (DeliveryStatus.FAILED, DeliveryStatus.BOUNCED, DeliveryStatus.SKIPPED)


class Delivery(models.Model):
    """The outbox: one document for one connector, at most once, with everything that happened.

    Written in the deposit's transaction; a worker claims it with a conditional update, sends
    it, and records the outcome. The row, not the broker, is the source of truth: a periodic
    sweep sends again what is due and was never picked up."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="deliveries")
    app = models.ForeignKey(PartnerApp, on_delete=models.PROTECT, related_name="deliveries")
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="deliveries")
    # The collection address when the delivery was planned (blank when there was none).
    target = models.CharField(_("destinataire"), max_length=254, blank=True)
    # The document's bytes, to find the same file already sent to the same address.
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        _("statut"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    reason = models.TextField(_("motif"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # When the sweep last handed it to the workers: it waits a sweep period before doing so again.
    swept_at = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(_("identifiant du message"), max_length=255, blank=True)
    # Sent even if the same bytes already went to the same address ("Renvoyer" on a duplicate).
    force = models.BooleanField(default=False)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)

    class Meta:
        verbose_name = _("envoi")
        verbose_name_plural = _("envois")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "app"], name="one_delivery_per_document_app"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["company", "-created_at"], name="delivery_company_date"),
            models.Index(fields=["message_id"], name="delivery_message_id"),
            models.Index(fields=["company", "target", "sha256"], name="delivery_duplicates"),
        ]

    def __str__(self) -> str:
        return f"{self.document} → {self.app} ({self.status})"

    @property
    def can_retry(self) -> bool:
        return self.status in RETRYABLE
