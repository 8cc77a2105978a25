from django.contrib.auth import views as auth_views
from django.urls import path

from .views import auth, branding, cabinet_security, companies, notifications, staff, two_factor

app_name = "tenancy"

urlpatterns = [
    path("connexion/", auth.LoginView.as_view(), name="login"),
    path("connexion/code/", two_factor.login_code, name="login-code"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("mot-de-passe/oublie/", auth.password_forgotten, name="password-forgotten"),
    path("mot-de-passe/<uidb64>/<token>/", auth.SetPasswordView.as_view(), name="set-password"),
    path("theme.css", branding.theme_css, name="theme-css"),
    path("logo", branding.logo, name="logo"),
    path("reglages/entreprises/", companies.company_list_page, name="company-list"),
    path("reglages/entreprises/nouvelle/", companies.company_create_page, name="company-create"),
    path(
        "reglages/entreprises/<int:company_id>/",
        companies.company_detail_page,
        name="company-detail",
    ),
    path(
        "reglages/entreprises/<int:company_id>/clients/",
        companies.company_client_invite,
        name="company-client-invite",
    ),
    path(
        "reglages/entreprises/<int:company_id>/clients/<int:client_id>/retirer/",
        companies.company_client_revoke,
        name="company-client-revoke",
    ),
    path(
        "reglages/entreprises/<int:company_id>/clients/<int:client_id>/relancer/",
        companies.company_client_reinvite,
        name="company-client-reinvite",
    ),
    path("reglages/utilisateurs/", staff.staff_list_page, name="staff-list"),
    path("reglages/utilisateurs/inviter/", staff.staff_invite_page, name="staff-invite"),
    path("reglages/utilisateurs/<int:staff_id>/", staff.staff_update_page, name="staff-update"),
    path("reglages/personnalisation/", branding.branding_page, name="branding"),
    path("reglages/securite/", cabinet_security.cabinet_security_page, name="cabinet-security"),
    path("compte/securite/", two_factor.account_security_page, name="account-security"),
    path("compte/securite/activer/", two_factor.two_factor_enable_page, name="two-factor-enable"),
    path(
        "compte/securite/codes-de-secours/",
        two_factor.two_factor_recovery_codes_page,
        name="two-factor-recovery-codes",
    ),
    path(
        "compte/securite/desactiver/",
        two_factor.two_factor_disable_page,
        name="two-factor-disable",
    ),
    path("notifications/", notifications.notifications_page, name="notifications"),
    path(
        "notifications/tout-lire/",
        notifications.notifications_read_all,
        name="notifications-read-all",
    ),
    path(
        "notifications/<int:notification_id>/ouvrir/",
        notifications.notification_open,
        name="notification-open",
    ),
    path(
        "notifications/recapitulatif/",
        notifications.digest_preference_page,
        name="notifications-digest",
    ),
]
