"""Who may rename a document or put it in the trash, in one place for the pages, the API and
the services that do it.

Staff may, always. A client may change a document it deposited itself, as long as nothing of
it has left for the cabinet's tools: once sent, the cabinet works on it under that name, and
only the cabinet may then rename or remove it. Which documents have left is known to the apps
built on the GED, which say so through settings.GED_DOCUMENT_LOCKS, so that the GED imports
none of them. Moving a document stays the cabinet's: its folder decides where it goes."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from welyb_portal.tenancy.models import User

from ..models import Document


def document_change_refusals(*, documents: Iterable[Document], by: User | None) -> dict[int, str]:
    """Why `by` may not rename nor trash each of `documents`: {document id: French reason, in
    words that name no tool}. A document absent from the answer may be changed. One query per
    app that locks documents, whatever the number of documents."""
    documents = list(documents)
    # `by` is None for the portal's own work (an email filed, a command): it, and the cabinet's
    # staff, may change everything.
    if by is None or by.is_cabinet_staff or not documents:
        return {}
    not_theirs = _(
        "Vous ne pouvez renommer ou mettre à la corbeille que les documents que vous avez "
        "déposés vous-même."
    )
    refusals = {d.pk: not_theirs for d in documents if d.deposited_by_id != by.pk}
    theirs = [d for d in documents if d.pk not in refusals]
    for path in getattr(settings, "GED_DOCUMENT_LOCKS", []):
        if not theirs:
            break
        for document_id, reason in import_string(path)(theirs).items():
            refusals.setdefault(document_id, reason)
        theirs = [d for d in theirs if d.pk not in refusals]
    return refusals


def document_change_refusal(*, document: Document, by: User | None) -> str | None:
    """Why `by` may not rename nor trash `document`, or None when it may."""
    return document_change_refusals(documents=[document], by=by).get(document.pk)


def document_change_check(*, document: Document, by: User | None) -> None:
    """Raises PermissionDenied with the French reason when `by` may not change `document`."""
    reason = document_change_refusal(document=document, by=by)
    if reason is not None:
        raise PermissionDenied(reason)


def document_move_check(*, by: User | None) -> None:
    """Raises PermissionDenied when `by` may not move documents: clients never do."""
    if by is not None and not by.is_cabinet_staff:
        raise PermissionDenied(_("Seul votre cabinet peut déplacer un document."))
