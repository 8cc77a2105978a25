from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from ..services.tokens import api_token_touch


class CabinetTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, valid on its own cabinet's host only (elsewhere 401), and
    until API_TOKEN_DAYS days pass without a call (then 401, and the token is gone)."""

    def authenticate_credentials(self, key):
        # DRF's lookup (its Token, as get_model() says), with the token's last use in the same
        # query.
        token = Token.objects.select_related("user", "activity").filter(key=key).first()
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Jeton invalide."))
        return token.user, token

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        cabinet = getattr(request._request, "cabinet", None)
        if cabinet is None or user.cabinet_id != cabinet.pk:
            raise exceptions.AuthenticationFailed(_("Jeton invalide."))
        if not api_token_touch(token=token):
            raise exceptions.AuthenticationFailed(
                _("Jeton expiré : demandez-en un nouveau avec votre email et votre mot de passe.")
            )
        return user, token
