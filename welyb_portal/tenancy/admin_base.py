"""What the apps' admin classes build on (the site itself, PlatformAdminSite, is the project's:
welyb_portal/admin_site.py)."""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """A record support may read and search but never add to, change or delete from (an
    audit trail, a log of received emails)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
