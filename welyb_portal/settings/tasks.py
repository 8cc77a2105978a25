"""Celery: the broker, JSON only, late acknowledgement, time limits, the queue. The beat
schedule and the broker's visibility timeout, which follow the apps' own delays, are in
`schedule.py`."""

from .base import TIME_ZONE, env
from .data import REDIS_URL

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
# Workers, and the tasks they enqueue themselves, use this queue (one per deployment, or per
# test run so that two runs never take each other's tasks).
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="celery")
