from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class PlatformAdminSite(admin.AdminSite):
    """The admin of platform support. Cabinet staff never enter it, whatever their role."""

    site_header = _("Support de la plateforme")
    site_title = _("Support de la plateforme")
    index_title = _("Administration")

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A record support may read and search but never add to, change or delete from (an
    audit trail, a log of received emails)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
