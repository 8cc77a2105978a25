from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from welyb_portal.tenancy.access import access_company
from welyb_portal.tenancy.pagination import CappedPaginator, SortFirstPaginator
from welyb_portal.tenancy.permissions import staff_required
from welyb_portal.tenancy.search import search_key
from welyb_portal.tenancy.selectors import company_list
from welyb_portal.tenancy.validators import search_text

from ..access import access_document, access_folder
from ..forms import DocumentMoveForm, DocumentNameForm, FolderMoveForm, FolderNameForm
from ..models import Document
from ..selectors import (
    DOCUMENT_SORTS,
    document_list,
    document_search,
    folder_ancestors,
    folder_children,
    folder_paths,
    folder_tree,
    trash_list,
    tree_children,
)
from ..selectors_inbound import inbound_address_rows
from ..services.document_changes import document_change_refusal, document_change_refusals
from ..uploads import UPLOAD_ACCEPT

DOCUMENTS_PER_PAGE = 50
SEARCH_RESULTS_PER_PAGE = 25


def _panels(setting: str, request, obj) -> list[str]:
    """What the apps built on the GED show on its pages (settings.GED_FOLDER_PANELS...)."""
    return [import_string(path)(request, obj) for path in getattr(settings, setting, [])]


def _with_notes(request, documents) -> list:
    """The documents of a page, each with `notes`: what the apps built on the GED have to say of
    it in the list (a document that did not reach its partner, and why), for staff."""
    documents = list(documents)
    notes: dict[int, list[str]] = {}
    for path in getattr(settings, "GED_DOCUMENT_NOTES", []):
        for document_id, note in import_string(path)(request, documents).items():
            notes.setdefault(document_id, []).append(note)
    for document in documents:
        document.notes = notes.get(document.pk, [])
    return documents


def _with_client_changes(request, documents: list) -> list:
    """Marks `client_may_change` on the documents a client may rename and trash from the list
    (staff manage documents from their page)."""
    refusals = document_change_refusals(documents=documents, by=request.user)
    for document in documents:
        document.client_may_change = (
            not request.user.is_cabinet_staff and document.pk not in refusals
        )
    return documents


def _ged_context(request, company, current=None):
    """What every GED page shows around its content: the tree and the company switcher."""
    return {
        "company": company,
        "tree": folder_tree(company=company),
        "current_folder": current,
        # Clients with several companies switch here; staff go through the companies list.
        "switchable_companies": None
        if request.user.is_cabinet_staff
        else list(company_list(user=request.user)),
        "upload_max_mb": settings.DOCUMENT_MAX_MB,
    }


@login_required
@require_GET
def company_switch(request):
    return redirect(
        "ged:company", company_id=access_company(request.user, request.GET.get("company")).pk
    )


@login_required
@require_GET
def company_page(request, company_id):
    company = access_company(request.user, company_id)
    context = _ged_context(request, company)
    context["children"] = folder_children(folder=None, company=company)
    context["inbound_rows"] = inbound_address_rows(company=company)
    return render(request, "ged/company.html", context)


@login_required
@require_GET
def folder_page(request, folder_id):
    folder = access_folder(request.user, folder_id)
    sort = request.GET.get("sort", "date")
    sort = sort if sort in DOCUMENT_SORTS else "date"
    query = search_text(request.GET.get("q"))
    page = SortFirstPaginator(
        document_list(folder=folder, sort=sort, query=query).select_related("duplicate_of"),
        DOCUMENTS_PER_PAGE,
    ).get_page(request.GET.get("page"))
    page.object_list = _with_client_changes(request, _with_notes(request, page.object_list))
    context = _ged_context(request, folder.company, current=folder)
    context.update(
        folder=folder,
        # The tree holds them: no query for either.
        ancestors=folder_ancestors(folder=folder, tree=context["tree"]),
        children=tree_children(tree=context["tree"], folder=folder),
        page=page,
        sort=sort,
        query=query,
        folder_panels=_panels("GED_FOLDER_PANELS", request, folder),
        upload_accept=UPLOAD_ACCEPT,
    )
    if request.user.is_cabinet_staff:
        context.update(
            rename_form=FolderNameForm(initial={"name": folder.name}),
            move_form=FolderMoveForm(
                nodes=context["tree"],
                folder=folder,
                initial={"parent": folder.parent_id or ""},
            ),
        )
    template = "ged/includes/documents.html" if request.htmx else "ged/folder.html"
    return render(request, template, context)


@login_required
@require_GET
def document_page(request, document_id):
    document = access_document(request.user, document_id)
    context = _ged_context(request, document.company, current=document.folder)
    context.update(
        document=document,
        ancestors=folder_ancestors(folder=document.folder),
        document_panels=_panels("GED_DOCUMENT_PANELS", request, document),
    )
    if not request.user.is_cabinet_staff and document.deposited_by_id == request.user.pk:
        # What its depositor may do of it, or why not any more.
        context["change_refusal"] = document_change_refusal(document=document, by=request.user)
        context["client_may_change"] = context["change_refusal"] is None
    if request.user.is_cabinet_staff:
        context.update(
            rename_form=DocumentNameForm(initial={"name": document.name}),
            move_form=DocumentMoveForm(
                nodes=context["tree"], initial={"folder": document.folder_id}
            ),
        )
    return render(request, "ged/document.html", context)


@staff_required
@require_GET
def trash_page(request, company_id):
    company = access_company(request.user, company_id)
    folders, documents = trash_list(company=company)
    context = _ged_context(request, company)
    context.update(
        trashed_folders=folders,
        trashed_documents=documents,
        retention_days=settings.TRASH_RETENTION_DAYS,
    )
    return render(request, "ged/trash.html", context)


@login_required
@require_GET
def search_page(request):
    """Documents found by name in every folder: of one company (`?entreprise=`, in its GED's
    frame), else of every company the user sees (the whole cabinet for staff)."""
    company = (
        access_company(request.user, request.GET["entreprise"])
        if request.GET.get("entreprise")
        else None
    )
    query = search_text(request.GET.get("q"))
    # An empty box searches nothing (the API's empty `search` lists everything).
    found = (
        document_search(user=request.user, query=query, company=company)
        if search_key(query)
        else Document.objects.none()
    )
    page = CappedPaginator(found, SEARCH_RESULTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = _with_notes(request, page.object_list)
    context = _ged_context(request, company) if company is not None else {}
    # Within one company, the tree of the page's frame names the folders: no query.
    paths = {node.folder.pk: node.path for node in context.get("tree", [])}
    unknown = {d.folder_id: d.folder for d in page.object_list if d.folder_id not in paths}
    paths.update(folder_paths(folders=unknown.values()))
    for document in page.object_list:
        document.folder_path = paths[document.folder_id]
    filters: dict[str, str | int] = {
        "q": query,
        **({"entreprise": company.pk} if company is not None else {}),
    }
    context.update(
        page=page, query=query, search_query=query, page_query=urlencode(filters), searched=company
    )
    return render(request, "ged/search.html" if company else "ged/search_all.html", context)
