from rest_framework.permissions import BasePermission


class IsCabinetStaff(BasePermission):
    """Cabinet admins and collaborators."""

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_cabinet_staff", False))


class IsCabinetAdmin(BasePermission):
    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "is_cabinet_admin", False))


class IsStaffOrReadOnly(BasePermission):
    """Everybody authenticated reads; only staff write."""

    def has_permission(self, request, view):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return bool(request.user and request.user.is_authenticated)
        return IsCabinetStaff().has_permission(request, view)
