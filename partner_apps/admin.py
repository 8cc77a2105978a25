from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count

from welyb_portal.tenancy.plurals import nplural

from .models import CabinetApp, CompanyAuthorization, Delivery, FolderAutomation, PartnerApp
from .services.attention import delivery_retry


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
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

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


@admin.register(FolderAutomation)
class FolderAutomationAdmin(admin.ModelAdmin):
    list_display = ["folder", "company", "app", "enabled", "activated_at", "activated_by"]
    list_filter = ["app", "enabled", "folder__company__cabinet"]
    list_select_related = ["folder__company", "app", "activated_by"]
    search_fields = ["folder__name", "folder__company__name"]
    raw_id_fields = ["folder", "activated_by"]

    @admin.display(description="entreprise", ordering="folder__company__name")
    def company(self, automation):
        return automation.folder.company


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The outbox, for support: search by company, document, address or message id; send
    again with the "retry" action (the same service as the portal's « Renvoyer »)."""

    list_display = [
        "document",
        "company",
        "app",
        "target",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "reason_code", "app", "company__cabinet", "created_at"]
    list_select_related = ["document", "company", "app"]
    search_fields = ["company__name", "company__siren", "document__name", "target", "message_id"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "document",
        "app",
        "company",
        "target",
        "status",
        "reason_code",
        "reason",
        "detail",
        "notice",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "claimed_by",
        "swept_at",
        "message_id",
        "duplicate_of",
        "sent_as",
        "dismissed_at",
        "dismissed_by",
        "client_notified_at",
        "created_at",
        "updated_at",
        "sent_at",
    ]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Renvoyer (échecs, refus, envois non faits)")
    def retry(self, request, queryset):
        retried, refused = 0, 0
        for delivery in queryset:
            try:
                delivery_retry(delivery=delivery, by=request.user)
                retried += 1
            except ValidationError:
                refused += 1
        self.message_user(
            request,
            nplural("%(n)s envoi relancé", "%(n)s envois relancés", retried) % {"n": retried}
            + ", "
            + nplural(
                "%(n)s ignoré (ni en échec ni refusé).",
                "%(n)s ignorés (ni en échec ni refusés).",
                refused,
            )
            % {"n": refused},
        )
