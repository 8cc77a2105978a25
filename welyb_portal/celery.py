"""The Celery app: `celery -A welyb_portal worker` and `celery -A welyb_portal beat`.

Its configuration is the CELERY_* settings (JSON only, late acknowledgement, time limits).
"""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "welyb_portal.settings")

app = Celery("welyb_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Signal handlers of Celery's: every task's duration and failures, counted in the shared Redis
# for /metrics; every task's log lines carry its name and id, and under LOG_FORMAT=json the
# worker and beat log as the web processes do.
from .observability import tasks as observed_tasks  # noqa: E402, F401
from .operations import task_metrics  # noqa: E402, F401


@task_prerun.connect
@task_postrun.connect
def close_old_database_connections(sender=None, **kwargs) -> None:
    """A task is to a worker what a request is to the web server: before and after each one,
    Django's own rule closes a database connection that is broken or older than CONN_MAX_AGE,
    and keeps the others (Celery's Django fix-up alone would close them all, every task, and
    each task would open a new PostgreSQL session: see CELERY_DB_REUSE_MAX in the settings)."""
    if sender is None or getattr(sender.request, "is_eager", False):
        # An eager task runs inside the caller's request or transaction: not ours to close.
        return
    from django.db import close_old_connections

    close_old_connections()
