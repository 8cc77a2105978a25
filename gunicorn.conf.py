"""gunicorn's settings, read from the working directory by `gunicorn welyb_portal.wsgi` (the
Procfile's web process). Under LOG_FORMAT=json its own lines (start, workers booted, worker
timeouts) are JSON lines too, as the portal's are; its access log stays off: the portal logs
one line per request itself, with the request's id, cabinet and user."""

import os

if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "welyb_portal.observability.json_logs.JsonFormatter"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
