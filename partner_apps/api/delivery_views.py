"""The send history and « Envois à régler » in the API: deliveries, their summary, and the
actions « Renvoyer » and « Ignorer »."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ged.access import access_document
from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.api.permissions import IsCabinetStaff

from ..access import access_delivery
from ..models import Delivery, DeliveryStatus, ReasonCode
from ..selectors.attention import attention_summary
from ..selectors.deliveries import delivery_history, document_deliveries
from ..services.attention import delivery_dismiss, delivery_retry


class SentAsSerializer(serializers.Serializer):
    name = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    app = serializers.SlugField(source="app.slug", read_only=True)
    document = serializers.IntegerField(source="document_id", read_only=True)
    company = serializers.IntegerField(source="company_id", read_only=True)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, read_only=True)
    reason = serializers.CharField(
        source="reason_display",
        read_only=True,
        help_text="Une phrase en français pour le cabinet, avec l'heure du prochain essai.",
    )
    reason_code = serializers.ChoiceField(choices=[("", ""), *ReasonCode.choices], read_only=True)
    can_retry = serializers.BooleanField(read_only=True)
    needs_action = serializers.BooleanField(read_only=True)
    sent_as = SentAsSerializer(read_only=True, allow_null=True)
    target = serializers.CharField(read_only=True)
    attempts = serializers.IntegerField(read_only=True)
    message_id = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    dismissed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class DeliveryFilterSerializer(serializers.Serializer):
    """The filters of the send history, read from the query string."""

    status = serializers.ChoiceField(
        choices=DeliveryStatus.choices, required=False, allow_blank=True
    )
    app = serializers.SlugField(required=False, allow_blank=True)
    company = serializers.IntegerField(required=False, allow_null=True)
    needs_action = serializers.BooleanField(required=False, allow_null=True, default=None)


class CompanyCountSerializer(serializers.Serializer):
    company = serializers.IntegerField(read_only=True)
    needs_action = serializers.IntegerField(read_only=True)


class SummarySerializer(serializers.Serializer):
    needs_action = serializers.IntegerField(read_only=True)
    by_reason = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    by_company = CompanyCountSerializer(many=True, read_only=True)


def _row(delivery: Delivery) -> dict:
    """One delivery as the API shows it, read again with what `can_retry` needs."""
    fresh = (
        Delivery.objects.with_readiness()
        .select_related("document", "app", "company")
        .get(pk=delivery.pk)
    )
    return DeliverySerializer(fresh).data


class DocumentDeliveriesView(GenericAPIView):
    permission_classes = [IsCabinetStaff]
    serializer_class = DeliverySerializer
    pagination_class = None

    @extend_schema(responses={200: DeliverySerializer(many=True)})
    def get(self, request, document_id):
        document = access_document(request.user, document_id)
        return Response(DeliverySerializer(document_deliveries(document=document), many=True).data)


class DeliveryListView(GenericAPIView):
    """The cabinet's send history, newest first; `needs_action=true`: what waits on the
    cabinet (bounced, failed, or skipped, and not yet resolved)."""

    permission_classes = [IsCabinetStaff]
    serializer_class = DeliverySerializer

    @extend_schema(
        parameters=[DeliveryFilterSerializer], responses={200: DeliverySerializer(many=True)}
    )
    def get(self, request):
        filters = DeliveryFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        company_id = filters.validated_data.get("company")
        # A company of another cabinet is as unknown here as a missing one: the same 404.
        company = access_company(request.user, company_id) if company_id is not None else None
        deliveries = delivery_history(
            cabinet=request.cabinet,
            status=filters.validated_data.get("status", ""),
            app=filters.validated_data.get("app", ""),
            company=company,
            needs_action=filters.validated_data.get("needs_action"),
        )
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


class DeliverySummaryView(GenericAPIView):
    permission_classes = [IsCabinetStaff]
    serializer_class = SummarySerializer
    pagination_class = None

    @extend_schema(responses={200: SummarySerializer})
    def get(self, request):
        """How many deliveries need action, by reason code and by company."""
        summary = attention_summary(cabinet=request.cabinet)
        return Response(
            SummarySerializer(
                {
                    "needs_action": summary.needs_action,
                    "by_reason": summary.by_reason,
                    "by_company": [
                        {"company": company_id, "needs_action": count}
                        for company_id, _name, count in summary.by_company
                    ],
                }
            ).data
        )


class DeliveryRetryView(GenericAPIView):
    permission_classes = [IsCabinetStaff]
    serializer_class = DeliverySerializer

    @extend_schema(request=None, responses={200: DeliverySerializer})
    def post(self, request, delivery_id):
        """Re-queue a delivery whose `can_retry` is true (a skipped duplicate is then sent
        anyway, a planned retry brought forward); the answer is the row as it now is. 400 with
        the reason where a retry cannot succeed (a refused file, a company not authorised, a
        delivery on its way or done)."""
        delivery = access_delivery(request.user, delivery_id)
        delivery = delivery_retry(delivery=delivery, by=request.user)
        return Response(_row(delivery))


class DeliveryDismissView(GenericAPIView):
    permission_classes = [IsCabinetStaff]
    serializer_class = DeliverySerializer

    @extend_schema(request=None, responses={200: DeliverySerializer})
    def post(self, request, delivery_id):
        """Mark a delivery that needs action as handled: it leaves `needs_action` (audited).
        400 where it needs none."""
        delivery = access_delivery(request.user, delivery_id)
        delivery = delivery_dismiss(delivery=delivery, by=request.user)
        return Response(_row(delivery))
