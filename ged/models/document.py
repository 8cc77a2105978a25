from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from welyb_portal.tenancy.models import Cabinet, Company
from welyb_portal.tenancy.search import SearchableName

from .folder import Folder


class Channel(models.TextChoices):
    WEB = "web", _("Portail")
    API = "api", _("API")
    EMAIL = "email", _("Email")
    ADMIN = "admin", _("Support")


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("À traiter")
    VALIDATED = "validated", _("Validé")


class Document(SearchableName):
    """A file deposited in a folder. Only `document_deposit` creates one.

    `file` is a random storage key; `name` is the depositor's file name, cleaned, shown and used
    for downloads. `content_type` is sniffed from the bytes, not taken from the client."""

    # A company that holds documents cannot be deleted: the firm never loses a document.
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="documents", verbose_name=_("entreprise")
    )
    # Always the company's own (a company never changes cabinet), copied at the deposit: a
    # cabinet-wide search reads the cabinet's newest documents from `document_cabinet_date`
    # instead of the whole platform's (docs/benchmarks.md, « Platform scale »).
    cabinet = models.ForeignKey(
        Cabinet, on_delete=models.PROTECT, related_name="+", verbose_name=_("cabinet")
    )
    folder = models.ForeignKey(
        Folder, on_delete=models.RESTRICT, related_name="documents", verbose_name=_("dossier")
    )
    file = models.FileField(max_length=255, verbose_name=_("fichier"))
    name = models.CharField(_("nom"), max_length=255)
    extension = models.CharField(_("extension"), max_length=16, blank=True)
    size = models.BigIntegerField(_("taille"))
    sha256 = models.CharField(max_length=64, verbose_name=_("empreinte SHA-256"))
    content_type = models.CharField(_("type détecté"), max_length=100)
    channel = models.CharField(_("canal"), max_length=8, choices=Channel.choices)
    deposited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("déposé par"),
    )
    deposited_at = models.DateTimeField(_("déposé le"), default=timezone.now)
    status = models.CharField(
        _("statut"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    # The first live document of the company with the same bytes, when there was one.
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("doublon de"),
    )
    trashed_at = models.DateTimeField(_("mis à la corbeille le"), null=True, blank=True)
    trashed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mis à la corbeille par"),
    )
    trash_root = models.ForeignKey(
        Folder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mis à la corbeille avec"),
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-deposited_at", "-id"]
        indexes = [
            # A folder's page: its live documents newest first, and their count, from the
            # index alone (a folder of 22,000 documents: the count visited every row for its
            # `trashed_at`, 103 ms; docs/benchmarks.md, « Platform scale »).
            models.Index(
                fields=["folder", "-deposited_at", "-id"],
                condition=models.Q(trashed_at__isnull=True),
                name="document_folder_date",
            ),
            models.Index(fields=["folder", "name", "id"], name="document_folder_name"),
            models.Index(fields=["company", "sha256"], name="document_company_sha256"),
            # The dashboard's « Dernier dépôt » of every company.
            models.Index(fields=["company", "-deposited_at"], name="document_company_date"),
            # A cabinet-wide search reads the cabinet's newest live documents in order and
            # stops at its first matches, where a frequent word would make the trigram index
            # fetch and sort hundreds of thousands (the planner chooses per word).
            models.Index(
                fields=["cabinet", "-deposited_at", "-id"],
                condition=models.Q(trashed_at__isnull=True),
                name="document_cabinet_date",
            ),
            # A cabinet's documents in the trash, by id (2 % of them): a count of rows that
            # point at documents (the top bar's deliveries that need action) leaves out the
            # trashed ones from this small index instead of fetching each document.
            models.Index(
                fields=["cabinet", "id"],
                condition=models.Q(trashed_at__isnull=False),
                name="document_trashed",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.company_id is not None and self.cabinet_id != self.company.cabinet_id:
            raise ValidationError(
                {"cabinet": _("Un document appartient au cabinet de son entreprise.")}
            )
