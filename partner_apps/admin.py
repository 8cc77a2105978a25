from django.contrib import admin
from django.db.models import Count

from .models import CabinetApp, CompanyAuthorization, PartnerApp


@admin.register(PartnerApp)
class PartnerAppAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "kind",
        "visible_on_home",
        "connector_key",
        "installations_count",
    ]
    list_filter = ["kind", "visible_on_home"]
    search_fields = ["name", "slug", "connector_key"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(installation_total=Count("installations"))

    @admin.display(description="installations", ordering="installation_total")
    def installations_count(self, app):
        return app.installation_total


@admin.register(CabinetApp)
class CabinetAppAdmin(admin.ModelAdmin):
    list_display = ["app", "cabinet", "installed_by", "installed_at"]
    list_filter = ["app", "installed_at"]
    list_select_related = ["app", "cabinet", "installed_by"]
    search_fields = ["cabinet__name", "cabinet__slug", "app__name"]
    raw_id_fields = ["cabinet", "installed_by"]


@admin.register(CompanyAuthorization)
class CompanyAuthorizationAdmin(admin.ModelAdmin):
    list_display = ["company", "cabinet", "app", "enabled", "collection_email", "updated_at"]
    list_filter = ["app", "enabled", "company__cabinet"]
    list_select_related = ["company__cabinet", "app"]
    search_fields = ["company__name", "company__siren", "collection_email"]
    raw_id_fields = ["company", "updated_by"]

    @admin.display(description="cabinet", ordering="company__cabinet__name")
    def cabinet(self, authorization):
        return authorization.company.cabinet
