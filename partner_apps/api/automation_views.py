from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ged.access import access_document, access_folder
from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.api.errors import as_api_error
from welyb_portal.tenancy.api.permissions import IsCabinetStaff

from ..access import access_delivery
from ..models import DeliveryStatus
from ..selectors import partner_app_get
from ..selectors.automations import folder_automation_states
from ..selectors.deliveries import delivery_history, document_deliveries
from ..services.automations import automation_set
from ..services.deliveries import delivery_retry


class AutomationSerializer(serializers.Serializer):
    app = serializers.SlugField(source="app.slug", read_only=True)
    enabled = serializers.BooleanField()
    inherited_from = serializers.IntegerField(
        source="inherited_from.pk", read_only=True, allow_null=True, default=None
    )
    activated_at = serializers.DateTimeField(read_only=True, allow_null=True)
    available = serializers.BooleanField(read_only=True)
    reason = serializers.CharField(read_only=True)
    warning = serializers.CharField(read_only=True)


class AutomationWriteSerializer(serializers.Serializer):
    enabled = serializers.BooleanField()


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    app = serializers.SlugField(source="app.slug", read_only=True)
    document = serializers.IntegerField(source="document_id", read_only=True)
    company = serializers.IntegerField(source="company_id", read_only=True)
    status = serializers.CharField(read_only=True)
    reason = serializers.CharField(read_only=True)
    target = serializers.CharField(read_only=True)
    attempts = serializers.IntegerField(read_only=True)
    message_id = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)


class DeliveryFilterSerializer(serializers.Serializer):
    """The filters of the send history, read from the query string."""

    status = serializers.ChoiceField(
        choices=DeliveryStatus.choices, required=False, allow_blank=True
    )
    app = serializers.SlugField(required=False, allow_blank=True)
    company = serializers.IntegerField(required=False, allow_null=True)


def _folder_for_staff(request, folder_id):
    folder = access_folder(request.user, folder_id)
    return folder


class FolderAutomationListView(GenericAPIView):
    """One row per installed connector: its switch on this folder (own or inherited)."""

    permission_classes = [IsCabinetStaff]
    serializer_class = AutomationSerializer
    pagination_class = None

    @extend_schema(responses={200: AutomationSerializer(many=True)})
    def get(self, request, folder_id):
        folder = _folder_for_staff(request, folder_id)
        return Response(
            AutomationSerializer(folder_automation_states(folder=folder), many=True).data
        )


class FolderAutomationView(GenericAPIView):
    permission_classes = [IsCabinetStaff]
    serializer_class = AutomationWriteSerializer

    @extend_schema(request=AutomationWriteSerializer, responses={200: AutomationSerializer})
    def put(self, request, folder_id, slug):
        """Turn a connector on or off on a folder; 400 where it is not available (company not
        authorised, app not installed) or inherited from an ancestor."""
        folder = _folder_for_staff(request, folder_id)
        app = partner_app_get(slug, connector=True)
        serializer = AutomationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            automation_set(
                folder=folder,
                app=app,
                enabled=serializer.validated_data["enabled"],
                by=request.user,
            )
        except ValidationError as error:
            raise as_api_error(error) from error
        state = next((s for s in folder_automation_states(folder=folder) if s.app == app), None)
        if state is None:
            raise Http404
        return Response(AutomationSerializer(state).data)


class DocumentDeliveriesView(GenericAPIView):
    permission_classes = [IsCabinetStaff]
    serializer_class = DeliverySerializer
    pagination_class = None

    @extend_schema(responses={200: DeliverySerializer(many=True)})
    def get(self, request, document_id):
        document = access_document(request.user, document_id)
        return Response(DeliverySerializer(document_deliveries(document=document), many=True).data)


class DeliveryListView(GenericAPIView):
    """The cabinet's send history, newest first."""

    permission_classes = [IsCabinetStaff]
    serializer_class = DeliverySerializer

    @extend_schema(
        parameters=[DeliveryFilterSerializer], responses={200: DeliverySerializer(many=True)}
    )
    def get(self, request):
        filters = DeliveryFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        company = filters.validated_data.get("company")
        if company is not None:
            # A company of another cabinet is as unknown here as a missing one: the same 404.
            access_company(request.user, company)
        deliveries = delivery_history(
            cabinet=request.cabinet,
            status=filters.validated_data.get("status", ""),
            app=filters.validated_data.get("app", ""),
            company="" if company is None else str(company),
        )
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


class DeliveryRetryView(GenericAPIView):
    permission_classes = [IsCabinetStaff]
    serializer_class = DeliverySerializer

    @extend_schema(request=None, responses={200: DeliverySerializer})
    def post(self, request, delivery_id):
        """Re-queue a failed, bounced or skipped delivery (a skipped duplicate is then sent
        anyway); 400 for any other status."""
        delivery = access_delivery(request.user, delivery_id)
        try:
            delivery = delivery_retry(delivery=delivery, by=request.user)
        except ValidationError as error:
            raise as_api_error(error) from error
        delivery.refresh_from_db()
        return Response(DeliverySerializer(delivery).data)
