"""Requests counted per key and per hour in Django's cache (see "Password resets" in
welyb_portal/settings/accounts.py for why the cache): the first request of a key opens its hour,
and the count starts again once that hour is over."""

import hashlib

from django.core.cache import cache

_HOUR = 3600


def rate_limit_hit(*, scope: str, key: str, limit: int) -> bool:
    """Counts one request of `key` in `scope`; False once more than `limit` were counted within
    the key's hour (this one included). A limit of 0 counts nothing and allows everything."""
    if limit <= 0:
        return True
    # Hashed: any length and any character (an email address, an IPv6 address) makes a valid,
    # short cache key, and the cache holds no address in clear.
    cache_key = f"rate:{scope}:{hashlib.sha256(key.encode()).hexdigest()}"
    cache.add(cache_key, 0, timeout=_HOUR)
    try:
        count = cache.incr(cache_key)
    except ValueError:
        # The hour ended between the two calls: this request opens the next one.
        cache.set(cache_key, 1, timeout=_HOUR)
        count = 1
    return count <= limit
