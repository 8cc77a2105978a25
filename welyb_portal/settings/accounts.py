"""Users and their sessions: authentication, staff sessions and two-factor codes, the login
lock, password resets."""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from .base import env

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
    "axes.W006",  # the lock is on the account, not the IP: README.md, « Login throttling »
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

# What the lock does, and why it is set so: README.md, « Login throttling ».
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
LOGIN_LOCK_MINUTES = env.int("LOGIN_LOCK_MINUTES", default=15)
if LOGIN_FAILURE_LIMIT < 1 or LOGIN_LOCK_MINUTES < 1:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT and LOGIN_LOCK_MINUTES must be 1 or more.")
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCK_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "welyb_portal.tenancy.throttling.login_throttle_key"
AXES_LOCKOUT_CALLABLE = "welyb_portal.tenancy.views.lockout.login_lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
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
