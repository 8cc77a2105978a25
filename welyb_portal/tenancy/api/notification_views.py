"""The staff's own notifications, as the bell and the « Notifications » page show them."""

from typing import TYPE_CHECKING

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.views import APIView

from ..selectors import notification_list
from ..services.notifications import notifications_mark_read
from .permissions import IsCabinetStaff
from .serializers import (
    NotificationReadResultSerializer,
    NotificationReadSerializer,
    NotificationSerializer,
)

if TYPE_CHECKING:
    from ..http import CabinetAPIRequest


class NotificationListView(generics.ListAPIView):
    """The user's own notifications, newest first."""

    serializer_class = NotificationSerializer
    permission_classes = [IsCabinetStaff]
    request: "CabinetAPIRequest"

    def get_queryset(self):
        return notification_list(user=self.request.user)


class NotificationReadView(APIView):
    """Marks the user's notifications read: those of `ids`, or all of them."""

    permission_classes = [IsCabinetStaff]
    # A list of ids is JSON; a form would need a field per id.
    parser_classes = [JSONParser]

    @extend_schema(
        request=NotificationReadSerializer, responses={200: NotificationReadResultSerializer}
    )
    def post(self, request):
        serializer = NotificationReadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        count = notifications_mark_read(user=request.user, ids=serializer.validated_data.get("ids"))
        return Response({"read": count})
