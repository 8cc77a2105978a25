"""What the depositor of a document is told at once, beside the file: what the apps built on
the GED expect of it (a format the cabinet's tools cannot use, and what to deposit instead), in
French and in words that name no tool. The apps bring their notices through
settings.GED_DEPOSIT_NOTICES, so that the GED imports none of them."""

from django.conf import settings
from django.utils.module_loading import import_string

from .models import Document


def deposit_notices(*, document: Document) -> list[str]:
    """The notices for a document just deposited, each once, in the apps' order."""
    notices: list[str] = []
    for path in getattr(settings, "GED_DEPOSIT_NOTICES", []):
        for notice in import_string(path)(document):
            if notice not in notices:
                notices.append(notice)
    return notices
