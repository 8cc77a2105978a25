from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.module_loading import import_string

from ..selectors import company_list


@login_required
def home(request):
    companies = company_list(user=request.user)
    # The apps built on the tenancy core bring their tiles through settings.HOME_TILES.
    tiles = [tile for path in settings.HOME_TILES for tile in import_string(path)(request)]
    return render(
        request,
        "tenancy/home.html",
        {"companies": companies[:12], "company_count": companies.count(), "tiles": tiles},
    )
