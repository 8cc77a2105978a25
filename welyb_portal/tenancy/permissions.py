"""Role checks for the pages. A client asking for a staff page gets the 404 of a page that does
not exist (they learn nothing); a collaborator asking for an admin page gets 403."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_cabinet_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped


def admin_required(view):
    @staff_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_cabinet_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
