"""Settings of the portal, read from the environment.

Every variable has an embedded default that needs no service: SQLite under `var/`, tasks run
in-process once the transaction commits, emails written to `var/outbox/`, files under
`var/media/`. `PRODUCTION=true` switches on the hardened mode in which
`manage.py check --deploy` has nothing to say. README.md lists every variable.

This module and the root URLconf are the composition root: the only places that name every app.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

PRODUCTION = env.bool("PRODUCTION", default=False)
DEBUG = False if PRODUCTION else env.bool("DEBUG", default=True)
# Embedded mode keeps its database, files and emails here (git ignores it).
VAR_DIR = Path(env("VAR_DIR", default=str(BASE_DIR / "var")))
if not PRODUCTION:
    VAR_DIR.mkdir(exist_ok=True)

if PRODUCTION:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "PRODUCTION=true needs SECRET_KEY: a long random value (50 characters or more), "
            "kept out of the code."
        )
else:
    SECRET_KEY = env("SECRET_KEY", default="embedded-mode-only-this-key-is-public-never-deploy-it")

# --- Hosts and tenancy -------------------------------------------------------------------------

# Cabinets answer on `<slug>.<PORTAL_DOMAIN>` or on one of their custom domains. The bare
# PORTAL_DOMAIN is the platform's own host (Django admin, email webhooks).
PORTAL_DOMAIN = env("PORTAL_DOMAIN", default="localhost").lower().strip(".")
# Scheme and port of the links the portal sends by email (invitations, password resets).
PORTAL_SCHEME = "https" if PRODUCTION else env("PORTAL_SCHEME", default="http")
PORTAL_PORT = env("PORTAL_PORT", default="" if PRODUCTION else "8000")
# Embedded mode only: the bare PORTAL_DOMAIN also serves this cabinet, so that
# http://localhost:8000/ reaches the demo cabinet. Never in production.
BARE_DOMAIN_CABINET = None if PRODUCTION else (env("BARE_DOMAIN_CABINET", default="demo") or None)
# Paths served on the platform's own host (the favicon too: the admin's pages name none, so
# browsers ask for /favicon.ico); on a cabinet's host the admin does not exist.
PLATFORM_PATH_PREFIXES = ("/admin/", "/anymail/", "/favicon.ico")
PLATFORM_ONLY_PATH_PREFIXES = ("/admin/",)
# The platform's on every host, an unknown one too (a load balancer or Prometheus asks each node
# by its address), without a look-up of the host: the probes and the metrics, which name no
# cabinet.
ANY_HOST_PATHS = ("/healthz", "/readyz", "/metrics")

# The host is checked against the cabinets by CabinetHostMiddleware, which answers 404 to every
# host that is neither the platform's nor a cabinet's (custom domains live in the database).
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["*"])

# --- Applications ------------------------------------------------------------------------------

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

# --- Data --------------------------------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers wait for each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

MEDIA_ROOT = VAR_DIR / "media"
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Outside production, WhiteNoise serves the files where they are (no collectstatic needed).
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = not PRODUCTION
# Client documents are private: no MEDIA_URL is routed, every download goes through a view
# that checks access, then streams the file or redirects to a short-lived signed URL (S3).
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=300),
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env("AWS_S3_REGION_NAME", default=None),
            # Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, read by boto3.
        },
    }
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT, "base_url": None},
    }
# Downloads redirect to a signed URL of the bucket instead of passing through the server.
DOCUMENT_DOWNLOAD_REDIRECT = bool(AWS_STORAGE_BUCKET_NAME)
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}

# --- Documents ---------------------------------------------------------------------------------

DOCUMENT_MAX_MB = env.int("DOCUMENT_MAX_MB", default=100)
# Deposit by email: each company's addresses live on this domain (its MX points to the ESP,
# whose inbound webhook posts to /anymail/<esp>/inbound/). At most INBOUND_MAX_ATTACHMENTS
# files an email; inline images under INBOUND_INLINE_IGNORE_KB (signatures, logos) are not
# documents.
INBOUND_EMAIL_DOMAIN = env("INBOUND_EMAIL_DOMAIN", default=f"depot.{PORTAL_DOMAIN}")
INBOUND_MAX_ATTACHMENTS = env.int("INBOUND_MAX_ATTACHMENTS", default=20)
# The parts an inbound email may hold (attachments, inline images, text and HTML bodies),
# counted in the email service's payload before anything builds the message: an email of
# thousands of tiny parts would otherwise cost seconds of CPU. More: refused, unread, recorded.
INBOUND_MAX_PARTS = env.int("INBOUND_MAX_PARTS", default=200)
# The authserv-ids whose Authentication-Results headers (RFC 8601) the platform trusts: those
# of the servers that receive the inbound mail before the email service posts it (Amazon SES's
# own, amazonses.com, is always trusted for SES). Headers of any other id may be the sender's.
INBOUND_AUTHSERV_IDS = env.list("INBOUND_AUTHSERV_IDS", default=[])
INBOUND_INLINE_IGNORE_KB = env.int("INBOUND_INLINE_IGNORE_KB", default=30)

# --- Request bodies (welyb_portal/tenancy/request_bodies.py) -----------------------------------

# What any route reads of a body, in memory (Django's default, 2.5 MiB): a longer one is refused
# from its Content-Length, unread (413). Only these routes take more, each from whom it trusts:
# the GED's deposits (a file up to DOCUMENT_MAX_MB, to a temporary file; the deposit form
# without script, every file at once, up to UPLOAD_MAX_REQUEST_MB) and the email services'
# inbound webhooks, which post a whole email in one body (Mailgun's body-mime field, Postmark's
# JSON with its attachments in base64: 25 to 35 MB), up to INBOUND_MAX_BODY_MB, in memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
UPLOAD_MAX_REQUEST_MB = env.int("UPLOAD_MAX_REQUEST_MB", default=2 * DOCUMENT_MAX_MB)
INBOUND_MAX_BODY_MB = env.int("INBOUND_MAX_BODY_MB", default=50)
if UPLOAD_MAX_REQUEST_MB < DOCUMENT_MAX_MB:
    raise ImproperlyConfigured("UPLOAD_MAX_REQUEST_MB must be DOCUMENT_MAX_MB or more.")
# Files go to temporary files, never whole into memory, for signed-in users only, each stopped
# as it passes its route's cap.
FILE_UPLOAD_HANDLERS = ["welyb_portal.tenancy.upload_handlers.BoundedUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", default=None)

# --- Users -------------------------------------------------------------------------------------

AUTH_USER_MODEL = "tenancy.User"
# An email address is unique inside a cabinet, not across cabinets (a person may be the client of
# two firms, and one firm must not learn that an address is known to another). This backend
# looks the address up inside the request's cabinet, hence the silenced uniqueness warning.
# Axes comes first: it refuses an attempt on a locked address before any password is checked.
# With two backends, whatever calls login() without authenticate() names the backend.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "welyb_portal.tenancy.backends.CabinetEmailBackend",
]
SILENCED_SYSTEM_CHECKS = [
    "auth.W004",
    # Axes wants the client's IP address in the lockout key. The lock here is on the account
    # (cabinet and email) whatever the IP or browser: with the IP in the key, a botnet would get
    # ten guesses per machine; by IP alone, a whole office behind one address would be locked
    # out by one colleague's typos.
    "axes.W006",
]
LOGIN_URL = "tenancy:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "tenancy:login"
# Invitation and password-reset links stay valid for three days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "welyb_portal.tenancy.views.errors.csrf_failure"
# Database sessions that ignore a cookie Django could not have set (see the module).
SESSION_ENGINE = "welyb_portal.tenancy.sessions"

# --- Staff sessions and two-factor authentication (welyb_portal/tenancy/session_guards.py) -----

# A staff session (cabinet admins and collaborators) ends after SESSION_IDLE_MINUTES without a
# request: the next one is sent to the login page. Activity is written in the session at most
# once a minute. Clients keep Django's session (SESSION_COOKIE_AGE, two weeks).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=120)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be 1 or more.")
# django-otp's back-off after wrong codes of one device: 1 s, 2 s, 4 s… doubling without a limit
# until a right code, on top of the login lock (LOGIN_FAILURE_LIMIT), which counts wrong codes as
# failed logins. A new password chosen from a reset link lifts both. Django-otp's defaults,
# written down to be kept.
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# --- Login throttling (django-axes) ------------------------------------------------------------

# After LOGIN_FAILURE_LIMIT failed logins for one address on one cabinet (the login page, the
# Django admin on the platform's host, the API's token endpoint alike), that address is locked
# there for LOGIN_LOCK_MINUTES: every attempt gets the lock page (or a 429 in the API), even with
# the right password, and the audit trail says "login.locked" once. Unknown addresses are counted
# and locked the same way, so that the lock tells nothing about which addresses have an account.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_LOCK_MINUTES = env.int("LOGIN_LOCK_MINUTES", default=15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_LOCK_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCK_MINUTES must be 1 or more.")
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCK_MINUTES)
# One counter per "<cabinet slug or platform>:<normalised email>" (see the callable).
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "welyb_portal.tenancy.throttling.login_throttle_key"
AXES_LOCKOUT_CALLABLE = "welyb_portal.tenancy.throttling.login_lockout_response"
# A successful login (or a password chosen from a reset link) starts the count again.
AXES_RESET_ON_SUCCESS = True
# Attempts refused during the lock are not counted: the lock lifts LOGIN_LOCK_MINUTES after the
# failure that set it, as the lock page says, however often the person tries meanwhile.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The database handler, not the cache one: the count must be shared by every web process and
# survive a restart, and the cache is a per-process LocMemCache whenever REDIS_URL is unset
# (embedded mode, and a production without Redis). In tests, the attempts live in the test's
# transaction and vanish with it, where a shared Redis would carry them from test to test.
# A failed login costs a few queries; a successful one, two deletes.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
# No row per successful login (address, IP, browser) kept forever: the audit trail records the
# locks, which is what the portal needs. Hence no access logs to show in the admin either; the
# attempts in progress are there (tenancy/admin.py), and deleting one lifts its lock.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
# No "AXES: BEGIN" banner before the output of every manage.py command.
AXES_VERBOSE = False

# --- Password resets ---------------------------------------------------------------------------

# « Mot de passe oublié ? » sends at most PASSWORD_RESET_PER_ADDRESS_PER_HOUR emails an hour for
# one address of one cabinet, and serves at most PASSWORD_RESET_PER_IP_PER_HOUR requests an hour
# from one client address (as axes reads it: REMOTE_ADDR), whatever addresses they name. Past
# either limit it sends nothing and answers word for word as it does otherwise: nobody learns
# they were held back, nor whether the address has an account. 0 lifts a limit: the per-IP one
# must be lifted behind a proxy that does not hand the client's address to the portal as
# REMOTE_ADDR, or every visitor would share the proxy's count.
# The counters live in Django's cache, not in the database: with REDIS_URL (production, whose
# workers need Redis anyway) they are shared by every web process, increments are atomic, keys
# expire on their own, and an attacker's flood writes no row. Without REDIS_URL the cache is
# each process's own memory, and each web process counts on its own.
PASSWORD_RESET_PER_ADDRESS_PER_HOUR = env.int("PASSWORD_RESET_PER_ADDRESS_PER_HOUR", default=3)
PASSWORD_RESET_PER_IP_PER_HOUR = env.int("PASSWORD_RESET_PER_IP_PER_HOUR", default=20)
if min(PASSWORD_RESET_PER_ADDRESS_PER_HOUR, PASSWORD_RESET_PER_IP_PER_HOUR) < 0:
    raise ImproperlyConfigured(
        "PASSWORD_RESET_PER_ADDRESS_PER_HOUR and PASSWORD_RESET_PER_IP_PER_HOUR must be 0 "
        "(no limit) or more."
    )

LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Email -------------------------------------------------------------------------------------

DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@welyb.fr")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The sender of the documents forwarded to Inqom: cabinets authorise it in Inqom's settings.
INQOM_SENDER_EMAIL = env("INQOM_SENDER_EMAIL", default="no-reply@welyb.fr")
# Seconds each exchange with the SMTP server or the ESP's API may wait (the outbox's lease is
# derived from it, see DELIVERY_SENDING_TIMEOUT_SECONDS).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
if EMAIL_TIMEOUT < 1:
    raise ImproperlyConfigured("EMAIL_TIMEOUT must be 1 second or more.")
ANYMAIL_ESP = env("ANYMAIL_ESP", default="")
if ANYMAIL_ESP:
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"
elif os.environ.get("EMAIL_URL"):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "outbox"
# Every ANYMAIL_<NAME> variable becomes anymail's <NAME> setting: ANYMAIL_MAILGUN_API_KEY,
# ANYMAIL_WEBHOOK_SECRET ("user:password" of the webhooks' basic authentication)...
ANYMAIL = {
    # The ESP's HTTP API waits as long as an SMTP server would.
    "REQUESTS_TIMEOUT": EMAIL_TIMEOUT,
    **{
        name.removeprefix("ANYMAIL_"): value
        for name, value in os.environ.items()
        if name.startswith("ANYMAIL_") and name != "ANYMAIL_ESP"
    },
}

# --- Tasks -------------------------------------------------------------------------------------

# Without REDIS_URL, tasks run in-process; they are always enqueued with transaction.on_commit,
# so they still run only once the transaction that asked for them has committed.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
# A task is acknowledged once done: a worker that dies mid-task leaves it to another worker.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=120)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=150)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's Django fix-up closes every database connection around every task unless told to
# keep them for this many tasks; welyb_portal/celery.py applies Django's CONN_MAX_AGE and
# health checks around each task instead, as for a request.
CELERY_DB_REUSE_MAX = 1000
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "ged-annual-folders": {
        "task": "ged.tasks.create_annual_folders",
        "schedule": crontab(minute=5, hour=0, day_of_month=1, month_of_year=1),
    },
}
# Workers, and the tasks they enqueue themselves, use this queue (one per deployment, or per
# test run so that two runs never take each other's tasks).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")

# The outbox of deliveries to partner apps: retries wait BASE, 2×BASE, 4×BASE... up to
# MAX_ATTEMPTS tries; the sweep runs every SWEEP seconds.
DELIVERY_RETRY_BASE_SECONDS = env.int("DELIVERY_RETRY_BASE_SECONDS", default=60)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=8)
DELIVERY_SWEEP_SECONDS = env.int("DELIVERY_SWEEP_SECONDS", default=30)
# The lease of a "sending" delivery, derived from the email timeout so that a live worker always
# finishes or fails inside it: each SMTP (or ESP) operation waits EMAIL_TIMEOUT at most, Celery
# interrupts a send after 2 × EMAIL_TIMEOUT (the deliver task's soft time limit: the delivery is
# then retried) and kills its process 5 s later (the hard limit). A delivery still "sending"
# 5 s after that lost its worker (SIGKILL, an OOM kill): the next sweep takes it back. With the
# defaults: 60 s, 65 s, a lease of 70 s, and a crashed worker's delivery leaves again within
# 70 + 30 s.
DELIVERY_SEND_SOFT_LIMIT_SECONDS = 2 * EMAIL_TIMEOUT
DELIVERY_SEND_HARD_LIMIT_SECONDS = DELIVERY_SEND_SOFT_LIMIT_SECONDS + 5
DELIVERY_SENDING_TIMEOUT_SECONDS = DELIVERY_SEND_HARD_LIMIT_SECONDS + 5
CELERY_BEAT_SCHEDULE["partner-apps-delivery-sweep"] = {
    "task": "partner_apps.tasks.sweep_deliveries",
    "schedule": DELIVERY_SWEEP_SECONDS,
}

# Staff's notifications by email: one digest of a person's unread notifications, at most one
# every FAILURE_DIGEST_SECONDS; the first after a quiet period gathers what comes within
# FAILURE_DIGEST_GATHER_SECONDS, so that a burst makes one email. The sweep runs every
# FAILURE_DIGEST_SWEEP_SECONDS: it sends what no worker picked up (broker down), and takes back
# a digest "sending" for longer than a task may last (its worker died).
FAILURE_DIGEST_SECONDS = env.int("FAILURE_DIGEST_SECONDS", default=600)
FAILURE_DIGEST_GATHER_SECONDS = env.int("FAILURE_DIGEST_GATHER_SECONDS", default=60)
FAILURE_DIGEST_SWEEP_SECONDS = env.int("FAILURE_DIGEST_SWEEP_SECONDS", default=60)
FAILURE_DIGEST_SENDING_TIMEOUT_SECONDS = CELERY_TASK_TIME_LIMIT
if min(FAILURE_DIGEST_SECONDS, FAILURE_DIGEST_GATHER_SECONDS) < 0 or (
    FAILURE_DIGEST_SWEEP_SECONDS < 1
):
    raise ImproperlyConfigured(
        "FAILURE_DIGEST_SECONDS and FAILURE_DIGEST_GATHER_SECONDS must be 0 or more, "
        "FAILURE_DIGEST_SWEEP_SECONDS 1 or more."
    )
CELERY_BEAT_SCHEDULE["tenancy-notification-digest-sweep"] = {
    "task": "welyb_portal.tenancy.tasks.sweep_notification_digests",
    "schedule": FAILURE_DIGEST_SWEEP_SECONDS,
}
# The largest attachment Inqom takes.
INQOM_MAX_ATTACHMENT_MB = env.int("INQOM_MAX_ATTACHMENT_MB", default=20)
# A message in Redis not acknowledged within this delay is given to another worker: it must
# exceed the longest countdown (a delivery's retry, a digest waiting for its window), or a
# delayed task would be delivered twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(
        3600,
        2 * DELIVERY_RETRY_BASE_SECONDS * 2 ** max(DELIVERY_MAX_ATTEMPTS - 1, 0),
        2 * (FAILURE_DIGEST_SECONDS + FAILURE_DIGEST_GATHER_SECONDS),
    )
}

# --- Operations (welyb_portal/operations/) ------------------------------------------------------

# GET /metrics answers Prometheus with `Authorization: Bearer <METRICS_TOKEN>`; 404 while unset.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured(
        "METRICS_TOKEN must be 32 characters or more: /metrics answers on every host."
    )

# --- API ---------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # First, so that an anonymous call answers 401 with a WWW-Authenticate header.
        "welyb_portal.tenancy.api.authentication.CabinetTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_METADATA_CLASS": "welyb_portal.tenancy.api.metadata.ViewMetadata",
    "EXCEPTION_HANDLER": "welyb_portal.tenancy.api.exception_handlers.api_exception_handler",
}
# An API token unused for API_TOKEN_DAYS days expires: the next call with it answers 401 and
# deletes it, and POST /api/v1/auth/token/ hands out a new key. A new password (the reset link,
# the Django admin, changepassword) and POST /api/v1/auth/logout/ revoke it at once. Its last use
# is written at most once an hour, not at every call (tenancy/services/tokens.py); beat deletes
# the expired tokens nobody came back with, every night.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=30)
if API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured("API_TOKEN_DAYS must be 1 or more.")
CELERY_BEAT_SCHEDULE["tenancy-api-token-purge"] = {
    "task": "welyb_portal.tenancy.tasks.purge_expired_api_tokens",
    "schedule": crontab(minute=40, hour=3),
}
# Documents and folders in a company's trash are deleted for good, files included, once they
# have been there TRASH_RETENTION_DAYS days (beat, every night: ged/services/trash_retention.py).
# Nothing else is ever deleted automatically: accounting documents are kept ten years.
TRASH_RETENTION_DAYS = env.int("TRASH_RETENTION_DAYS", default=30)
if TRASH_RETENTION_DAYS < 1:
    raise ImproperlyConfigured("TRASH_RETENTION_DAYS must be 1 or more.")
CELERY_BEAT_SCHEDULE["ged-trash-purge"] = {
    "task": "ged.tasks.purge_trash",
    "schedule": crontab(minute=20, hour=2),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API du portail",
    "DESCRIPTION": "API REST v1 du portail documentaire du cabinet.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["welyb_portal.tenancy.api.permissions.IsCabinetStaff"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Two models have a `status`: each gets its enum by name.
    "ENUM_NAME_OVERRIDES": {
        "DeliveryStatusEnum": "partner_apps.models.delivery.DeliveryStatus",
        "DocumentStatusEnum": "ged.models.document.DocumentStatus",
        "ReasonCodeEnum": "partner_apps.models.delivery.ReasonCode",
    },
    # The error answers (400, 401, 403, 404, 415) are declared too, not only the successes.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "welyb_portal.tenancy.api.schema.add_error_responses",
    ],
}

# --- Production hardening ----------------------------------------------------------------------

X_FRAME_OPTIONS = "DENY"
# SecurityMiddleware sends these on every answer; Django's defaults, written down to be kept.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): the pages load scripts, styles, images and fonts from
# the portal itself and nothing else. No inline script or style attribute anywhere, no eval
# (htmx is told so in base.html), no plugin, no framing. The cabinet's colours come from its own
# stylesheet URL, and the API's docs load their init script from a URL too (split view).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Swagger UI draws its icons as data: URLs; the branding preview reads the chosen
        # logo as a blob: URL before it is uploaded.
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    if env.bool("BEHIND_TLS_PROXY", default=False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- Logs and errors (welyb_portal/observability/) -------------------------------------------

# "plain": one line of text per record; "json": one JSON object per line (time, level, logger,
# message, and the request id, cabinet and user id of a web request, the task name and id of a
# task), for the worker and beat too.
LOG_FORMAT = env("LOG_FORMAT", default="plain").strip().lower()
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "welyb_portal.tenancy.log_context.LogContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "welyb_portal.observability.json_logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Each failed login and each lock are warnings; axes' step-by-step narration is not news.
        "axes": {"level": "WARNING"},
        # Celery's logger for task modules gets a handler of its own in Celery's format unless
        # it has one already.
        "celery.task": {"handlers": ["console"], "propagate": False},
    },
}

# Errors go to Sentry when SENTRY_DSN is set, scrubbed of the cabinets' data and tagged with the
# cabinet (welyb_portal/observability/sentry.py).
SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    from welyb_portal.observability.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default=""),
        release=env("SENTRY_RELEASE", default=""),
    )
