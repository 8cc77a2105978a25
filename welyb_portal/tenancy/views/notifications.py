"""The « Notifications » page of the cabinet's staff: their own notifications, newest first, and
whether they receive the email digest. The bell of the top bar leads here."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ..access import access_notification
from ..forms import DigestPreferenceForm
from ..permissions import staff_required
from ..plurals import nplural
from ..selectors import notification_list
from ..services.notifications import digest_preference_set, notifications_mark_read

NOTIFICATIONS_PER_PAGE = 25


def _notifications_page(request, digest_form, status=200):
    page = Paginator(notification_list(user=request.user), NOTIFICATIONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "tenancy/notifications.html",
        {"page": page, "digest_form": digest_form},
        status=status,
    )


@staff_required
@require_GET
def notifications_page(request):
    return _notifications_page(request, DigestPreferenceForm(user=request.user))


@staff_required
@require_POST
def notification_open(request, notification_id):
    """Opening a notification marks it read and follows its link (a path of this host only)."""
    notification = access_notification(request.user, notification_id)
    notifications_mark_read(user=request.user, ids=[notification.pk])
    if url_has_allowed_host_and_scheme(
        notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(notification.url)
    return redirect("tenancy:notifications")


@staff_required
@require_POST
def notifications_read_all(request):
    count = notifications_mark_read(user=request.user, ids=None)
    if count:
        message = nplural(
            "%(count)s notification marquée comme lue.",
            "%(count)s notifications marquées comme lues.",
            count,
        ) % {"count": count}
    else:
        message = _("Aucune notification non lue.")
    messages.success(request, message)
    return redirect("tenancy:notifications")


@staff_required
@require_POST
def digest_preference_page(request):
    form = DigestPreferenceForm(request.POST, user=request.user)
    if not form.is_valid():
        return _notifications_page(request, form, status=400)
    digest_preference_set(user=request.user, receive=form.cleaned_data["receive"])
    messages.success(request, _("Préférence enregistrée."))
    return redirect("tenancy:notifications")
