"""Folder and document ids from a request, looked up inside the user's cabinet and companies.
A foreign id, a missing one and (unless asked for) a trashed one are the same Http404."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _

from welyb_portal.tenancy.access import ExplainedNotFound, id_or_404
from welyb_portal.tenancy.models import User

from .models import Document, Folder, InboundEmail


def _visible_to(user: User, queryset, company_field: str):
    queryset = queryset.filter(**{f"{company_field}__cabinet_id": user.cabinet_id})
    if not user.is_cabinet_staff:
        queryset = queryset.filter(**{f"{company_field}__memberships__user": user})
    return queryset


def access_folder(user: User, folder_id, *, trashed: bool = False) -> Folder:
    """A folder the user may see, with its company and its parent: a folder of the default tree
    (« Dossier comptable annuel 2026/Achats ») then knows its whole path without another query
    (`folder_ancestors`)."""
    folders = _visible_to(user, Folder.objects.select_related("company", "parent"), "company")
    if not trashed:
        folders = folders.filter(trashed_at__isnull=True)
    try:
        return folders.get(pk=id_or_404(folder_id))
    except Folder.DoesNotExist:
        raise Http404 from None


def access_document(user: User, document_id, *, trashed: bool = False) -> Document:
    """A document the user may see. One they may see but in the trash is a 404 that says so
    (to staff, with the way to the company's trash; to clients, only that it is gone)."""
    documents = _visible_to(user, Document.objects.select_related("company", "folder"), "company")
    pk = id_or_404(document_id)
    try:
        document = documents.get(pk=pk)
    except Document.DoesNotExist:
        raise Http404 from None
    if document.trashed_at is not None and not trashed:
        raise _trashed(user, document)
    return document


def _trashed(user: User, document: Document) -> ExplainedNotFound:
    if not user.is_cabinet_staff:
        return ExplainedNotFound(_("Ce document n'est plus disponible."))
    return ExplainedNotFound(
        _("Ce document a été mis à la corbeille."),
        link_url=reverse("ged:trash", args=[document.company_id]),
        link_label=_("Ouvrir la corbeille"),
    )


def access_inbound_email(user: User, inbound_email_id) -> InboundEmail:
    """An email received on an address of the user's cabinet, for its staff only."""
    if not user.is_cabinet_staff:
        raise Http404
    try:
        return InboundEmail.objects.select_related("company__cabinet").get(
            pk=id_or_404(inbound_email_id), company__cabinet_id=user.member_cabinet_id
        )
    except InboundEmail.DoesNotExist:
        raise Http404 from None
