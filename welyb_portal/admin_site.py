from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

# What the system writes, never support: timestamps and who-did-it ("…_at", "…_by"), hashes,
# sizes, counters, keys, message ids, the materialised paths and search keys.
SYSTEM_FIELD_SUFFIXES = ("_at", "_by")
SYSTEM_FIELDS = {
    "sha256",
    "size",
    "attempts",
    "message_id",
    "key",
    "message_key",
    "search_name",
    "path",
    "depth",
    "last_login",
    "date_joined",
    "created",
}


def is_system_field(name: str) -> bool:
    return name.endswith(SYSTEM_FIELD_SUFFIXES) or name in SYSTEM_FIELDS


if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = object


class SystemFieldsReadOnly(_ModelAdmin):
    """Shows the system's fields of a row read-only, whatever its ModelAdmin declares."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return readonly
        system = [
            field.name
            for field in self.model._meta.concrete_fields
            if is_system_field(field.name) and field.name not in readonly
        ]
        return [*readonly, *system]


class PlatformAdminSite(admin.AdminSite):
    """The admin of platform support. Cabinet staff never enter it, whatever their role."""

    site_header = _("Support de la plateforme")
    site_title = _("Support de la plateforme")
    index_title = _("Administration")

    def has_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def register(self, model_or_iterable, admin_class=None, **options):
        """Every ModelAdmin of the site, the apps' and third parties', shows the system's fields
        read-only (SystemFieldsReadOnly): a model registered tomorrow too."""
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SystemFieldsReadOnly):
            admin_class = type(admin_class.__name__, (SystemFieldsReadOnly, admin_class), {})
        super().register(model_or_iterable, admin_class, **options)
