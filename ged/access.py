"""Folder and document ids from a request, looked up inside the user's cabinet and companies.
A foreign id, a missing one and (unless asked for) a trashed one are the same Http404."""

from django.http import Http404

from welyb_portal.tenancy.access import id_or_404
from welyb_portal.tenancy.models import User

from .models import Document, Folder, InboundEmail


def _visible_to(user: User, queryset, company_field: str):
    queryset = queryset.filter(**{f"{company_field}__cabinet_id": user.cabinet_id})
    if not user.is_cabinet_staff:
        queryset = queryset.filter(**{f"{company_field}__memberships__user": user})
    return queryset


def access_folder(user: User, folder_id, *, trashed: bool = False) -> Folder:
    folders = _visible_to(user, Folder.objects.select_related("company"), "company")
    if not trashed:
        folders = folders.filter(trashed_at__isnull=True)
    try:
        return folders.get(pk=id_or_404(folder_id))
    except Folder.DoesNotExist:
        raise Http404 from None


def access_document(user: User, document_id, *, trashed: bool = False) -> Document:
    documents = _visible_to(user, Document.objects.select_related("company", "folder"), "company")
    if not trashed:
        documents = documents.filter(trashed_at__isnull=True)
    try:
        return documents.get(pk=id_or_404(document_id))
    except Document.DoesNotExist:
        raise Http404 from None


def access_inbound_email(user: User, inbound_email_id) -> InboundEmail:
    """An email received on an address of the user's cabinet, for its staff only."""
    if not user.is_cabinet_staff:
        raise Http404
    try:
        return InboundEmail.objects.select_related("company__cabinet").get(
            pk=id_or_404(inbound_email_id), company__cabinet_id=user.cabinet_id
        )
    except InboundEmail.DoesNotExist:
        raise Http404 from None
