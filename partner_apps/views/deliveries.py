from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.pagination import SortFirstPaginator
from welyb_portal.tenancy.permissions import staff_required
from welyb_portal.tenancy.selectors import company_list_of_cabinet

from ..access import access_delivery
from ..models import Delivery, DeliveryStatus
from ..models.delivery import SUCCEEDED
from ..selectors import installed_apps
from ..selectors.deliveries import delivery_daily_counts, delivery_history
from ..services.attention import delivery_retry
from .redirects import back_to

DELIVERIES_PER_PAGE = 50
CHART_HEIGHT = 120
STATUS_ORDER = [
    DeliveryStatus.DELIVERED,
    DeliveryStatus.SENT,
    DeliveryStatus.PENDING,
    DeliveryStatus.SENDING,
    DeliveryStatus.RETRYING,
    DeliveryStatus.SKIPPED,
    DeliveryStatus.BOUNCED,
    DeliveryStatus.FAILED,
]


# One bar's segment: a template loop over the 30 days' 200 segments, each number localised on
# its own, cost more than the rest of the chart (docs/benchmarks.md, « Platform scale »).
CHART_SEGMENT = (
    '<rect class="bar-{}" x="{}" y="{}" width="16" height="{}"><title>{} : {}</title></rect>'
)


def _chart(cabinet):
    """The last 30 days as stacked bars (heights in pixels), SVG rects for the template."""
    days = delivery_daily_counts(cabinet=cabinet)
    peak = max((d.total for d in days), default=0) or 1
    segments = []
    for index, day in enumerate(days):
        y = CHART_HEIGHT
        for status in STATUS_ORDER:
            count = day.counts.get(status, 0)
            if count:
                height = max(1, round(count * CHART_HEIGHT / peak))
                y -= height
                segments.append((status, index * 20 + 2, y, height, f"{day.day:%d/%m}", count))
    return {
        "rects": format_html_join("", CHART_SEGMENT, segments),
        "height": CHART_HEIGHT,
        "width": len(days) * 20,
        "peak": peak,
    }


@staff_required
@require_GET
def delivery_history_page(request):
    """ "Historique d'envoi": the cabinet's deliveries, failures first, with filters."""
    filters = {key: request.GET.get(key, "") for key in ("status", "app", "company")}
    # A company of another cabinet is as unknown here as a missing one: the same 404.
    company = access_company(request.user, filters["company"]) if filters["company"] else None
    filters["company"] = str(company.pk) if company else ""
    page = SortFirstPaginator(
        delivery_history(
            cabinet=request.cabinet,
            status=filters["status"],
            app=filters["app"],
            company=company,
            failures_first=True,
        ),
        DELIVERIES_PER_PAGE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "partner_apps/delivery_history.html",
        {
            "page": page,
            "filters": filters,
            "page_query": urlencode(filters),
            "statuses": DeliveryStatus.choices,
            "apps": installed_apps(cabinet=request.cabinet).filter(kind="connector"),
            "companies": company_list_of_cabinet(cabinet=request.cabinet).values_list("pk", "name"),
            "chart": _chart(request.cabinet),
            "legend": [(s, DeliveryStatus(s).label) for s in STATUS_ORDER],
        },
    )


def _retry_outcome(delivery: Delivery) -> tuple[int, str]:
    """What « Renvoyer » did, as the row now says: sent at once (no worker: the send ran when
    the retry committed), queued for a worker, or stopped again with its reason."""
    names = {"name": delivery.document.name, "app": delivery.app.name}
    if delivery.status in SUCCEEDED:
        return messages.SUCCESS, _("« %(name)s » est parti vers %(app)s.") % names
    if delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
        return messages.SUCCESS, _("« %(name)s » est en file d'envoi vers %(app)s.") % names
    return messages.ERROR, _("« %(name)s » n'est pas parti vers %(app)s : %(reason)s") % {
        **names,
        "reason": delivery.reason_display or delivery.get_status_display(),
    }


@staff_required
@require_POST
def delivery_retry_action(request, delivery_id):
    """« Renvoyer » (« Envoyer quand même » on a duplicate), from « Envois à régler », the
    history or a document's panel; back where it was pressed, saying the row's real status."""
    delivery = access_delivery(request.user, delivery_id)
    try:
        delivery_retry(delivery=delivery, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        delivery.refresh_from_db()
        messages.add_message(request, *_retry_outcome(delivery))
    return back_to(request, fallback="partner_apps:delivery-history")
