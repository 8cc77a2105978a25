"""Applications, middleware, templates, and the extension points through which the apps built
on the tenancy core show themselves on its pages (the settings gear, the home page's tiles,
the panels of the GED's and of a company's pages, the top bar, the dashboard's columns).

With the root URLconf, the composition root: the only places that name every app."""

from django.utils.translation import gettext_lazy as _

from .base import BASE_DIR

INSTALLED_APPS = [
    "welyb_portal.apps.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Django's own form templates, for FORM_RENDERER (which reads TEMPLATES).
    "django.forms",
    "axes",
    # Two-factor authentication of cabinet staff: the core, TOTP devices, recovery codes. Before
    # the tenancy app, whose admin module takes their admin pages away from platform support.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "anymail",
    "csp",
    "welyb_portal.tenancy",
    "ged",
    "partner_apps",
    "inqom_connector",
]

MIDDLEWARE = [
    # First: every line logged while a request is served carries its id, cabinet and user.
    "welyb_portal.observability.requests.RequestContextMiddleware",
    # First, so that it counts and times every answer, refusals included (/metrics).
    "welyb_portal.operations.request_metrics.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    # Sees every HTML page last, whoever answered it (the unknown host's, the errors' too).
    "welyb_portal.tenancy.middleware.FrenchSpacingMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "welyb_portal.tenancy.middleware.CabinetHostMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before the CSRF check, which reads a POST's form: a body over what its route takes is
    # refused unread (413), and the upload handler learns the route's caps.
    "welyb_portal.tenancy.request_bodies.RequestBodyLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "welyb_portal.tenancy.middleware.CabinetUserMiddleware",
    # request.user.is_verified(): true once the session passed the two-factor code. One query
    # (the device) for such a session only; none for the others.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the messages, which they leave a word in: a staff session idle for too long ends,
    # and a staff session that owes a two-factor code or an enrolment gets nothing else.
    "welyb_portal.tenancy.session_guards.IdleStaffSessionMiddleware",
    "welyb_portal.tenancy.session_guards.TwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # A page's 404 that says why (a document in the trash), in French, with DEBUG too.
    "welyb_portal.tenancy.middleware.ExplainedNotFoundMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the answer of the login view: a login refused because its address
    # is locked becomes the lock page (or the API's 429) of AXES_LOCKOUT_CALLABLE.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "welyb_portal.urls"
WSGI_APPLICATION = "welyb_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "welyb_portal.tenancy.context_processors.portal",
            ],
        },
    },
]

# Forms render through the project's templates: templates/forms/field.html puts a checkbox
# before its label, without the colon Django's French label suffix adds.
FORM_RENDERER = "welyb_portal.tenancy.forms.PortalFormRenderer"

# The settings gear of cabinet staff: (label, URL name, role that sees it). Each app adds its
# own line here, so that the tenancy core does not import the apps built on it.
SETTINGS_MENU = [
    (_("Entreprises"), "tenancy:company-list", "staff"),
    (_("Utilisateurs"), "tenancy:staff-list", "admin"),
    (_("Personnalisation"), "tenancy:branding", "admin"),
    (_("Sécurité"), "tenancy:cabinet-security", "admin"),
    (_("Arborescence type"), "ged:folder-template", "admin"),
    (_("Applications"), "partner_apps:applications", "staff"),
    (_("Envois à régler"), "partner_apps:needs-action", "staff"),
    (_("Emails reçus"), "ged:inbound-emails", "staff"),
]
# Callables (request) -> [{"name", "url", "description"}]: the tiles of the home page.
HOME_TILES = ["partner_apps.home.home_tiles"]
# Callables (request, folder|document) -> HTML: what the apps built on the GED show on its
# pages (the "Automatisations" of a folder, the send history of a document), staff only.
GED_FOLDER_PANELS = ["partner_apps.panels.folder_automations_panel"]
GED_DOCUMENT_PANELS = ["partner_apps.panels.document_deliveries_panel"]
# Callables (request, company) -> HTML: what the apps show on a company's settings page (its
# documents and deposit addresses, its connections), staff only, in this order.
COMPANY_PANELS = [
    "ged.panels.company_documents_panel",
    "partner_apps.panels.company_connections_panel",
    # Last: « Supprimer l'entreprise et ses documents », for admins.
    "ged.panels.company_offboarding_panel",
]
# Callables (request, documents) -> {document id: short French note}: what a folder's document
# list says of a document beside its status (why it did not reach a partner), staff only.
GED_DOCUMENT_NOTES = ["partner_apps.panels.document_list_notes"]
# Callables (document) -> [French sentence]: what the depositor of a document is told at once
# (a format the cabinet's tools refuse, and what to deposit instead), for every channel.
GED_DEPOSIT_NOTICES = ["partner_apps.notices.deposit_notices"]
# Callables (documents) -> {document id: French reason}: the documents that have left, or are
# leaving, the GED for the cabinet's tools, which their depositing client may then no longer
# rename nor put in the trash; the reason names no tool (ged/services/document_changes.py).
GED_DOCUMENT_LOCKS = ["partner_apps.notices.documents_sent"]
# Callables (document ids) -> {document id: [ged.sends.DocumentSend]}: what the apps sent of
# each document, where and when, for the manifest of a company's export (ged/services/export.py).
GED_DOCUMENT_SENDS = ["partner_apps.exports.document_sends"]
# Where a company's card leads from the home page: its document space.
COMPANY_HOME_URL_NAME = "ged:company"
# Where the home pages' « Rechercher un document » searches (every company the user sees).
DOCUMENT_SEARCH_URL_NAME = "ged:search"
# Callables (request) -> [{"label", "counts", "url"}]: links with a count in the top bar, next to
# staff's notification bell, shown while their count is above 0; `counts` is the queryset whose
# rows are counted (every count of the top bar in one query). Each callable decides who sees
# its badge (clients too, unless it returns nothing for them).
TOPBAR_BADGES = ["partner_apps.home.topbar_badges", "ged.topbar.held_emails_badge"]
# DashboardColumn objects (welyb_portal/tenancy/dashboard.py): the columns of the staff's home
# page beside each company's name, in this order.
DASHBOARD_COLUMNS = [
    "partner_apps.dashboard.CONNECTIONS",
    "ged.dashboard.LAST_DEPOSIT",
    "partner_apps.dashboard.NEEDS_ACTION",
]
