"""« Envois à régler »: the deliveries that wait on someone of the cabinet, grouped by what
fixes them, and their counts (top bar, home page, each company, the API's summary)."""

from dataclasses import dataclass, field

from django.db.models import Count, F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from welyb_portal.tenancy.models import Cabinet, Company

from ..models import Delivery, ReasonCode

# The groups of the page, in this order, with what the cabinet should know and do.
GROUPS = [
    (
        ReasonCode.SEND_FAILED,
        _("Échecs d'envoi"),
        _("Le message n'a pas pu partir malgré plusieurs essais. Renvoyez-le."),
    ),
    (
        ReasonCode.BOUNCED,
        _("Refusés par le destinataire"),
        _("Le destinataire a refusé le message. Vérifiez le réglage ci-dessous, puis renvoyez."),
    ),
    (
        ReasonCode.NOT_AUTHORIZED,
        _("Entreprises non autorisées"),
        _(
            "Le dossier est automatisé, mais l'entreprise n'est pas (ou plus) autorisée pour "
            "l'application. Autorisez-la avec son adresse de collecte, puis renvoyez."
        ),
    ),
    (
        ReasonCode.NOT_INSTALLED,
        _("Applications désinstallées"),
        _(
            "Le dossier est automatisé pour une application que le cabinet a désinstallée. "
            "Installez-la de nouveau pour envoyer ces documents, ou ignorez-les."
        ),
    ),
    (
        ReasonCode.DUPLICATE,
        _("Doublons"),
        _(
            "Le même fichier a déjà été envoyé à la même adresse. Envoyez-le quand même s'il "
            "s'agit d'un nouvel exemplaire voulu ; sinon, ignorez-le."
        ),
    ),
    (
        ReasonCode.FORMAT_NOT_ACCEPTED,
        _("Formats refusés"),
        _("Ce format ne peut pas être envoyé. Demandez au client un autre fichier."),
    ),
    (
        ReasonCode.CONTENT_MISMATCH,
        _("Contenus qui ne correspondent pas à l'extension"),
        _("Le fichier n'est pas ce que son nom annonce. Demandez au client un autre fichier."),
    ),
    (
        ReasonCode.TOO_LARGE,
        _("Fichiers trop volumineux"),
        _("Le fichier dépasse la taille acceptée. Demandez au client de le découper."),
    ),
    (
        ReasonCode.UNREADABLE_FILE,
        _("Fichiers illisibles"),
        _("Le fichier est endommagé ou illisible. Demandez au client une autre copie."),
    ),
]
# The page shows each group's oldest rows (they have waited longest), its count, and a link to
# the whole group page by page: an overview that stays short on a phone, and whose rendering
# stays within 100 ms for a cabinet with every group full (140 rows took 130 ms at p50).
GROUP_ROWS = 10


@dataclass
class ActionGroup:
    code: str
    title: str
    explanation: str
    count: int
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.deliveries)


@dataclass
class AttentionSummary:
    needs_action: int
    by_reason: dict[str, int]
    # (company id, company name, count), by name.
    by_company: list[tuple[int, str, int]]


def deliveries_needing_action(
    *, cabinet: Cabinet, company: Company | None = None, reason_code: str = ""
) -> QuerySet[Delivery]:
    """The cabinet's deliveries that need action, oldest first (they have waited longest),
    each with what its row shows and whether it can be sent again now."""
    deliveries = (
        Delivery.objects.needs_action_of(cabinet=cabinet)
        .with_readiness()
        .select_related("document__folder", "document__deposited_by", "app", "company")
    )
    if company is not None:
        deliveries = deliveries.filter(company=company)
    if reason_code:
        deliveries = deliveries.filter(reason_code=reason_code)
    return deliveries.order_by("created_at", "id")


def attention_summary(*, cabinet: Cabinet) -> AttentionSummary:
    """How many deliveries need action, by reason and by company. One query."""
    rows = (
        Delivery.objects.needs_action_of(cabinet=cabinet)
        .values("company_id", "company__name", "reason_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_reason: dict[str, int] = {}
    by_company: dict[tuple[int, str], int] = {}
    for row in rows:
        by_reason[row["reason_code"]] = by_reason.get(row["reason_code"], 0) + row["n"]
        company = (row["company_id"], row["company__name"])
        by_company[company] = by_company.get(company, 0) + row["n"]
    return AttentionSummary(
        needs_action=sum(by_reason.values()),
        by_reason=by_reason,
        by_company=sorted(
            ((pk, name, n) for (pk, name), n in by_company.items()),
            key=lambda entry: entry[1].casefold(),
        ),
    )


def deliveries_counted_for_action(*, cabinet: Cabinet) -> QuerySet[Delivery]:
    """What the top bar's badge « Envois à régler » counts: the cabinet's deliveries that need
    action (read on the partial index `delivery_cabinet_stopped` alone)."""
    return Delivery.objects.needs_action_of(cabinet=cabinet)


def attention_groups(*, cabinet: Cabinet, company: Company | None = None) -> list[ActionGroup]:
    """The page's groups that hold something, each with its first GROUP_ROWS deliveries. Two
    queries whatever the number of groups: each group's first ids with its count, then those
    rows with what they show."""
    firsts = (
        Delivery.objects.needs_action_of(cabinet=cabinet)
        .filter(**({"company": company} if company is not None else {}))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("reason_code"),
                order_by=[F("created_at").asc(), F("id").asc()],
            ),
            group_count=Window(Count("id"), partition_by=F("reason_code")),
        )
        .filter(rank__lte=GROUP_ROWS)
        .values_list("pk", "reason_code", "group_count")
    )
    counts: dict[str, int] = {}
    ids = []
    for pk, code, count in firsts:
        counts[code] = count
        ids.append(pk)
    rows: dict[str, list[Delivery]] = {}
    if ids:
        for delivery in deliveries_needing_action(cabinet=cabinet, company=company).filter(
            pk__in=ids
        ):
            rows.setdefault(delivery.reason_code, []).append(delivery)
    known = {code for code, _title, _explanation in GROUPS}
    # A code this page has no words for yet still shows, with its own label.
    others = [
        (code, ReasonCode(code).label if code in ReasonCode.values else _("Autres envois"), "")
        for code in counts
        if code not in known
    ]
    return [
        ActionGroup(
            code=code,
            title=str(title),
            explanation=str(explanation),
            count=counts[code],
            deliveries=rows.get(code, []),
        )
        for code, title, explanation in [*GROUPS, *others]
        if counts.get(code)
    ]
