"""A fixed-window rate limit in the shared cache (Redis), for actions allauth does not cover."""

import time

from django.core.cache import cache, caches

from myropo.cache import UNREACHABLE, async_redis, async_redis_failed, fallback_memory


def _window_key(scope: str, key: str, period_seconds: int) -> str:
    window = int(time.time()) // period_seconds
    return f"ratelimit:{scope}:{key}:{window}"


def _count(store, cache_key: str, limit: int, period_seconds: int) -> bool:
    # add() is atomic: only the first attempt in a window creates the counter.
    if store.add(cache_key, 1, timeout=period_seconds):
        return limit < 1
    try:
        return store.incr(cache_key) > limit
    except ValueError:
        # The counter expired (or was evicted) between add() and incr(): a new window.
        store.add(cache_key, 1, timeout=period_seconds)
        return limit < 1


def rate_limit_exceeded(*, scope: str, key: str, limit: int, period_seconds: int) -> bool:
    """Counts one attempt; True when this attempt is beyond `limit` in the current window."""
    return _count(cache, _window_key(scope, key, period_seconds), limit, period_seconds)


async def arate_limit_exceeded(*, scope: str, key: str, limit: int, period_seconds: int) -> bool:
    """The same count from an event loop, with no thread: one round trip to Redis (the counter
    and its expiry in one transaction, the same key the sync limit uses), or this process's
    memory while Redis is down, as the cache does."""
    cache_key = _window_key(scope, key, period_seconds)
    client = async_redis()
    if client is not None:
        try:
            async with client.pipeline(transaction=True) as pipe:
                pipe.incr(caches["default"].make_key(cache_key))
                pipe.expire(caches["default"].make_key(cache_key), period_seconds, nx=True)
                count, _expiry_set = await pipe.execute()
            return count > limit
        except UNREACHABLE as error:
            async_redis_failed(error)
    # The memory is a dict under a lock, no I/O: fine on the event loop.
    return _count(fallback_memory(), cache_key, limit, period_seconds)
