import functools

import redis

# An operator's probe answers within a couple of seconds even when Redis hangs.
REDIS_TIMEOUT_SECONDS = 1.0


@functools.cache
def redis_client(url: str) -> redis.Redis:
    """A client of the shared Redis with short timeouts, one per process and URL (its pool
    reconnects by itself, after a fork too)."""
    return redis.Redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
        socket_timeout=REDIS_TIMEOUT_SECONDS,
    )
