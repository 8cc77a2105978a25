"""The request as the portal's middleware and permissions leave it, for annotations only:
Django's and DRF's request classes know nothing of `cabinet`, nor that a view behind
`login_required` or an API permission serves a cabinet user."""

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpRequest
    from rest_framework.request import Request

    from .models import Cabinet, User

    class CabinetRequest(HttpRequest):
        """A page of a cabinet's host (CabinetHostMiddleware), for a visitor or a user of that
        cabinet (CabinetUserMiddleware)."""

        cabinet: Cabinet
        is_platform_request: bool
        user: User | AnonymousUser

    class CabinetAPIRequest(Request):
        """An API call on a cabinet's host by a cabinet user the view's permissions let in
        (DRF hands the underlying request's attributes on)."""

        cabinet: Cabinet
        user: User
