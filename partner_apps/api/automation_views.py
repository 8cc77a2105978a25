from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from ged.access import access_folder
from welyb_portal.tenancy.api.permissions import IsCabinetStaff

from ..selectors import partner_app_get
from ..selectors.automations import folder_automation_states
from ..services.automations import automation_set
from ..services.existing import existing_documents_send


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


class FolderAutomationListView(GenericAPIView):
    """One row per installed connector: its switch on this folder (own or inherited)."""

    permission_classes = [IsCabinetStaff]
    serializer_class = AutomationSerializer
    pagination_class = None

    @extend_schema(responses={200: AutomationSerializer(many=True)})
    def get(self, request, folder_id):
        folder = access_folder(request.user, folder_id)
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
        folder = access_folder(request.user, folder_id)
        app = partner_app_get(slug, connector=True)
        serializer = AutomationWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        automation_set(
            folder=folder,
            app=app,
            enabled=serializer.validated_data["enabled"],
            by=request.user,
        )
        state = next((s for s in folder_automation_states(folder=folder) if s.app == app), None)
        if state is None:
            raise Http404
        return Response(AutomationSerializer(state).data)


class SendExistingSerializer(serializers.Serializer):
    planned = serializers.IntegerField(read_only=True)


class FolderSendExistingView(GenericAPIView):
    permission_classes = [IsCabinetStaff]
    serializer_class = SendExistingSerializer

    @extend_schema(request=None, responses={200: SendExistingSerializer})
    def post(self, request, folder_id, slug):
        """Send the documents already in the folder and its subfolders that this connector
        never had, under the same rules as a deposit (refused formats and duplicates stay out);
        a second call plans 0. 400 where the switch is off here or the company not authorised.
        Switching on alone never sends them."""
        folder = access_folder(request.user, folder_id)
        app = partner_app_get(slug, connector=True)
        planned = existing_documents_send(folder=folder, app=app, by=request.user)
        return Response({"planned": planned})
