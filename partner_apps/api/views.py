from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.api.permissions import IsCabinetAdmin, IsCabinetStaff
from welyb_portal.tenancy.selectors import company_list_of_cabinet

from ..models import PartnerApp
from ..selectors import app_is_installed, authorization_rows, catalogue, partner_app_get
from ..services.authorizations import authorization_set
from ..services.store import app_install, app_uninstall
from .serializers import AuthorizationSerializer, PartnerAppSerializer


def _app_row(request, slug) -> PartnerApp:
    """The app with its `installed` flag for the request's cabinet."""
    try:
        return catalogue(cabinet=request.cabinet).get(slug=slug)
    except PartnerApp.DoesNotExist:
        raise Http404 from None


class AppListView(GenericAPIView):
    """The store's catalogue, with what the cabinet installed."""

    permission_classes = [IsCabinetStaff]
    serializer_class = PartnerAppSerializer

    @extend_schema(responses={200: PartnerAppSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(catalogue(cabinet=request.cabinet))
        return self.get_paginated_response(PartnerAppSerializer(page, many=True).data)


class AppInstallView(GenericAPIView):
    permission_classes = [IsCabinetAdmin]
    serializer_class = PartnerAppSerializer

    @extend_schema(request=None, responses={200: PartnerAppSerializer})
    def post(self, request, slug):
        app = partner_app_get(slug)
        app_install(cabinet=request.cabinet, app=app, by=request.user)
        return Response(PartnerAppSerializer(_app_row(request, slug)).data)


class AppUninstallView(GenericAPIView):
    permission_classes = [IsCabinetAdmin]
    serializer_class = PartnerAppSerializer

    @extend_schema(request=None, responses={200: PartnerAppSerializer})
    def post(self, request, slug):
        app = partner_app_get(slug)
        app_uninstall(cabinet=request.cabinet, app=app, by=request.user)
        return Response(PartnerAppSerializer(_app_row(request, slug)).data)


class AuthorizationListView(GenericAPIView):
    """One row per company of the cabinet for a connector: switch and collection address."""

    permission_classes = [IsCabinetStaff]
    serializer_class = AuthorizationSerializer

    @extend_schema(responses={200: AuthorizationSerializer(many=True)})
    def get(self, request, slug):
        app = partner_app_get(slug, connector=True)
        companies = company_list_of_cabinet(
            cabinet=request.cabinet, query=request.query_params.get("q")
        )
        page = self.paginate_queryset(companies)
        rows = authorization_rows(app=app, companies=companies if page is None else page)
        return self.get_paginated_response(
            [
                {
                    "company": row.company.pk,
                    "enabled": row.enabled,
                    "collection_email": row.collection_email,
                }
                for row in rows
            ]
        )


class AuthorizationView(GenericAPIView):
    permission_classes = [IsCabinetAdmin]
    serializer_class = AuthorizationSerializer

    def put(self, request, slug, company_id):
        """Authorise or revoke a connector for a company. 400 with the reason (wrong prefix for
        this app, wrong domain, malformed address, no address) and nothing saved."""
        app = partner_app_get(slug, connector=True)
        company = access_company(request.user, company_id)
        serializer = AuthorizationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not app_is_installed(cabinet=request.cabinet, app=app):
            raise ValidationError(
                _("Installez d'abord l'application « %(name)s ».") % {"name": app.name}
            )
        authorization = authorization_set(
            company=company, app=app, by=request.user, **serializer.validated_data
        )
        return Response(
            {
                "company": company.pk,
                "enabled": authorization.enabled,
                "collection_email": authorization.collection_email,
            }
        )
