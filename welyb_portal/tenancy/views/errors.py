from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A form sent without its security token (an old tab, blocked cookies): explain in French."""
    return render(request, "errors/csrf.html", status=403)
