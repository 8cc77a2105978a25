"""What beat runs, and when (exactly one beat process: see the Procfile), and how long Redis
keeps a delayed task for its worker."""

from celery.schedules import crontab

from .notifications import (
    FAILURE_DIGEST_GATHER_SECONDS,
    FAILURE_DIGEST_SECONDS,
    FAILURE_DIGEST_SWEEP_SECONDS,
)
from .outbox import DELIVERY_MAX_ATTEMPTS, DELIVERY_RETRY_BASE_SECONDS, DELIVERY_SWEEP_SECONDS

CELERY_BEAT_SCHEDULE = {
    "ged-annual-folders": {
        "task": "ged.tasks.create_annual_folders",
        "schedule": crontab(minute=5, hour=0, day_of_month=1, month_of_year=1),
    },
    "partner-apps-delivery-sweep": {
        "task": "partner_apps.tasks.sweep_deliveries",
        "schedule": DELIVERY_SWEEP_SECONDS,
    },
    "tenancy-notification-digest-sweep": {
        "task": "welyb_portal.tenancy.tasks.sweep_notification_digests",
        "schedule": FAILURE_DIGEST_SWEEP_SECONDS,
    },
    "tenancy-api-token-purge": {
        "task": "welyb_portal.tenancy.tasks.purge_expired_api_tokens",
        "schedule": crontab(minute=40, hour=3),
    },
    "ged-trash-purge": {
        "task": "ged.tasks.purge_trash",
        "schedule": crontab(minute=20, hour=2),
    },
}
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
