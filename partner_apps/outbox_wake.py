"""The flag that coalesces the outbox's wake-ups: a burst of deposits publishes a few drains, not
one task each.

The flag lives in the broker's Redis, short-lived. A deposit's commit sets it if it is not set
(SET NX) and publishes a drain only then; a drain clears it before it looks for due rows. So a
delivery committed while the flag is set has a drain published that has not looked yet, and
will see it; one committed after a drain cleared the flag sets it again and publishes a new one.
Without Redis (the embedded mode, the unit tests: tasks run in-process) there is no flag and
every wake-up publishes. When Redis does not answer, the wake-up publishes too: the broker
decides then, and when it is down the outbox's sweep sends what waits."""

import functools
import logging

import redis
from celery import current_app

logger = logging.getLogger(__name__)

# Long enough for a published drain to start behind a busy queue; a flag left by a drain that
# never ran (its worker died first) only delays the next deposits' drain by this much at most.
WAKE_FLAG_SECONDS = 5
# A deposit never waits long for a Redis that does not answer.
REDIS_TIMEOUT_SECONDS = 1.0


@functools.cache
def _client(url: str) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT_SECONDS, socket_connect_timeout=REDIS_TIMEOUT_SECONDS
    )


def _flag() -> tuple[redis.Redis, str] | None:
    """The broker's Redis and the flag's key (one per queue), or None without Redis or when
    tasks run in-process."""
    conf = current_app.conf
    url = conf.broker_url or ""
    if conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return None
    return _client(url), f"outbox:wake:{conf.task_default_queue}"


def wake_flag_set() -> bool:
    """Sets the flag; True when it was not set (the caller publishes a drain), or when there is
    no flag to set (no Redis, or it does not answer)."""
    flag = _flag()
    if flag is None:
        return True
    client, key = flag
    try:
        return bool(client.set(key, 1, nx=True, ex=WAKE_FLAG_SECONDS))
    except redis.RedisError:
        return True


def wake_flag_clear() -> None:
    """Cleared by a drain before it looks for due rows, and by a publisher whose drain could not
    be published. A flag that cannot be cleared expires on its own."""
    flag = _flag()
    if flag is None:
        return
    client, key = flag
    try:
        client.delete(key)
    except redis.RedisError:
        logger.warning("outbox wake flag not cleared (Redis unreachable); it expires")
