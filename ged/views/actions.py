"""The POST actions of the GED pages. Each checks access, calls one service, and goes back to
the page with a French message."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.permissions import staff_required

from ..access import access_document, access_folder
from ..forms import DocumentMoveForm, DocumentNameForm, FolderMoveForm, FolderNameForm
from ..selectors import folder_tree
from ..services.documents import document_move, document_rename, document_restore, document_trash
from ..services.folders import (
    folder_create,
    folder_move,
    folder_rename,
    folder_restore,
    folder_trash,
)


def _error(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _back_to(folder):
    return redirect("ged:folder", folder_id=folder.pk) if folder else None


@login_required
@require_POST
def folder_create_action(request, company_id):
    """Clients create subfolders; staff also create folders at the root."""
    company = access_company(request.user, company_id)
    parent_id = request.POST.get("parent")
    parent = access_folder(request.user, parent_id) if parent_id else None
    if parent is not None and parent.company_id != company.pk:
        raise Http404
    if parent is None and not request.user.is_cabinet_staff:
        raise PermissionDenied
    form = FolderNameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Donnez un nom au dossier."))
        return _back_to(parent) or redirect("ged:company", company_id=company.pk)
    try:
        folder = folder_create(
            company=company, parent=parent, name=form.cleaned_data["name"], by=request.user
        )
    except ValidationError as error:
        _error(request, error)
        return _back_to(parent) or redirect("ged:company", company_id=company.pk)
    messages.success(request, _("Dossier « %(name)s » créé.") % {"name": folder.name})
    return redirect("ged:folder", folder_id=folder.pk)


@staff_required
@require_POST
def folder_rename_action(request, folder_id):
    folder = access_folder(request.user, folder_id)
    form = FolderNameForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors["name"]))
        folder_rename(folder=folder, name=form.cleaned_data["name"], by=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("Dossier renommé."))
    return redirect("ged:folder", folder_id=folder.pk)


@staff_required
@require_POST
def folder_move_action(request, folder_id):
    folder = access_folder(request.user, folder_id)
    form = FolderMoveForm(request.POST, nodes=folder_tree(company=folder.company), folder=folder)
    try:
        if not form.is_valid():
            raise ValidationError(_("Dossier de destination introuvable."))
        parent_id = form.cleaned_data["parent"]
        parent = access_folder(request.user, parent_id) if parent_id else None
        folder_move(folder=folder, parent=parent, by=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("Dossier déplacé."))
    return redirect("ged:folder", folder_id=folder.pk)


@staff_required
@require_POST
def folder_trash_action(request, folder_id):
    folder = access_folder(request.user, folder_id)
    folder_trash(folder=folder, by=request.user)
    messages.success(
        request,
        _("« %(name)s » et son contenu sont dans la corbeille.") % {"name": folder.name},
    )
    return _back_to(folder.parent) or redirect("ged:company", company_id=folder.company_id)


@staff_required
@require_POST
def folder_restore_action(request, folder_id):
    folder = access_folder(request.user, folder_id, trashed=True)
    try:
        folder_restore(folder=folder, by=request.user)
    except ValidationError as error:
        _error(request, error)
        return redirect("ged:trash", company_id=folder.company_id)
    messages.success(request, _("« %(name)s » est restauré.") % {"name": folder.name})
    return redirect("ged:folder", folder_id=folder.pk)


def _back_from_document(request, document):
    """Where a document's action returns: the folder's list it was used from, else the
    document's page."""
    if request.POST.get("retour") == "dossier":
        return redirect("ged:folder", folder_id=document.folder_id)
    return redirect("ged:document", document_id=document.pk)


@login_required
@require_POST
def document_rename_action(request, document_id):
    """Staff rename any document; a client, one it deposited and nothing of which was sent."""
    document = access_document(request.user, document_id)
    form = DocumentNameForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors["name"]))
        document_rename(document=document, name=form.cleaned_data["name"], by=request.user)
    except ValidationError as error:
        _error(request, error)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("Document renommé."))
    return _back_from_document(request, document)


@staff_required
@require_POST
def document_move_action(request, document_id):
    document = access_document(request.user, document_id)
    form = DocumentMoveForm(request.POST, nodes=folder_tree(company=document.company))
    try:
        if not form.is_valid():
            raise ValidationError(_("Dossier de destination introuvable."))
        target = access_folder(request.user, form.cleaned_data["folder"])
        document_move(document=document, folder=target, by=request.user)
    except ValidationError as error:
        _error(request, error)
    else:
        messages.success(request, _("Document déplacé."))
    return redirect("ged:document", document_id=document.pk)


@login_required
@require_POST
def document_trash_action(request, document_id):
    """Staff trash any document; a client, one it deposited and nothing of which was sent."""
    document = access_document(request.user, document_id)
    try:
        document_trash(document=document, by=request.user)
    except PermissionDenied as refusal:
        messages.error(request, str(refusal))
        return _back_from_document(request, document)
    if request.user.is_cabinet_staff:
        done = _("« %(name)s » est dans la corbeille.")
    else:
        # Clients have no trash page: the cabinet restores.
        done = _("« %(name)s » est dans la corbeille : votre cabinet peut encore le restaurer.")
    messages.success(request, done % {"name": document.name})
    return redirect("ged:folder", folder_id=document.folder_id)


@staff_required
@require_POST
def document_restore_action(request, document_id):
    document = access_document(request.user, document_id, trashed=True)
    try:
        document_restore(document=document, by=request.user)
    except ValidationError as error:
        _error(request, error)
        return redirect("ged:trash", company_id=document.company_id)
    messages.success(request, _("« %(name)s » est restauré.") % {"name": document.name})
    return redirect("ged:folder", folder_id=document.folder_id)
