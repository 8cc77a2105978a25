from typing import TYPE_CHECKING

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from ..access import access_company
from ..selectors import company_list, two_factor_applies
from ..services.companies import company_create
from ..services.tokens import api_token_obtain, api_token_revoke
from ..services.two_factor import two_factor_verify
from ..services.users import client_invite
from ..throttling import login_failure_record
from .authentication import CabinetTokenAuthentication
from .permissions import IsStaffOrReadOnly, staff_only
from .serializers import (
    ClientCreateSerializer,
    ClientSerializer,
    CompanySerializer,
    TokenRequestSerializer,
    TokenSerializer,
)

if TYPE_CHECKING:
    from ..http import CabinetAPIRequest


class TokenView(APIView):
    """Exchanges an email and a password for the API token of that account, on its cabinet's
    host only: the same key while it lives, a new one once it expired or was revoked; with
    the `otp` code too for staff under two-factor authentication."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                description=_(
                    "Identifiants invalides, ou code de double authentification (`otp`) "
                    "requis ou invalide."
                )
            ),
            429: OpenApiResponse(
                description=_(
                    "Trop de tentatives échouées pour cette adresse : elle est bloquée "
                    "quelques minutes (voir l'en-tête Retry-After)."
                )
            ),
        },
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            email=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        if user is None:
            return Response(
                {"detail": _("Identifiants invalides.")}, status=status.HTTP_400_BAD_REQUEST
            )
        if two_factor_applies(user=user):
            refusal = self._two_factor_refusal(request, user, serializer.validated_data)
            if refusal is not None:
                return refusal
        return Response({"token": api_token_obtain(user=user).key})

    @staticmethod
    def _two_factor_refusal(request, user, data) -> Response | None:
        """The 400 of a missing or wrong code (a wrong one counts as a failed login, towards
        the lock), or None when the code is right."""
        try:
            two_factor_verify(user=user, code=data.get("otp"))
        except ValidationError as error:
            messages = error.messages
            if error.code == "invalid":
                login_failure_record(request._request, email=data["email"])
            elif error.code == "not_enrolled":
                messages = [
                    _(
                        "Votre cabinet exige la double authentification : activez-la sur le "
                        "portail, dans « Sécurité du compte », avant de demander un jeton."
                    )
                ]
            return Response({"otp": messages}, status=status.HTTP_400_BAD_REQUEST)
        return None


class LogoutView(APIView):
    """Revokes the token the call is made with: the next call with it answers 401."""

    # The token is what this revokes: a browser session has none to give back.
    authentication_classes = [CabinetTokenAuthentication]

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description=_("Jeton révoqué."))},
    )
    def post(self, request):
        api_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CompanyListView(generics.ListCreateAPIView):
    """The companies the user may see; staff create them (with their default folder tree)."""

    serializer_class = CompanySerializer
    permission_classes = [IsStaffOrReadOnly]
    request: "CabinetAPIRequest"

    def get_queryset(self):
        return company_list(user=self.request.user, query=self.request.query_params.get("q", ""))

    def perform_create(self, serializer):
        serializer.instance = company_create(
            cabinet=self.request.cabinet, by=self.request.user, **serializer.validated_data
        )


class CompanyClientCreateView(APIView):
    """Gives a person access to a company as a client (an invitation email without password)."""

    @extend_schema(request=ClientCreateSerializer, responses={201: ClientSerializer})
    def post(self, request, company_id):
        # Looked up first: a company the user cannot see is a 404, whatever their role.
        company = access_company(request.user, company_id)
        staff_only(request)
        serializer = ClientCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        client = client_invite(company=company, by=request.user, **serializer.validated_data)
        return Response(ClientSerializer(client).data, status=status.HTTP_201_CREATED)
