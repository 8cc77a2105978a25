"""« Emails reçus » in the API: the emails received on the cabinet's deposit addresses, and the
decision on a held one (its sender not authenticated): accept or reject."""

from typing import ClassVar, Protocol

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from welyb_portal.tenancy.api.permissions import IsCabinetStaff
from welyb_portal.tenancy.models import User

from ..access import access_inbound_email
from ..models import InboundEmail
from ..selectors_inbound import STATUS_FILTERS, inbound_email_list
from ..services.inbound_receiving import inbound_email_accept, inbound_email_reject

# What the API says of each status: "filed" is an email that deposited its files, or some.
API_STATUS: dict[str, str] = {
    status: name for name, statuses in STATUS_FILTERS.items() for status in statuses
}


class AuthenticationSerializer(serializers.Serializer):
    authenticated = serializers.BooleanField(read_only=True)
    method = serializers.CharField(
        read_only=True, help_text="« dmarc », « dkim » ou « spf » ; vide quand rien ne l'a prouvé."
    )
    summary = serializers.CharField(read_only=True)
    dmarc = serializers.CharField(read_only=True)
    dkim = serializers.CharField(read_only=True)
    spf = serializers.CharField(read_only=True)


class InboundEmailSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    company = serializers.IntegerField(source="company_id", read_only=True, allow_null=True)
    address = serializers.CharField(source="recipient", read_only=True)
    sender = serializers.CharField(read_only=True)
    subject = serializers.CharField(read_only=True)
    received_at = serializers.DateTimeField(read_only=True)
    status = serializers.SerializerMethodField()
    reason = serializers.CharField(read_only=True)
    authentication = serializers.SerializerMethodField()
    documents = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    @extend_schema_field(serializers.ChoiceField(choices=sorted(STATUS_FILTERS)))
    def get_status(self, record: InboundEmail) -> str:
        return API_STATUS.get(record.status, record.status)

    @extend_schema_field(AuthenticationSerializer(allow_null=True))
    def get_authentication(self, record: InboundEmail) -> dict | None:
        """What the email service's verdicts prove of the sender; null where they were not
        read (an unknown address, a refused sender)."""
        return record.authentication or None


class InboundEmailFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=sorted(STATUS_FILTERS), required=False, allow_blank=True
    )


class InboundEmailListView(GenericAPIView):
    """The emails received on the cabinet's deposit addresses, newest first; `status`: filed,
    refused, held (the sender not authenticated, waiting for staff) or duplicate."""

    permission_classes = [IsCabinetStaff]
    serializer_class = InboundEmailSerializer

    @extend_schema(
        parameters=[InboundEmailFilterSerializer],
        responses={200: InboundEmailSerializer(many=True)},
    )
    def get(self, request):
        filters = InboundEmailFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        emails = inbound_email_list(
            cabinet=request.cabinet, status=filters.validated_data.get("status", "")
        )
        page = self.paginate_queryset(emails)
        return self.get_paginated_response(InboundEmailSerializer(page, many=True).data)


class _Decide(Protocol):
    def __call__(self, *, record: InboundEmail, by: User) -> InboundEmail: ...


class _DecisionView(GenericAPIView):
    permission_classes = [IsCabinetStaff]
    serializer_class = InboundEmailSerializer
    # The service each subclass names.
    decide: ClassVar[_Decide]

    @extend_schema(request=None, responses={200: InboundEmailSerializer})
    def post(self, request, inbound_email_id):
        record = access_inbound_email(request.user, inbound_email_id)
        record = type(self).decide(record=record, by=request.user)
        return Response(InboundEmailSerializer(record).data)


class InboundEmailAcceptView(_DecisionView):
    """Accept a held email: its attachments are filed as the sender's deposit (and go on as
    any deposit). 400 for an email that is not held."""

    decide = staticmethod(inbound_email_accept)


class InboundEmailRejectView(_DecisionView):
    """Reject a held email: nothing is filed. 400 for an email that is not held."""

    decide = staticmethod(inbound_email_reject)
