from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.module_loading import import_string

from ..selectors import company_list

HOME_COMPANIES = 12


def _with_badges(request, companies) -> list:
    """The companies, each with `badges`: what the apps built on the core say of it on its
    card (settings.COMPANY_BADGES: the sends that need action there)."""
    companies = list(companies)
    badges: dict[int, list[dict]] = {}
    for path in settings.COMPANY_BADGES:
        for company_id, found in import_string(path)(request, companies).items():
            badges.setdefault(company_id, []).extend(found)
    for company in companies:
        company.badges = badges.get(company.pk, [])
    return companies


@login_required
def home(request):
    companies = company_list(user=request.user)
    # The apps built on the tenancy core bring their tiles through settings.HOME_TILES.
    tiles = [tile for path in settings.HOME_TILES for tile in import_string(path)(request)]
    return render(
        request,
        "tenancy/home.html",
        {
            "companies": _with_badges(request, companies[:HOME_COMPANIES]),
            "company_count": companies.count(),
            "tiles": tiles,
        },
    )
