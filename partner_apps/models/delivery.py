from django.conf import settings
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ged.models import Document
from welyb_portal.tenancy.models import Cabinet, Company

from .catalogue import PartnerApp
from .installation import app_installed, collection_address, delivery_readiness


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    SENDING = "sending", _("En cours d'envoi")
    RETRYING = "retrying", _("Nouvel essai prévu")
    SENT = "sent", _("Envoyé")
    DELIVERED = "delivered", _("Reçu")
    BOUNCED = "bounced", _("Refusé par le destinataire")
    FAILED = "failed", _("Échec")
    SKIPPED = "skipped", _("Non envoyé")


class ReasonCode(models.TextChoices):
    """Why a delivery did not go, stable for programs (the API's `reason_code`); the French
    sentence for people is the delivery's `reason`."""

    FORMAT_NOT_ACCEPTED = "format_not_accepted", _("Format refusé")
    CONTENT_MISMATCH = "content_mismatch", _("Contenu différent de l'extension")
    TOO_LARGE = "too_large", _("Fichier trop volumineux")
    UNREADABLE_FILE = "unreadable_file", _("Fichier illisible")
    DUPLICATE = "duplicate", _("Doublon")
    NOT_AUTHORIZED = "not_authorized", _("Entreprise non autorisée")
    NOT_INSTALLED = "not_installed", _("Application désinstallée")
    BOUNCED = "bounced", _("Refusé par le destinataire")
    SEND_FAILED = "send_failed", _("Échec d'envoi")


# A worker may claim these; what is done stays done.
CLAIMABLE = (DeliveryStatus.PENDING, DeliveryStatus.RETRYING)
# The document reached the partner.
SUCCEEDED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
# The document did not reach the partner, and nothing will happen unless someone acts.
STOPPED = (DeliveryStatus.FAILED, DeliveryStatus.BOUNCED, DeliveryStatus.SKIPPED)
# Refusals of the file itself: sending it again cannot help, the depositor must send another.
FILE_REFUSALS = (
    ReasonCode.FORMAT_NOT_ACCEPTED,
    ReasonCode.CONTENT_MISMATCH,
    ReasonCode.TOO_LARGE,
    ReasonCode.UNREADABLE_FILE,
)
# Refusals that hold only until the cabinet authorises the company (or installs the app again).
READINESS_REFUSALS = (ReasonCode.NOT_AUTHORIZED, ReasonCode.NOT_INSTALLED)

# The send history's order: failures first, then what is still on its way or was not sent, then
# the rest. An index holds it (`delivery_cabinet_attention`): the query must use this very
# expression for PostgreSQL to read its first page in order instead of sorting a cabinet's all.
ATTENTION = Case(
    When(status__in=[DeliveryStatus.FAILED, DeliveryStatus.BOUNCED], then=Value(0)),
    When(status__in=[DeliveryStatus.RETRYING, DeliveryStatus.SKIPPED], then=Value(1)),
    default=Value(2),
    output_field=models.IntegerField(),
)


def _in_attention_order(owner: str, *, name: str) -> models.Index:
    """An owner's (cabinet's or company's) deliveries in the history's order, with the status
    and app its filters read."""
    return models.Index(
        F(owner),
        ATTENTION,
        F("created_at").desc(),
        F("id").desc(),
        F("status"),
        F("app"),
        name=name,
    )


# Stopped and not dismissed: the condition of the partial indexes that find what needs action.
STOPPED_UNDISMISSED = Q(status__in=STOPPED, dismissed_at__isnull=True)
# Waits on someone of the cabinet: stopped, not dismissed, its document still in the GED. A
# later success of the delivery (after « Renvoyer »), the document's trashing or a dismissal
# takes it out.
NEEDS_ACTION = STOPPED_UNDISMISSED & Q(document__trashed_at__isnull=True)


class DeliveryQuerySet(models.QuerySet):
    def needs_action(self) -> "DeliveryQuerySet":
        return self.filter(NEEDS_ACTION)

    def needs_action_of(self, *, cabinet: Cabinet) -> "DeliveryQuerySet":
        """The cabinet's rows of `needs_action()`, read on the partial index of its stopped
        deliveries (`delivery_cabinet_stopped`, in date order, their document, company and
        reason beside them): its trashed documents are left out by a NOT EXISTS on
        `document_trashed` (the cabinet's few documents in the trash; a delivery's document is
        of its cabinet) instead of a join that fetches each document for its `trashed_at`
        (2,044 document fetches for a cabinet, 13-25 ms for the top bar's count on every page;
        docs/benchmarks.md, « Platform scale »)."""
        trashed = Document.objects.filter(
            cabinet=cabinet, pk=OuterRef("document_id"), trashed_at__isnull=False
        )
        return self.filter(STOPPED_UNDISMISSED, cabinet=cabinet).exclude(Exists(trashed))

    def with_readiness(self) -> "DeliveryQuerySet":
        """Each with `app_installed` and `current_address` (the company's collection address
        for its app now, None when not authorised): what `can_retry` needs, in the same query.
        """
        return self.annotate(
            app_installed=app_installed(cabinet="cabinet_id"),
            current_address=collection_address(company="company_id"),
        )


class Delivery(models.Model):
    """The outbox: one document for one connector, at most once, with everything that happened.

    Written in the deposit's transaction; a worker claims it with a conditional update, sends
    it, and records the outcome. The row, not the broker, is the source of truth: a periodic
    sweep sends again what is due and was never picked up."""

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("document")
    )
    app = models.ForeignKey(
        PartnerApp,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("application"),
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("entreprise")
    )
    # The company's cabinet, kept on the row: a cabinet's history reads its own deliveries from
    # one index instead of each of its companies' (docs/benchmarks.md, « Platform scale »).
    # `delivery_cabinet_date` starts with it: an index of its own would repeat that one.
    cabinet = models.ForeignKey(
        Cabinet,
        on_delete=models.PROTECT,
        related_name="deliveries",
        verbose_name=_("cabinet"),
        db_index=False,
    )
    # The collection address when the delivery was planned (blank when there was none).
    target = models.CharField(_("destinataire"), max_length=254, blank=True)
    # The document's bytes, to find the same file already sent to the same address.
    sha256 = models.CharField(max_length=64, verbose_name=_("empreinte SHA-256"))
    status = models.CharField(
        _("statut"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    reason_code = models.CharField(
        _("code du motif"), max_length=32, choices=ReasonCode.choices, blank=True
    )
    # A plain French sentence for an accountant.
    reason = models.TextField(_("motif"), blank=True)
    # For a refusal of the file itself: what its depositor may deposit instead (no partner named).
    notice = models.TextField(_("conseil au déposant"), blank=True)
    # What the email layer said (SMTP 451, ConnectionRefusedError...), for support.
    detail = models.CharField(_("détail technique"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    # The worker process that claimed it last ("host:pid").
    claimed_by = models.CharField(_("pris en charge par"), max_length=128, blank=True)
    # When the sweep last handed it to the workers: it waits a sweep period before doing so again.
    swept_at = models.DateTimeField(_("relancé par le balayage le"), null=True, blank=True)
    message_id = models.CharField(_("identifiant du message"), max_length=255, blank=True)
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("doublon de"),
    )
    # What was attached when the portal converted the file ({"name", "content_type"}).
    sent_as = models.JSONField(_("envoyé sous la forme"), null=True, blank=True)
    # « Ignorer » on « Envois à régler »: handled, it no longer needs action.
    dismissed_at = models.DateTimeField(_("ignoré le"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("classé par"),
    )
    # « Prévenir le client »: when the depositor was last asked for another file.
    client_notified_at = models.DateTimeField(_("client prévenu le"), null=True, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("modifiée le"), auto_now=True)
    sent_at = models.DateTimeField(_("envoyée le"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

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
            # A cabinet's send history (failures first, filtered by app or not) and its chart:
            # each company's deliveries by date with their id, status and app, read from the
            # index alone (without them, a cabinet of 93,000 deliveries among a million made
            # PostgreSQL scan the whole table: 390 ms, against 53 ms; by app 300 ms, 38 ms).
            models.Index(
                fields=["company", "-created_at", "-id", "status", "app"],
                name="delivery_company_date",
            ),
            # The same for the whole cabinet: its history's counts and chart without a filter
            # on a company read one range of this index instead of one per company.
            models.Index(
                fields=["cabinet", "-created_at", "-id", "status", "app"],
                name="delivery_cabinet_date",
            ),
            # A cabinet's history page, failures first: its first rows read in order (0.5 ms
            # for the first page of 93,000 deliveries, against a sort of them all, 35-45 ms).
            _in_attention_order("cabinet", name="delivery_cabinet_attention"),
            # The same within one company (the page's company filter; 40,000 deliveries: 30 ms
            # of sorting before).
            _in_attention_order("company", name="delivery_company_attention"),
            models.Index(fields=["message_id"], name="delivery_message_id"),
            models.Index(fields=["company", "target", "sha256"], name="delivery_duplicates"),
            # « Envois à régler » and its counts read only the few stopped, undismissed rows.
            models.Index(
                fields=["company", "reason_code"],
                condition=STOPPED_UNDISMISSED,
                name="delivery_needs_action",
            ),
            # A cabinet's stopped, undismissed deliveries (`needs_action_of`): the top bar's
            # count on every page, « Envois à régler » and its groups, the API's list, from the
            # index alone, in date order, with what they are grouped and filtered by.
            models.Index(
                fields=["cabinet", "created_at", "id"],
                include=["document", "company", "reason_code"],
                condition=STOPPED_UNDISMISSED,
                name="delivery_cabinet_stopped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} → {self.app} ({self.status})"

    @property
    def needs_action(self) -> bool:
        return (
            self.status in STOPPED
            and self.dismissed_at is None
            and self.document.trashed_at is None
        )

    # Replaces the method Django (and its mypy plugin) makes for `status`'s choices.
    def get_status_display(self) -> str:  # type: ignore[no-redef]
        """Django's, without its cost: Django's builds a dict of the choices at each call,
        whose lazy labels are each translated to be hashed (8 translations for one label, a
        fifth of « Envois à régler »'s 140 rows' rendering)."""
        if self.status in DeliveryStatus.values:
            return str(DeliveryStatus(self.status).label)
        return self.status

    @property
    def reason_display(self) -> str:
        """The reason as people read it, with the next attempt's time while one is planned."""
        if self.status == DeliveryStatus.RETRYING and self.next_attempt_at is not None:
            when = timezone.localtime(self.next_attempt_at)
            then = gettext("Nouvel essai le %(day)s à %(time)s.") % {
                "day": f"{when:%d/%m/%Y}",
                "time": f"{when:%H:%M}",
            }
            return f"{self.reason} {then}".strip()
        return self.reason

    def _ready_now(self) -> bool:
        """Whether its app is installed and its company authorised now (annotated by
        `with_readiness()`, else asked)."""
        if not hasattr(self, "current_address"):
            self.app_installed, self.current_address = delivery_readiness(delivery=self)
        return bool(self.app_installed and self.current_address)

    @property
    def can_retry(self) -> bool:
        """Whether « Renvoyer » can succeed now: never for a file the partner refuses, nor
        before the company is authorised; a planned retry may be brought forward."""
        if self.status == DeliveryStatus.RETRYING:
            return True
        if self.status not in STOPPED or self.reason_code in FILE_REFUSALS:
            return False
        return self._ready_now()
