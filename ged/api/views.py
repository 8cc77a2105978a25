from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.api.pagination import CappedPageSchema, CappedPagination
from welyb_portal.tenancy.api.permissions import staff_only
from welyb_portal.tenancy.upload_handlers import upload_refusals

from ..access import access_document, access_folder
from ..models import Channel
from ..notices import deposit_notices
from ..selectors import document_list, document_search, folder_path_name, folder_tree
from ..services.deposit import document_deposit, document_too_large
from ..services.document_changes import document_move_check
from ..services.documents import document_move, document_rename, document_trash
from ..services.folders import folder_create
from ..views.files import document_file_response
from .serializers import (
    DepositSerializer,
    DocumentSerializer,
    DocumentUpdateSerializer,
    DocumentUploadSerializer,
    FolderSerializer,
    StaffDepositSerializer,
    StaffDocumentSerializer,
)


@dataclass
class FolderRow:
    id: int
    name: str
    parent_id: int | None
    path: str


def _document_serializer(request):
    return StaffDocumentSerializer if request.user.is_cabinet_staff else DocumentSerializer


class CompanyFoldersView(GenericAPIView):
    """Every folder of a company with its path of names; clients create subfolders, staff
    folders anywhere."""

    serializer_class = FolderSerializer

    @extend_schema(responses={200: FolderSerializer(many=True)})
    def get(self, request, company_id):
        company = access_company(request.user, company_id)
        rows = [
            FolderRow(node.folder.pk, node.folder.name, node.folder.parent_id, node.path)
            for node in folder_tree(company=company)
        ]
        # DRF pages any sequence; its stubs name querysets only.
        page: list[FolderRow] | None = self.paginate_queryset(rows)  # type: ignore[arg-type]
        return self.get_paginated_response(FolderSerializer(page, many=True).data)

    @extend_schema(request=FolderSerializer, responses={201: FolderSerializer})
    def post(self, request, company_id):
        company = access_company(request.user, company_id)
        serializer = FolderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent_id = serializer.validated_data.get("parent_id")
        if parent_id is None:
            staff_only(request)
            parent = None
        else:
            try:
                parent = access_folder(request.user, parent_id)
            except Http404:
                parent = None
            if parent is None or parent.company_id != company.pk:
                raise ValidationError({"parent": [_("Dossier parent introuvable.")]})
        folder = folder_create(
            company=company,
            parent=parent,
            name=serializer.validated_data["name"],
            by=request.user,
        )
        row = FolderRow(folder.pk, folder.name, folder.parent_id, folder_path_name(folder=folder))
        return Response(FolderSerializer(row).data, status=status.HTTP_201_CREATED)


class FolderDocumentsView(GenericAPIView):
    """The documents of a folder (not of its subfolders), newest first; upload one with a
    multipart `file`."""

    serializer_class = DocumentSerializer

    @extend_schema(responses={200: DocumentSerializer(many=True)})
    def get(self, request, folder_id):
        folder = access_folder(request.user, folder_id)
        page = self.paginate_queryset(document_list(folder=folder))
        return self.get_paginated_response(_document_serializer(request)(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DepositSerializer},
    )
    def post(self, request, folder_id):
        folder = access_folder(request.user, folder_id)
        upload = DocumentUploadSerializer(data=request.data)
        if upload_refusals(request):
            # The file passed DOCUMENT_MAX_MB as it arrived: deleted, never given to the view.
            raise document_too_large()
        upload.is_valid(raise_exception=True)
        document = document_deposit(
            folder=folder,
            file=upload.validated_data["file"],
            by=request.user,
            channel=Channel.API,
        )
        # For the serializer's `notices`.
        document.notices = deposit_notices(document=document)  # type: ignore[attr-defined]
        serializer = StaffDepositSerializer if request.user.is_cabinet_staff else DepositSerializer
        return Response(serializer(document).data, status=status.HTTP_201_CREATED)


class DocumentSearchSerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=255,
        help_text="Une partie du nom, sans égard aux majuscules ni aux accents.",
    )
    company = serializers.IntegerField(
        required=False, min_value=1, help_text="Une seule entreprise (sinon toutes celles vues)."
    )


class DocumentSearchView(GenericAPIView):
    """The documents the user may see in every folder (for staff, of every company of the
    cabinet), whose name contains `search` without regard to case or accents (« lumiere »
    finds « Lumière »), newest first; `company` narrows to one."""

    serializer_class = DocumentSerializer
    pagination_class = CappedPagination
    schema = CappedPageSchema()

    @extend_schema(
        parameters=[DocumentSearchSerializer],
        responses={200: DocumentSerializer(many=True)},
    )
    def get(self, request):
        filters = DocumentSearchSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        company_id = filters.validated_data.get("company")
        company = access_company(request.user, company_id) if company_id else None
        documents = document_search(
            user=request.user, query=filters.validated_data.get("search", ""), company=company
        )
        page = self.paginate_queryset(documents)
        return self.get_paginated_response(_document_serializer(request)(page, many=True).data)


class DocumentView(GenericAPIView):
    serializer_class = DocumentSerializer

    def get(self, request, document_id):
        document = access_document(request.user, document_id)
        return Response(_document_serializer(request)(document).data)

    @extend_schema(request=DocumentUpdateSerializer, responses={200: DocumentSerializer})
    def patch(self, request, document_id):
        """Staff rename a document ({name}) or move it within its company ({folder}). A client
        renames one it deposited itself, while nothing of it was sent (else 403 with the
        reason); it never moves one (403)."""
        document = access_document(request.user, document_id)
        serializer = DocumentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        # One change: a refused name leaves the document where it was.
        with transaction.atomic():
            self._update(request, document, data)
        return Response(_document_serializer(request)(document).data)

    def _update(self, request, document, data):
        if "folder" in data:
            # A client is refused on its role, before the folder is looked up.
            document_move_check(by=request.user)
            try:
                target = access_folder(request.user, data["folder"])
            except Http404:
                raise ValidationError(
                    {"folder": [_("Dossier de destination introuvable.")]}
                ) from None
            document_move(document=document, folder=target, by=request.user)
        if "name" in data:
            document_rename(document=document, name=data["name"], by=request.user)

    def delete(self, request, document_id):
        """Send a document to the trash (staff restore it from the GED's trash page): staff any
        document, a client one it deposited itself while nothing of it was sent (else 403 with
        the reason)."""
        document = access_document(request.user, document_id)
        document_trash(document=document, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentDownloadView(GenericAPIView):
    # The file goes out with the type sniffed from its bytes, whatever it is.
    @extend_schema(
        responses={
            (200, "*/*"): OpenApiTypes.BINARY,
            302: OpenApiResponse(description=_lazy("Vers une URL signée de courte durée (S3).")),
        }
    )
    def get(self, request, document_id):
        return document_file_response(access_document(request.user, document_id))
