from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import Cabinet, Company, User
from welyb_portal.tenancy.services.audit import audit_record

from ..models import Folder, FolderTemplate
from ..models.folder import ANNUAL_FOLDER_NAME, DEFAULT_ANNUAL_SUBFOLDERS, DEFAULT_PERMANENT_FOLDERS
from ..names import folder_name_clean
from .folders import folder_create, folder_path_ensure, sibling_named


def folder_template_of(cabinet: Cabinet) -> tuple[list[str], list[str]]:
    """The cabinet's default tree: (annual subfolders, permanent folder paths)."""
    template = FolderTemplate.objects.filter(cabinet=cabinet).first()
    if template is None:
        return list(DEFAULT_ANNUAL_SUBFOLDERS), list(DEFAULT_PERMANENT_FOLDERS)
    return list(template.annual_subfolders), list(template.permanent_folders)


def _clean_lines(lines: list[str], *, field: str, paths: bool) -> list[str]:
    cleaned, seen = [], set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split("/") if paths else [line]
        try:
            names = [folder_name_clean(part) for part in parts]
        except ValidationError as error:
            messages = error.message_dict.get("name", error.messages)
            raise ValidationError(
                {field: [_("Ligne %(n)s : %(reason)s") % {"n": number, "reason": messages[0]}]}
            ) from error
        value = "/".join(names)
        if value.lower() not in seen:
            seen.add(value.lower())
            cleaned.append(value)
    return cleaned


@transaction.atomic
def folder_template_update(
    *, cabinet: Cabinet, annual_subfolders: list[str], permanent_folders: list[str], by: User
) -> FolderTemplate:
    """Changes the tree given to new companies and, each year, the annual folder's subfolders.

    Existing folders are not touched. Each line is a folder name (annual subfolders) or a path
    of names separated by "/" (permanent folders); a name with control characters only or over
    100 characters is refused with its line number."""
    annual = _clean_lines(annual_subfolders, field="annual_subfolders", paths=False)
    permanent = _clean_lines(permanent_folders, field="permanent_folders", paths=True)
    old = folder_template_of(cabinet)
    template, _created = FolderTemplate.objects.update_or_create(
        cabinet=cabinet, defaults={"annual_subfolders": annual, "permanent_folders": permanent}
    )
    if (annual, permanent) != old:
        audit_record(
            cabinet=cabinet,
            actor=by,
            action="folder_template.changed",
            target=cabinet,
            data={
                "old": {"annual_subfolders": old[0], "permanent_folders": old[1]},
                "new": {"annual_subfolders": annual, "permanent_folders": permanent},
            },
        )
    return template


def annual_folder_name(year: int) -> str:
    return ANNUAL_FOLDER_NAME.format(year=year)


def _annual_folder_create(
    *, company: Company, year: int, subfolders: list[str], by: User | None
) -> Folder | None:
    """The year's annual folder with its subfolders, unless the company already has it."""
    name = annual_folder_name(year)
    if sibling_named(company_id=company.pk, parent=None, name=name) is not None:
        return None
    annual = folder_create(company=company, parent=None, name=name, by=by)
    for subfolder in subfolders:
        folder_create(company=company, parent=annual, name=subfolder, by=by)
    return annual


@transaction.atomic
def company_tree_create(*, company: Company, year: int, by: User | None) -> None:
    """Gives a new company its cabinet's default tree: the year's annual folder and the
    permanent folders."""
    annual, permanent = folder_template_of(company.cabinet)
    _annual_folder_create(company=company, year=year, subfolders=annual, by=by)
    for path in permanent:
        folder_path_ensure(company=company, names=path.split("/"), by=by)


def annual_folders_create(*, year: int) -> int:
    """Creates "Dossier comptable annuel <year>", with its cabinet's subfolders, for every
    company that has not got it; returns how many were created. Running it again creates
    nothing more. Each company is its own transaction: one failure does not undo the others."""
    created = 0
    for cabinet in Cabinet.objects.filter(is_active=True).order_by("pk"):
        subfolders, _permanent = folder_template_of(cabinet)
        for company in Company.objects.filter(cabinet=cabinet).order_by("pk").iterator():
            with transaction.atomic():
                if _annual_folder_create(
                    company=company, year=year, subfolders=subfolders, by=None
                ):
                    created += 1
    return created


def template_paths(cabinet: Cabinet, *, years: list[int]) -> list[str]:
    """Every folder of the cabinet's default tree as a path of names, for each of `years`: the
    annual folder, then its subfolders; then the permanent folders and their parents."""
    annual, permanent = folder_template_of(cabinet)
    paths = []
    for year in years:
        root = annual_folder_name(year)
        paths += [root, *(f"{root}/{subfolder}" for subfolder in annual)]
    for path in permanent:
        names = path.split("/")
        for depth in range(1, len(names) + 1):
            prefix = "/".join(names[:depth])
            if prefix not in paths:
                paths.append(prefix)
    return paths
