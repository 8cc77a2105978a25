"""What a staff session (a cabinet's admins and collaborators) must keep to stay open: activity
within SESSION_IDLE_MINUTES. Clients' sessions are left as they are.

The middleware acts in `process_view`, once the URL is resolved, so that the cabinet's public
assets (its stylesheet and logo, which every page loads) neither count as activity nor cost a
look at the session. A staff session is marked active at login (`_mark_staff_session`), and the
activity is written at most once a minute: a page costs no query more than before.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.shortcuts import redirect, resolve_url
from django.utils.translation import ngettext
from django_htmx.http import HttpResponseClientRedirect

# When the staff session last served a page (Unix seconds).
LAST_ACTIVITY_KEY = "staff_last_activity"
# The activity is written when the stored one is older than this: not a session save a request.
ACTIVITY_WRITE_SECONDS = 60
# Public on every cabinet's host, the login page's too: never a sign of activity.
ASSET_VIEWS = {"tenancy:theme-css", "tenancy:logo"}


def _staff_member(request):
    """The signed-in staff member this request is for, or None (a visitor, a client, a page of
    the platform's own host, a public asset)."""
    if getattr(request, "cabinet", None) is None:
        return None
    if request.resolver_match.view_name in ASSET_VIEWS:
        return None
    user = request.user
    if not user.is_authenticated or not user.is_cabinet_staff:
        return None
    return user


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def _to_login(request):
    """Where a session that just ended goes. The API goes on, anonymous (401)."""
    if _is_api(request):
        return None
    login_url = resolve_url(settings.LOGIN_URL)
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(login_url)
    if request.method == "GET":
        return redirect_to_login(request.get_full_path())
    return redirect(login_url)


def _end_session(request, message: str):
    logout(request)
    messages.info(request, message)
    return _to_login(request)


@receiver(user_logged_in, dispatch_uid="tenancy.mark_staff_session")
def _mark_staff_session(sender, request, user, **kwargs):
    """A staff session starts active."""
    if request is None or not getattr(user, "is_cabinet_staff", False):
        return
    request.session[LAST_ACTIVITY_KEY] = int(time.time())


class IdleStaffSessionMiddleware:
    """Logs a staff member out after SESSION_IDLE_MINUTES without a request, and sends them to
    the login page with a word of why (and back to their page afterwards)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if _staff_member(request) is None:
            return None
        now = int(time.time())
        last = request.session.get(LAST_ACTIVITY_KEY)
        minutes = settings.SESSION_IDLE_MINUTES
        if last is not None and now - last > minutes * 60:
            return _end_session(
                request,
                ngettext(
                    "Votre session a expiré après %(minutes)d minute d'inactivité : "
                    "reconnectez-vous pour continuer.",
                    "Votre session a expiré après %(minutes)d minutes d'inactivité : "
                    "reconnectez-vous pour continuer.",
                    minutes,
                )
                % {"minutes": minutes},
            )
        if last is None or now - last >= ACTIVITY_WRITE_SECONDS:
            request.session[LAST_ACTIVITY_KEY] = now
        return None
