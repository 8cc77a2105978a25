from functools import cached_property
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from .selectors import counts_at_once, notifications_unread

_BELL = "bell"


class TopBarBadge(TypedDict):
    """One badge an app puts in the top bar: its words, its link, and the rows it counts."""

    label: str
    url: str
    counts: QuerySet[Any]


class TopBar:
    """What the top bar shows a signed-in user of the cabinet, computed only when a page draws
    it (never for a fragment): staff's notification bell with its unread count, and the badges
    of the apps built on the core (settings.TOPBAR_BADGES: each gives its `label`, `url` and
    the queryset it `counts`; shown while the count is above 0). Every count in one query."""

    def __init__(self, request):
        self.request = request
        self.has_bell = getattr(request.user, "is_cabinet_staff", False)

    @cached_property
    def _counted(self) -> tuple[list[TopBarBadge], dict[int | str, int]]:
        badges: list[TopBarBadge] = [
            badge for path in settings.TOPBAR_BADGES for badge in import_string(path)(self.request)
        ]
        querysets: dict[int | str, QuerySet[Any]] = {
            index: badge["counts"] for index, badge in enumerate(badges)
        }
        if self.has_bell:
            querysets[_BELL] = notifications_unread(user=self.request.user)
        return badges, counts_at_once(querysets)

    @cached_property
    def unread_notifications(self) -> int:
        _badges, counts = self._counted
        return counts.get(_BELL, 0)

    @cached_property
    def badges(self) -> list[dict[str, object]]:
        badges, counts = self._counted
        return [
            {"label": badge["label"], "url": badge["url"], "count": counts[index]}
            for index, badge in enumerate(badges)
            if counts[index] > 0
        ]


def portal(request):
    """The cabinet of the request, the settings gear entries the user may see, and the top
    bar's bell and badges."""
    cabinet = getattr(request, "cabinet", None)
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    menu = []
    if user is not None and signed_in and getattr(user, "is_cabinet_staff", False):
        menu = [
            {"label": label, "url_name": url_name}
            for label, url_name, role in settings.SETTINGS_MENU
            if role == "staff" or user.is_cabinet_admin
        ]
    return {
        "cabinet": cabinet,
        "settings_menu": menu,
        "topbar": TopBar(request) if signed_in and cabinet is not None else None,
        "company_home_url_name": settings.COMPANY_HOME_URL_NAME,
        "document_search_url_name": settings.DOCUMENT_SEARCH_URL_NAME,
    }
