"""What a locked login answers (django-axes' AXES_LOCKOUT_CALLABLE, and the two-factor code
page): the lock page on a cabinet's login (or the Django admin's on the platform's host), the
API's JSON error on the token endpoint. Whose failures count and when an address locks:
`throttling.py`."""

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from rest_framework import status

from ..services.logins import login_lock_message


def _retry_after(response):
    response["Retry-After"] = str(settings.LOGIN_LOCK_MINUTES * 60)
    return response


def login_locked(request):
    """The answer to a login on a locked address (a cabinet's login page, or the Django admin's
    on the platform's host), whether that address has an account or not."""
    return _retry_after(
        render(
            request,
            "tenancy/login_locked.html",
            {
                "message": login_lock_message(password_reset=request.cabinet is not None),
                "login_url": request.get_full_path(),
            },
            status=429,
        )
    )


def token_locked(request):
    """The token endpoint's answer for a locked address, in the API's error format: it replaces
    the view's own answer, once the response has left DRF."""
    return _retry_after(
        JsonResponse(
            {"detail": login_lock_message(password_reset=True)},
            status=status.HTTP_429_TOO_MANY_REQUESTS,
            json_dumps_params={"ensure_ascii": False},
        )
    )


def login_lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the API's JSON error under /api/, the lock page elsewhere."""
    if request.path_info.startswith("/api/"):
        return token_locked(request)
    return login_locked(request)
