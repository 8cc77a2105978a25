from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class CabinetTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, valid on its own cabinet's host only (elsewhere 401)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        cabinet = getattr(request._request, "cabinet", None)
        if cabinet is None or user.cabinet_id != cabinet.pk:
            raise exceptions.AuthenticationFailed(_("Jeton invalide."))
        return user, token
