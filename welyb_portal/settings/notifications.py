"""Staff's notifications by email (welyb_portal/tenancy/): the digest's delays and its sweep."""

from django.core.exceptions import ImproperlyConfigured

from .base import env
from .tasks import CELERY_TASK_TIME_LIMIT

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
