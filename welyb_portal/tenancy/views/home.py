from typing import cast

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.shortcuts import render
from django.utils.http import urlencode
from django.utils.module_loading import import_string

from ..dashboard import (
    NAME,
    HomeTile,
    dashboard_columns,
    dashboard_order,
    dashboard_page,
    dashboard_sort,
)
from ..models import Company
from ..selectors import company_list

DASHBOARD_PER_PAGE = 25


@login_required
def home(request):
    if not request.user.is_cabinet_staff:
        return render(request, "tenancy/home.html", {"companies": company_list(user=request.user)})
    return _dashboard(request)


def _dashboard(request):
    """Staff's home: every company of the cabinet with its state, searchable, sortable."""
    query = request.GET.get("q", "").strip()
    sort = dashboard_sort(request.GET.get("tri", ""))
    companies = company_list(user=request.user, query=query)
    page = Paginator(dashboard_order(companies, sort=sort), DASHBOARD_PER_PAGE).get_page(
        request.GET.get("page")
    )
    # A page of a queryset holds its slice, a queryset too.
    page.object_list = dashboard_page(cast(QuerySet[Company], page.object_list), sort=sort)
    columns = dashboard_columns()
    # The apps built on the tenancy core bring their tiles through settings.HOME_TILES.
    tiles: list[HomeTile] = [
        tile for path in settings.HOME_TILES for tile in import_string(path)(request)
    ]
    filters = {"q": query} if query else {}
    return render(
        request,
        "tenancy/dashboard.html",
        {
            "page": page,
            "query": query,
            "columns": columns,
            "headers": [
                {
                    "column": column,
                    "url": "?" + urlencode({**filters, "tri": sort.toggled(column)}),
                    "sorted": column == sort.column,
                    "aria_sort": ("descending" if sort.descending else "ascending")
                    if column == sort.column
                    else "none",
                }
                for column in (NAME, *columns)
            ],
            "page_query": urlencode({**filters, "tri": sort.param}),
            "company_count": page.paginator.count,
            "tiles": tiles,
        },
    )
