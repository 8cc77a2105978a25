"""Pages through a search's first matches only, so that a word found in half a million names
answers as fast as a rare one: counting every match would read them all."""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

SEARCH_MAX_RESULTS = 1000


class CappedPaginator(Paginator):
    """The first `cap` objects of a queryset, in its order, by pages. Their ids come in one
    query (the search's index scan runs once, stopping at `cap + 1`), each page by id.
    `truncated` says that more than `cap` matched."""

    object_list: QuerySet[Any]

    def __init__(self, object_list, per_page, *args, cap: int = SEARCH_MAX_RESULTS, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.cap = cap

    @cached_property
    def _ids(self) -> list:
        return list(self.object_list.values_list("pk", flat=True)[: self.cap + 1])

    @cached_property
    def count(self) -> int:
        return min(len(self._ids), self.cap)

    @property
    def truncated(self) -> bool:
        return len(self._ids) > self.cap

    def page(self, number):
        # Django's page, bounds and orphans included; its own slice is lazy and never read.
        page = super().page(number)
        ids = self._ids[max(page.start_index() - 1, 0) : page.end_index()]
        page.object_list = self.object_list.filter(pk__in=ids)
        return page


class SortFirstPaginator(Paginator):
    """Pages of a queryset whose rows carry joins and subqueries (a send history with its
    document, company and readiness): the sort and the slice read the sorted table alone, and
    the page's joins and subqueries run for its own rows only, in the same query
    (`pk IN (the slice)`). A plain slice made PostgreSQL join every row of a cabinet's hundred
    thousand before sorting them (docs/benchmarks.md, « Platform scale »)."""

    object_list: QuerySet[Any]

    def page(self, number):
        # Django's page, bounds and orphans included; its own slice is lazy and never read.
        page = super().page(number)
        bottom, top = max(page.start_index() - 1, 0), page.end_index()
        page.object_list = self.object_list.filter(pk__in=self.object_list.values("pk")[bottom:top])
        return page
