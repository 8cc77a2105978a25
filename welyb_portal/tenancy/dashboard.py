"""The cabinet's home: one row per company, with the columns that the apps built on the core
add (settings.DASHBOARD_COLUMNS), searchable by name or SIREN, sortable and paginated."""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.db.models import F, QuerySet
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .models import Company

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def _unchanged(companies: QuerySet[Company]) -> QuerySet[Company]:
    return companies


class HomeTile(TypedDict):
    """A link an app puts on staff's home page (settings.HOME_TILES), opened in a new tab."""

    name: str
    url: str
    description: str


@dataclass(frozen=True)
class DashboardColumn:
    """One column of the dashboard, given by an app.

    `annotate` adds to the companies' query what the cell reads and the sort orders by (in
    the same query: subqueries, never a join that multiplies rows); `prefetch` fetches, for the
    companies of one page at once, what no annotation can carry (names...)."""

    # The column's name in the page's `?tri=`.
    key: str
    # Translated when the page is drawn.
    label: "StrOrPromise"
    # Renders one cell, given `company`.
    template: str
    annotate: Callable[[QuerySet[Company]], QuerySet[Company]] = _unchanged
    # The annotation the column sorts by; "" when it does not sort.
    sort: str = ""
    # Sorted largest or latest first on the first click (what needs looking at first).
    descending: bool = False
    prefetch: Callable[[list[Company]], None] | None = None


NAME = DashboardColumn(key="nom", label=_("Entreprise"), template="", sort="name")


@functools.cache
def dashboard_columns() -> tuple[DashboardColumn, ...]:
    """The apps' columns, in the order of settings.DASHBOARD_COLUMNS (loaded once)."""
    return tuple(import_string(path) for path in settings.DASHBOARD_COLUMNS)


@dataclass(frozen=True)
class Sort:
    column: DashboardColumn
    descending: bool

    @property
    def param(self) -> str:
        return f"-{self.column.key}" if self.descending else self.column.key

    def toggled(self, column: DashboardColumn) -> str:
        """The `?tri=` of a header's link: the other direction for the current column, the
        column's natural one for another."""
        if column == self.column:
            return column.key if self.descending else f"-{column.key}"
        return f"-{column.key}" if column.descending else column.key


def dashboard_sort(param: str) -> Sort:
    """The sort a `?tri=` asks for ("depot", "-depot"...); by name for anything else."""
    descending = param.startswith("-")
    key = param.removeprefix("-")
    for column in (NAME, *dashboard_columns()):
        if column.sort and column.key == key:
            return Sort(column=column, descending=descending)
    return Sort(column=NAME, descending=False)


def _ordering(sort: Sort) -> list:
    field = F(sort.column.sort)
    order = field.desc(nulls_last=True) if sort.descending else field.asc(nulls_last=True)
    return [order, "name", "id"]


def dashboard_order(companies: QuerySet[Company], *, sort: Sort) -> QuerySet[Company]:
    """The companies in the sort's order (empty values last, then by name), with nothing but
    what the sort reads: what the paginator counts and slices."""
    return sort.column.annotate(companies).order_by(*_ordering(sort))


def dashboard_page(ordered: QuerySet[Company], *, sort: Sort) -> list[Company]:
    """The companies of one page (a slice of `dashboard_order`) with every column's figures,
    in one query: the slice is its subquery, so that the figures are computed for the page's
    companies only, never for those of the pages before it. Then what the columns prefetch."""
    companies: QuerySet[Company] = Company.objects.filter(pk__in=ordered.values("pk"))
    for column in dashboard_columns():
        companies = column.annotate(companies)
    rows = list(companies.order_by(*_ordering(sort)))
    for column in dashboard_columns():
        if column.prefetch is not None and rows:
            column.prefetch(rows)
    return rows
