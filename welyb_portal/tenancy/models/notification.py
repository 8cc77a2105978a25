from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .cabinet import Cabinet
from .user import User


class DigestStatus(models.TextChoices):
    PENDING = "pending", _("En préparation")
    SENDING = "sending", _("En cours d'envoi")
    RETRYING = "retrying", _("Nouvel essai prévu")
    SENT = "sent", _("Envoyé")
    SKIPPED = "skipped", _("Non envoyé")
    FAILED = "failed", _("Échec")


# A worker may claim these once they are due.
DIGEST_CLAIMABLE = (DigestStatus.PENDING, DigestStatus.RETRYING)
# An email went, or may have gone: the next digest of the person waits a window after it.
DIGEST_EMAILED = (DigestStatus.SENDING, DigestStatus.RETRYING, DigestStatus.SENT)


class NotificationDigest(models.Model):
    """One email that recaps a person's notifications: the outbox row of the digest.

    While `pending` it gathers the notifications created for its person, until `due_at`; a
    worker then claims it with a conditional update and sends it outside any transaction, with
    the Message-ID chosen here at creation (a resend after a crash is the same message). The
    row, not the broker, is the source of truth: a periodic sweep sends what nobody picked up.
    """

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="notification_digests",
        verbose_name=_("destinataire"),
    )
    status = models.CharField(
        _("statut"), max_length=16, choices=DigestStatus.choices, default=DigestStatus.PENDING
    )
    reason = models.TextField(_("motif"), blank=True)
    message_id = models.CharField(_("identifiant du message"), max_length=255)
    # When it may go: a short gathering after the first notification, and never sooner than
    # FAILURE_DIGEST_SECONDS after the previous email of the same person.
    due_at = models.DateTimeField(_("envoi prévu le"))
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("pris en charge le"))
    # When the sweep last handed it to the workers: it waits a sweep period before doing so again.
    swept_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("repris par le balayage le")
    )
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        verbose_name = _("récapitulatif de notifications")
        verbose_name_plural = _("récapitulatifs de notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # New notifications join the open digest of their person: there is one at most.
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status=DigestStatus.PENDING),
                name="one_pending_digest_per_user",
            )
        ]
        indexes = [models.Index(fields=["status", "due_at"], name="digest_due")]

    def __str__(self) -> str:
        return f"{self.user} {self.due_at:%Y-%m-%d %H:%M} ({self.status})"

    @staticmethod
    def window_minutes() -> int:
        """FAILURE_DIGEST_SECONDS in whole minutes (1 at least), as the emails and pages say."""
        return max(1, round(settings.FAILURE_DIGEST_SECONDS / 60))


class Notification(models.Model):
    """Something a member of the cabinet's staff should look at: a French sentence and a link.

    Unread until the person reads it or the thing it is about is resolved (`key` names that
    thing, "delivery:123", so that its resolution can retire it). Apps built on the core write
    them; the core knows nothing of what they are about."""

    cabinet = models.ForeignKey(Cabinet, on_delete=models.CASCADE, related_name="notifications")
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("destinataire")
    )
    kind = models.CharField(_("type"), max_length=64)
    text = models.TextField(_("texte"))
    # A path on the cabinet's host ("/reglages/..."): the email makes it absolute.
    url = models.CharField(_("lien"), max_length=2000)
    key = models.CharField(_("objet"), max_length=128, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)
    # The digest that carries it by email (none for a person who does not receive them).
    digest = models.ForeignKey(
        NotificationDigest,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("récapitulatif"),
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notification_user_date"),
            # The bell's count.
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
            models.Index(fields=["cabinet", "key"], name="notification_key"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.key}".strip()

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
