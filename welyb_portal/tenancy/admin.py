"""The Django admin of platform support. Every list selects its related rows in the same query
(tests pin the query count of each changelist)."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenAdmin as DRFTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from ..admin_site import ReadOnlyModelAdmin
from .models import (
    AuditEntry,
    Cabinet,
    CabinetDomain,
    Company,
    Membership,
    NotificationDigest,
    User,
)
from .plurals import nplural
from .services.two_factor import two_factor_reset

# Groups and permissions play no part in the portal: roles are on the user.
admin.site.unregister(Group)
# django-otp's pages show each device's secret and QR code, and the recovery codes: support
# never needs them. Someone who lost their phone and their codes is helped with the users'
# action « Retirer la double authentification ».
admin.site.unregister(TOTPDevice)
admin.site.unregister(StaticDevice)


class CabinetDomainInline(admin.TabularInline):
    model = CabinetDomain
    extra = 0


@admin.register(Cabinet)
class CabinetAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "is_active", "company_count", "user_count", "created_at"]
    list_filter = ["is_active", "created_at"]
    search_fields = ["name", "slug", "domains__domain"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [CabinetDomainInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                company_total=Count("companies", distinct=True),
                user_total=Count("users", distinct=True),
            )
        )

    @admin.display(description=_("entreprises"), ordering="company_total")
    def company_count(self, cabinet):
        return cabinet.company_total

    @admin.display(description=_("utilisateurs"), ordering="user_total")
    def user_count(self, cabinet):
        return cabinet.user_total


@admin.register(CabinetDomain)
class CabinetDomainAdmin(admin.ModelAdmin):
    list_display = ["domain", "cabinet", "is_primary"]
    list_filter = ["is_primary", "cabinet"]
    list_select_related = ["cabinet"]
    search_fields = ["domain", "cabinet__name", "cabinet__slug"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "siren", "cabinet", "client_count", "created_at"]
    list_filter = ["cabinet", "created_at"]
    list_select_related = ["cabinet"]
    search_fields = ["name", "siren", "cabinet__name", "cabinet__slug"]
    readonly_fields = ["created_at", "created_by"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(client_total=Count("memberships"))

    @admin.display(description=_("clients"), ordering="client_total")
    def client_count(self, company):
        return company.client_total


class PlatformUserCreationForm(BaseUserCreationForm):
    """Creates cabinet users; platform support accounts come from `createsuperuser`."""

    class Meta:
        model = User
        fields = ("email", "cabinet", "role")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cabinet"].required = True
        self.fields["role"].required = True


class PlatformUserChangeForm(UserChangeForm):
    """Django's own change form: the password shows as a read-only hash with a link to the
    password form, never as an editable field."""

    class Meta(UserChangeForm.Meta):
        model = User
        fields = ["email", "password", "cabinet", "role", "full_name", "is_active", "is_superuser"]


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    raw_id_fields = ["company", "invited_by"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = PlatformUserChangeForm
    add_form = PlatformUserCreationForm
    list_display = ["email", "full_name", "cabinet", "role", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_superuser", "cabinet"]
    list_select_related = ["cabinet"]
    search_fields = ["email", "full_name", "cabinet__name", "cabinet__slug"]
    ordering = ["email"]
    filter_horizontal: list = []
    readonly_fields = ["last_login", "date_joined"]
    inlines = [MembershipInline]
    actions = ["remove_two_factor"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Cabinet"), {"fields": ["cabinet", "role", "full_name"]}),
        (_("Statut"), {"fields": ["is_active", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "cabinet", "role", "password1", "password2"],
            },
        )
    ]

    @admin.action(description=_("Retirer la double authentification"))
    def remove_two_factor(self, request, queryset):
        """For someone who lost both their phone and their recovery codes: they log in with
        their password, then enrol again where their cabinet requires it. Audited."""
        removed = sum(two_factor_reset(user=user, by=request.user) for user in queryset)
        self.message_user(
            request,
            nplural(
                "Double authentification retirée pour %(count)d utilisateur.",
                "Double authentification retirée pour %(count)d utilisateurs.",
                removed,
            )
            % {"count": removed},
            messages.SUCCESS,
        )


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "company", "cabinet", "created_at"]
    list_filter = ["company__cabinet", "created_at"]
    list_select_related = ["user", "company__cabinet"]
    search_fields = ["user__email", "company__name", "company__siren"]
    raw_id_fields = ["user", "company", "invited_by"]

    @admin.display(description=_("cabinet"), ordering="company__cabinet__name")
    def cabinet(self, membership):
        return membership.company.cabinet


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    """Read-only: the trail is evidence."""

    list_display = ["created_at", "cabinet", "actor_email", "action", "target_label"]
    list_filter = ["action", "cabinet", "created_at"]
    list_select_related = ["cabinet"]
    search_fields = ["actor_email", "action", "target_label", "cabinet__name"]
    date_hierarchy = "created_at"


class UserCabinetColumn:
    """The "cabinet" column of rows that belong to a user (tokens, digests)."""

    @admin.display(description=_("cabinet"), ordering="user__cabinet__name")
    def cabinet(self, row):
        return row.user.cabinet


@admin.register(NotificationDigest)
class NotificationDigestAdmin(UserCabinetColumn, ReadOnlyModelAdmin):
    """Read-only: the digest emails of staff notifications, when each was due, what became of it
    and why (a person who said no, everything read meanwhile, the email server's refusal)."""

    list_display = ["user", "cabinet", "status", "due_at", "sent_at", "attempts", "reason"]
    list_filter = ["status", "user__cabinet"]
    list_select_related = ["user__cabinet"]
    search_fields = ["user__email", "message_id"]


admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(UserCabinetColumn, DRFTokenAdmin):
    list_display = ["user", "cabinet", "created"]
    list_filter = ["created", "user__cabinet"]
    list_select_related = ["user__cabinet"]
    search_fields = ["user__email", "user__cabinet__name"]


# The login failures being counted, one row per address (and IP, browser) and cabinet, named
# "<cabinet slug>:<address>" in its username: deleting the rows of an address lifts its lock
# at once. Axes' other lists (successful logins, failure history) stay unregistered
# (AXES_ENABLE_ADMIN = False): the portal does not keep those rows.
admin.site.register(AccessAttempt, AccessAttemptAdmin)
