"""The default cache: Redis, or this process's own memory while Redis does not answer.

Rate limits (allauth's and ours) and small caches live here. When Redis is down, login must
still work: failing open would drop the limits, crashing would lock everyone out, so each
process counts on its own until Redis answers again (issue 16, "Faults").
"""

import asyncio
import logging
import time
import weakref

from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failure, Redis is not asked again for this long, so a request does not pay the
# connect timeout on every cache call while it is down.
RETRY_AFTER_SECONDS = 5.0


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        # Django makes a cache object per thread (and ASGI runs each request in a thread of
        # its own): named after the server, every object of this process shares one memory, so
        # what one request counted or kept the next one finds.
        self._memory = LocMemCache(
            f"redis-fallback-{server}",
            {"OPTIONS": {"MAX_ENTRIES": 10_000}, "KEY_PREFIX": params.get("KEY_PREFIX", "")},
        )
        self._redis_retry_at = 0.0

    @property
    def redis_is_down(self) -> bool:
        return time.monotonic() < self._redis_retry_at

    def _call(self, name: str, *args, **kwargs):
        if not self.redis_is_down:
            try:
                return getattr(super(), name)(*args, **kwargs)
            except UNREACHABLE as error:
                self._redis_retry_at = time.monotonic() + RETRY_AFTER_SECONDS
                logger.warning(
                    "Redis cache unreachable (%s): this process counts in memory for now",
                    type(error).__name__,
                )
        return getattr(self._memory, name)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def clear(self):
        self._memory.clear()
        return self._call("clear")


# --- The same cache from an event loop, without a thread ------------------------------------
# Django's cache methods have async names, but they run the sync call in a thread: a hop per
# call. A socket's per-message checks (chat.limits) talk to Redis with redis.asyncio instead,
# one client an event loop (its connections belong to that loop), and fall back, like the
# cache above, to this process's memory (the same one the cache objects share) while Redis
# does not answer.
#
# A loop's client is closed, and forgotten, when the loop shuts down (asyncio.run, as uvicorn
# and async_to_sync run theirs, closes the loop's async generators first: `_release_at_end` is
# one). Kept until then, each async_to_sync call's loop left a client behind whose connections
# held the loop, so the weak key never let go: a socket to Redis per call, for good.

_async_clients: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, object]" = (
    weakref.WeakKeyDictionary()
)
_async_redis_retry_at = 0.0


def _default_cache_settings() -> dict:
    return settings.CACHES["default"]


def fallback_memory() -> LocMemCache:
    """The per-process memory FallbackRedisCache counts in while Redis is down."""
    params = _default_cache_settings()
    return LocMemCache(
        f"redis-fallback-{params['LOCATION']}",
        {"OPTIONS": {"MAX_ENTRIES": 10_000}, "KEY_PREFIX": params.get("KEY_PREFIX", "")},
    )


async def _release_at_end(loop: asyncio.AbstractEventLoop, client):
    try:
        yield
    finally:
        if _async_clients.get(loop, (None,))[0] is client:
            del _async_clients[loop]
        try:
            await client.aclose()
        except Exception as error:  # a Redis gone away: its sockets are closed all the same
            logger.info("Redis async client closed with %s", type(error).__name__)


async def _start(generator) -> None:
    await anext(generator)


def async_redis():
    """This event loop's redis.asyncio client for the default cache's Redis, or None while
    Redis is taken for down (for RETRY_AFTER_SECONDS after a failure)."""
    if time.monotonic() < _async_redis_retry_at:
        return None
    loop = asyncio.get_running_loop()
    kept = _async_clients.get(loop)
    if kept is not None:
        return kept[0]
    import redis.asyncio

    params = _default_cache_settings()
    options = params.get("OPTIONS", {})
    # Bounded, and a call beyond the bound waits (up to the read timeout) for a free
    # connection: the unbounded pool opened one per concurrent call, and redis' plain pool
    # refuses at its bound, which would send the whole process to its memory for a while.
    pool = redis.asyncio.BlockingConnectionPool.from_url(
        params["LOCATION"],
        max_connections=settings.CACHE_ASYNC_REDIS_MAX_CONNECTIONS,
        timeout=options.get("socket_timeout"),
        socket_connect_timeout=options.get("socket_connect_timeout"),
        socket_timeout=options.get("socket_timeout"),
    )
    client = redis.asyncio.Redis.from_pool(pool)
    release = _release_at_end(loop, client)
    # Held with the client (the loop tracks its async generators only weakly) and started, so
    # that its `finally` runs when the loop shuts its generators down.
    _async_clients[loop] = (client, release, loop.create_task(_start(release)))
    return client


def async_redis_failed(error: BaseException) -> None:
    global _async_redis_retry_at
    _async_redis_retry_at = time.monotonic() + RETRY_AFTER_SECONDS
    logger.warning(
        "Redis cache unreachable (%s): this process counts in memory for now",
        type(error).__name__,
    )
