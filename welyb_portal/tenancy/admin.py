"""The Django admin of platform support. Every list selects its related rows in the same query
(tests pin the query count of each changelist)."""

from axes.admin import AccessAttemptAdmin, IsLockedOutFilter
from axes.models import AccessAttempt
from django.conf import settings
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

from .admin_base import ReadOnlyModelAdmin
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

    class Meta(UserChangeForm.Meta):  # type: ignore[name-defined]  # Django's, not in its stubs
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
    filter_horizontal = ()
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


# What each action of the trail is, in French; an action missing here shows its code.
AUDIT_ACTIONS = {
    "app.installed": _("Application installée"),
    "app.uninstalled": _("Application désinstallée"),
    "authorization.changed": _("Autorisation modifiée"),
    "automation.changed": _("Automatisation modifiée"),
    "automation.sent_existing": _("Documents existants envoyés"),
    "branding.changed": _("Personnalisation modifiée"),
    "cabinet.created": _("Cabinet créé"),
    "client.access_revoked": _("Accès d'un client retiré"),
    "client.invited": _("Client invité"),
    "company.created": _("Entreprise créée"),
    "company.updated": _("Entreprise modifiée"),
    "delivery.client_notified": _("Client prévenu d'un envoi"),
    "delivery.dismissed": _("Envoi classé"),
    "delivery.retried": _("Envoi relancé"),
    "document.deposited": _("Dépôt d'un document"),
    "folder_template.changed": _("Arborescence type modifiée"),
    "inbound_address.folder_changed": _("Dossier d'une adresse de dépôt modifié"),
    "inbound_address.regenerated": _("Adresse de dépôt renouvelée"),
    "inbound_email.accepted": _("Email reçu accepté"),
    "inbound_email.rejected": _("Email reçu refusé"),
    "inbound_policy.changed": _("Déposants par email modifiés"),
    "login.locked": _("Connexion bloquée"),
    "notifications.digest_changed": _("Récapitulatif par email modifié"),
    "staff.invited": _("Collaborateur invité"),
    "staff.role_changed": _("Rôle modifié"),
    "two_factor.disabled": _("Double authentification désactivée"),
    "two_factor.enabled": _("Double authentification activée"),
    "two_factor.recovery_code_used": _("Code de secours utilisé"),
    "two_factor.recovery_codes_regenerated": _("Codes de secours renouvelés"),
    "two_factor.requirement_changed": _("Exigence de double authentification modifiée"),
    "two_factor.reset": _("Double authentification retirée par le support"),
    "user.activated": _("Compte activé"),
    "user.invitation_resent": _("Invitation renvoyée"),
}


class AuditActionFilter(admin.SimpleListFilter):
    """The actions of the trail by their French names."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(
            ((action, AUDIT_ACTIONS.get(action, action)) for action in actions),
            key=lambda choice: str(choice[1]),
        )

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    """Read-only: the trail is evidence."""

    list_display = ["created_at", "cabinet", "actor_email", "action_label", "summary"]
    list_filter = [AuditActionFilter, "cabinet", "created_at"]
    list_select_related = ["cabinet"]
    search_fields = ["actor_email", "action", "target_label", "cabinet__name"]
    date_hierarchy = "created_at"

    @admin.display(description=_("action"), ordering="action")
    def action_label(self, entry):
        return AUDIT_ACTIONS.get(entry.action, entry.action)

    @admin.display(description=_("objet"))
    def summary(self, entry):
        """A deposit in a sentence: which document, in which folder of which company, by
        which channel. Other entries name their object."""
        data = entry.data or {}
        if entry.action == "document.deposited":
            return _("« %(document)s » dans « %(folder)s » (%(company)s), canal : %(channel)s") % {
                "document": entry.target_label,
                "folder": data.get("folder", ""),
                "company": data.get("company", ""),
                "channel": data.get("channel_label", data.get("channel", "")),
            }
        return entry.target_label


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
#
# Axes' own French leaves a few words in English (« User Agent », « Locked Out », the status):
# they are said here, without touching its models (whose migrations are its own).
class LockedOutFilter(IsLockedOutFilter):
    title = _("bloquée")

    def lookups(self, request, model_admin):
        return (("yes", _("Oui")), ("no", _("Non")))


class PlatformAccessAttemptAdmin(AccessAttemptAdmin):
    list_display = [
        "attempt_time",
        "ip_address",
        "browser",
        "username",
        "path_info",
        "failures_since_start",
        "status",
    ]
    list_filter = ["attempt_time", "path_info", LockedOutFilter]
    fieldsets = (
        (None, {"fields": ("username", "path_info", "failures_since_start", "expiration")}),
        (_("Données du formulaire"), {"fields": ("get_data", "post_data")}),
        (_("Navigateur"), {"fields": ("browser", "ip_address", "http_accept")}),
    )
    readonly_fields = [*AccessAttemptAdmin.readonly_fields, "browser"]

    @admin.display(description=_("navigateur"), ordering="user_agent")
    def browser(self, attempt):
        return attempt.user_agent

    @admin.display(description=_("état"))
    def status(self, attempt):
        left = settings.AXES_FAILURE_LIMIT - attempt.failures_since_start
        if left > 0:
            return nplural("%(count)d essai restant", "%(count)d essais restants", left) % {
                "count": left
            }
        return _("Bloquée")

    @admin.display(description=_("expire le"))
    def expiration(self, attempt):
        return attempt.expiration.expires_at if hasattr(attempt, "expiration") else "—"


admin.site.register(AccessAttempt, PlatformAccessAttemptAdmin)
