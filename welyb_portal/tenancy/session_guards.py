"""What a staff session (a cabinet's admins and collaborators) must keep to stay open: activity
within SESSION_IDLE_MINUTES, and the cabinet's two-factor rules. Clients' sessions are left
as they are.

Both middlewares act in `process_view`, once the URL is resolved, so that the cabinet's public
assets (its stylesheet and logo, which every page loads) neither count as activity nor cost a
look at the session. A staff session is marked at login (`_mark_staff_session`), so that a
page costs no query more than before: the activity is written at most once a minute, and
only a session verified by a code costs one query, django-otp's look-up of its device.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from .plurals import nplural
from .selectors import two_factor_enabled
from .two_factor import EXPECTS_CODE_KEY, session_expects_code

# When the staff session last served a page (Unix seconds).
LAST_ACTIVITY_KEY = "staff_last_activity"
# The activity is written when the stored one is older than this: not a session save a request.
ACTIVITY_WRITE_SECONDS = 60
# Public on every cabinet's host, the login page's too: never a sign of activity.
ASSET_VIEWS = {"tenancy:theme-css", "tenancy:logo"}
# What a staff member who must enrol may still open.
ENROLMENT_VIEWS = {"tenancy:two-factor-enable", "tenancy:logout"}


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
    """A staff session starts active, and knows whether a code must verify it: the person's
    authenticator app, when the code page logged them in, or a look-up (any other login)."""
    if request is None or not getattr(user, "is_cabinet_staff", False):
        return
    request.session[LAST_ACTIVITY_KEY] = int(time.time())
    verified_by = getattr(user, "otp_device", None)
    request.session[EXPECTS_CODE_KEY] = verified_by is not None or two_factor_enabled(user=user)


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
                nplural(
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


class TwoFactorMiddleware:
    """A staff session gets nothing before its two-factor code where one is due.

    - The person has an authenticator app but this session was not verified by a code (it
      opened some other way, or the app was replaced since): it ends, and the login asks for
      the code.
    - The cabinet requires two-factor authentication and the person has no app: every page
      leads to the enrolment (the API answers 403), logging out aside.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = _staff_member(request)
        if user is None or user.is_verified():
            return None
        reconnect = _(
            "Confirmez votre identité : reconnectez-vous avec le code de votre application "
            "d'authentification."
        )
        if session_expects_code(request, user):
            return _end_session(request, reconnect)
        if not request.cabinet.require_two_factor:
            return None
        if request.resolver_match.view_name in ENROLMENT_VIEWS:
            return None
        if two_factor_enabled(user=user):
            # Enrolled from another browser since this session opened.
            return _end_session(request, reconnect)
        return _to_enrolment(request)


def _to_enrolment(request):
    if _is_api(request):
        if "HTTP_AUTHORIZATION" in request.META:
            # A token authenticates this call, not the session.
            return None
        return JsonResponse(
            {
                "detail": _(
                    "Votre cabinet exige la double authentification : activez-la sur le "
                    "portail, dans « Sécurité du compte »."
                )
            },
            status=403,
            json_dumps_params={"ensure_ascii": False},
        )
    url = reverse("tenancy:two-factor-enable")
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return redirect(url)
