"""Email: the senders, the SMTP server or the ESP (anymail), the timeout of each exchange."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import VAR_DIR, env

DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="no-reply@welyb.fr")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
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
