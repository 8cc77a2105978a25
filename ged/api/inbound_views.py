from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.api.permissions import staff_only

from ..models import InboundTarget
from ..selectors_inbound import inbound_address_row, inbound_address_rows
from ..services.inbound_addresses import inbound_address_for_target, inbound_address_regenerate


class InboundAddressSerializer(serializers.Serializer):
    target = serializers.ChoiceField(choices=InboundTarget.choices, source="address.target")
    address = serializers.EmailField(source="email")
    folder = serializers.IntegerField(source="folder.pk", allow_null=True, default=None)


class CompanyInboundAddressesView(GenericAPIView):
    """The company's deposit-by-email addresses, one per target, with the folder each files
    into (null while the default folder does not exist yet)."""

    serializer_class = InboundAddressSerializer
    pagination_class = None

    @extend_schema(responses={200: InboundAddressSerializer(many=True)})
    def get(self, request, company_id):
        company = access_company(request.user, company_id)
        return Response(
            InboundAddressSerializer(inbound_address_rows(company=company), many=True).data
        )


class InboundAddressRegenerateView(GenericAPIView):
    serializer_class = InboundAddressSerializer

    @extend_schema(request=None, responses={200: InboundAddressSerializer})
    def post(self, request, company_id, target):
        """A new address for that target; the old one stops working."""
        company = access_company(request.user, company_id)
        staff_only(request)
        address = inbound_address_for_target(company=company, target=target)
        if address is None:
            raise Http404
        address = inbound_address_regenerate(address=address, by=request.user)
        return Response(InboundAddressSerializer(inbound_address_row(address)).data)
