"""The outbox of deliveries to partner apps (partner_apps/services/outbox.py): its retries,
its sweep, the lease of a delivery being sent."""

from .base import env
from .emails import EMAIL_TIMEOUT

# The outbox of deliveries to partner apps: retries wait BASE, 2×BASE, 4×BASE... up to
# MAX_ATTEMPTS tries; the sweep runs every SWEEP seconds.
DELIVERY_RETRY_BASE_SECONDS = env.int("DELIVERY_RETRY_BASE_SECONDS", default=60)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=8)
DELIVERY_SWEEP_SECONDS = env.int("DELIVERY_SWEEP_SECONDS", default=30)
# A drain (the deliver task) reads up to BATCH_SIZE due deliveries at once and sends them one
# after the other over one connection (see partner_apps/services/outbox.py).
DELIVERY_BATCH_SIZE = max(env.int("DELIVERY_BATCH_SIZE", default=20), 1)
# The lease of a "sending" delivery, derived from the email timeout so that a live worker always
# finishes or fails inside it: each SMTP (or ESP) operation waits EMAIL_TIMEOUT at most, Celery
# interrupts a drain after 2 × EMAIL_TIMEOUT (the deliver task's soft time limit: the delivery
# being sent is then retried) and kills its process 5 s later (the hard limit). A drain claims
# each delivery of its batch just before sending it, so a delivery is « sending » for no longer
# than the drain runs, whatever the batch's size; and it starts no new send once it has run
# DELIVERY_BATCH_SECONDS (EMAIL_TIMEOUT), so that the last one still has EMAIL_TIMEOUT or more
# before the soft limit (the rest goes to another drain). A delivery still "sending" 5 s after
# the hard limit lost its worker (SIGKILL, an OOM kill): the next sweep takes it back. With the
# defaults: 60 s, 65 s, a lease of 70 s, and a crashed worker's delivery leaves again within
# 70 + 30 s.
DELIVERY_SEND_SOFT_LIMIT_SECONDS = 2 * EMAIL_TIMEOUT
DELIVERY_SEND_HARD_LIMIT_SECONDS = DELIVERY_SEND_SOFT_LIMIT_SECONDS + 5
DELIVERY_SENDING_TIMEOUT_SECONDS = DELIVERY_SEND_HARD_LIMIT_SECONDS + 5
DELIVERY_BATCH_SECONDS = EMAIL_TIMEOUT
