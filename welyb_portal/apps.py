from django.contrib.admin.apps import AdminConfig


class PlatformAdminConfig(AdminConfig):
    """The Django admin, reserved to platform support (superusers)."""

    default_site = "welyb_portal.admin_site.PlatformAdminSite"
