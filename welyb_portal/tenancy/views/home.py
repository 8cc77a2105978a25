from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from ..selectors import company_list


@login_required
def home(request):
    companies = company_list(user=request.user)
    return render(
        request,
        "tenancy/home.html",
        {"companies": companies[:12], "company_count": companies.count()},
    )
