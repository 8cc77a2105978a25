from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Company, User

from ..models import Document, Folder
from ..names import folder_name_clean
from ..signals import documents_trashed, folder_moved

# A path of ids "/12/40/41/" stays far below Folder.path's 1,000 characters.
MAX_DEPTH = 30


def sibling_named(
    *, company_id: int, parent: Folder | None, name: str, exclude: Folder | None = None
) -> Folder | None:
    """The live folder of that name (without regard to case) beside `parent`'s children.

    Compared in Python: SQLite's LIKE and LOWER() fold ASCII letters only ("IMPÔTS")."""
    siblings = Folder.objects.filter(company_id=company_id, parent=parent, trashed_at__isnull=True)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    wanted = name.casefold()
    return next((f for f in siblings.iterator() if f.name.casefold() == wanted), None)


def _name_taken(
    *, company_id: int, parent: Folder | None, name: str, exclude: Folder | None = None
) -> bool:
    return (
        sibling_named(company_id=company_id, parent=parent, name=name, exclude=exclude) is not None
    )


def _depth_refusal() -> ValidationError:
    return ValidationError(
        {"parent": [_("Trop de niveaux de dossiers (%(max)s au plus).") % {"max": MAX_DEPTH}]}
    )


def _name_refusal(name: str) -> ValidationError:
    return ValidationError(
        {"name": [_("Un dossier « %(name)s » existe déjà ici.") % {"name": name}]}
    )


def _check_parent(company_id: int, parent: Folder | None) -> None:
    if parent is not None and (parent.company_id != company_id or parent.trashed_at is not None):
        raise ValidationError({"parent": [_("Dossier parent introuvable.")]})


@transaction.atomic
def folder_create(*, company: Company, parent: Folder | None, name: str, by: User | None) -> Folder:
    """Creates a folder at the root of a company's GED or inside one of its folders.

    Refused (ValidationError): an empty name, one with "/" or control characters only, a name
    already used by a sibling (without regard to case), a parent of another company or in the
    trash."""
    name = folder_name_clean(name)
    _check_parent(company.pk, parent)
    if parent is not None and parent.depth + 1 >= MAX_DEPTH:
        raise _depth_refusal()
    if _name_taken(company_id=company.pk, parent=parent, name=name):
        raise _name_refusal(name)
    try:
        with transaction.atomic():
            folder = Folder.objects.create(
                company=company,
                parent=parent,
                name=name,
                depth=parent.depth + 1 if parent else 0,
                created_by=by if by is not None and by.pk else None,
            )
    except IntegrityError as error:
        raise _name_refusal(name) from error
    folder.path = f"{parent.path if parent else '/'}{folder.pk}/"
    folder.save(update_fields=["path"])
    return folder


def folder_path_ensure(*, company: Company, names: list[str], by: User | None) -> Folder:
    """The folder at a path of names from the root (at least one), created where missing."""
    parent: Folder | None = None
    for name in names:
        existing = sibling_named(company_id=company.pk, parent=parent, name=name)
        parent = existing or folder_create(company=company, parent=parent, name=name, by=by)
    if parent is None:
        raise ValueError("a folder's path names one folder at least")
    return parent


@transaction.atomic
def folder_rename(*, folder: Folder, name: str, by: User) -> Folder:
    name = folder_name_clean(name)
    if _name_taken(company_id=folder.company_id, parent=folder.parent, name=name, exclude=folder):
        raise _name_refusal(name)
    folder.name = name
    folder.save(update_fields=["name"])
    return folder


@transaction.atomic
def folder_move(*, folder: Folder, parent: Folder | None, by: User) -> Folder:
    """Moves a folder, with everything it holds, under another folder of the same company (or to
    the root). Announced with `folder_moved`."""
    _check_parent(folder.company_id, parent)
    if parent is not None and parent.path.startswith(folder.path):
        raise ValidationError(
            {
                "parent": [
                    _("Un dossier ne peut pas aller dans lui-même ni dans un de ses sous-dossiers.")
                ]
            }
        )
    if parent == folder.parent:
        return folder
    if _name_taken(company_id=folder.company_id, parent=parent, name=folder.name, exclude=folder):
        raise _name_refusal(folder.name)
    old_path, old_parent = folder.path, folder.parent
    new_path = f"{parent.path if parent else '/'}{folder.pk}/"
    depth_change = (parent.depth + 1 if parent else 0) - folder.depth
    subtree = Folder.objects.filter(company_id=folder.company_id, path__startswith=old_path)
    deepest = max(subtree.values_list("depth", flat=True))
    if deepest + depth_change >= MAX_DEPTH:
        raise _depth_refusal()
    subtree.update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + depth_change,
    )
    Folder.objects.filter(pk=folder.pk).update(parent=parent)
    folder.refresh_from_db()
    folder_moved.send(sender=Folder, folder=folder, from_parent=old_parent, by=by)
    return folder


@transaction.atomic
def folder_trash(*, folder: Folder, by: User) -> Folder:
    """Sends a folder to the trash with everything it holds (folders and documents), which all
    come back together with `folder_restore`."""
    if folder.trashed_at is not None:
        return folder
    now = timezone.now()
    subtree = Folder.objects.filter(company_id=folder.company_id, path__startswith=folder.path)
    documents = Document.objects.filter(
        folder__in=subtree.filter(trashed_at__isnull=True), trashed_at__isnull=True
    )
    document_ids = list(documents.values_list("pk", flat=True))
    Document.objects.filter(pk__in=document_ids).update(
        trashed_at=now, trashed_by=by, trash_root=folder
    )
    if document_ids:
        documents_trashed.send(
            sender=Document, company=folder.company, document_ids=document_ids, by=by
        )
    subtree.filter(trashed_at__isnull=True).update(trashed_at=now, trashed_by=by, trash_root=folder)
    folder.refresh_from_db()
    return folder


@transaction.atomic
def folder_restore(*, folder: Folder, by: User) -> Folder:
    """Brings a trashed folder back where it was, with what left with it."""
    if folder.trashed_at is None:
        return folder
    if folder.trash_root_id != folder.pk:
        raise ValidationError(
            _("Ce dossier est parti avec son dossier parent : restaurez le parent.")
        )
    if folder.parent is not None and folder.parent.trashed_at is not None:
        # Name the folder the trash list shows: the one the parent left with.
        blocking = folder.parent.trash_root or folder.parent
        raise ValidationError(
            _("Restaurez d'abord le dossier « %(name)s ».") % {"name": blocking.name}
        )
    if _name_taken(company_id=folder.company_id, parent=folder.parent, name=folder.name):
        raise _name_refusal(folder.name)
    Document.objects.filter(trash_root=folder).update(
        trashed_at=None, trashed_by=None, trash_root=None
    )
    Folder.objects.filter(trash_root=folder).update(
        trashed_at=None, trashed_by=None, trash_root=None
    )
    folder.refresh_from_db()
    return folder
