"""A fixed-window rate limit in the shared cache (Redis), for actions allauth does not cover."""

import time

from django.core.cache import cache


def rate_limit_exceeded(*, scope: str, key: str, limit: int, period_seconds: int) -> bool:
    """Counts one attempt; True when this attempt is beyond `limit` in the current window."""
    window = int(time.time()) // period_seconds
    cache_key = f"ratelimit:{scope}:{key}:{window}"
    # add() is atomic: only the first attempt in a window creates the counter.
    if cache.add(cache_key, 1, timeout=period_seconds):
        return limit < 1
    try:
        return cache.incr(cache_key) > limit
    except ValueError:
        # The counter expired (or was evicted) between add() and incr(): a new window.
        cache.add(cache_key, 1, timeout=period_seconds)
        return limit < 1
