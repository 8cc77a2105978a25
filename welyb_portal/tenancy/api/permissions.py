from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission


def _is_cabinet_staff(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "is_cabinet_staff", False))


class IsCabinetStaff(BasePermission):
    """Cabinet admins and collaborators."""

    def has_permission(self, request, view):
        return _is_cabinet_staff(request.user)


class IsCabinetAdmin(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_cabinet_admin", False))


class IsStaffOrReadOnly(BasePermission):
    """Everybody authenticated reads; only staff write."""

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return bool(request.user and request.user.is_authenticated)
        return _is_cabinet_staff(request.user)


def staff_only(request) -> None:
    """403 unless the caller is cabinet staff, for a view that serves clients too but not this
    action. Call it after the `access_*` lookup of the ids the request names: a client then
    gets the same 404 for a company they may not see as for one that does not exist, and the
    403 only where the object is theirs to see."""
    if not _is_cabinet_staff(request.user):
        raise PermissionDenied
