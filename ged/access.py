"""Folder and document ids from a request, looked up inside the user's cabinet and companies.
A foreign id, a missing one and (unless asked for) a trashed one are the same Http404."""

from django.http import Http404

from welyb_portal.tenancy.models import User

from .models import Document, Folder


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
        return folders.get(pk=int(folder_id))
    except (Folder.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def access_document(user: User, document_id, *, trashed: bool = False) -> Document:
    documents = _visible_to(user, Document.objects.select_related("company", "folder"), "company")
    if not trashed:
        documents = documents.filter(trashed_at__isnull=True)
    try:
        return documents.get(pk=int(document_id))
    except (Document.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
