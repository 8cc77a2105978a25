"""What the operator sees: /metrics's token (welyb_portal/operations/), the logs and the errors
(welyb_portal/observability/)."""

from django.core.exceptions import ImproperlyConfigured

from .base import env

# GET /metrics answers Prometheus with `Authorization: Bearer <METRICS_TOKEN>`; 404 while unset.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured(
        "METRICS_TOKEN must be 32 characters or more: /metrics answers on every host."
    )

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
