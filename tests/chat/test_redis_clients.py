"""The sockets' redis.asyncio client (myropo.cache.async_redis): one an event loop, released
when its loop ends, with a bounded pool. Before, each loop's client (and its connections,
which hold the loop) stayed for the process's life: every async_to_sync call left a socket
to Redis open."""

import gc
import os
from urllib.parse import urlparse

from django.conf import settings

import myropo.cache
from myropo.ratelimit import arate_limit_exceeded
from tests.chat.conftest import run_in_a_thread


async def _count_once():
    return await arate_limit_exceeded(scope="clients", key="u", limit=1000, period_seconds=60)


def _sockets_to_redis() -> int:
    """This process's open TCP connections to the cache's Redis port (from /proc/net/tcp)."""
    port = urlparse(settings.CACHES["default"]["LOCATION"]).port or 6379
    inodes = set()
    for name in ("tcp", "tcp6"):
        if not os.path.exists(f"/proc/net/{name}"):
            continue
        with open(f"/proc/net/{name}") as table:
            next(table)
            for line in table:
                fields = line.split()
                remote_port = int(fields[2].rsplit(":", 1)[1], 16)
                if remote_port == port and fields[3] == "01":  # ESTABLISHED
                    inodes.add(fields[9])
    mine = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            mine.add(target[8:-1])
    return len(inodes & mine)


def test_a_loops_client_is_released_when_its_loop_ends(monkeypatch):
    monkeypatch.setattr(myropo.cache, "_async_redis_retry_at", 0.0)
    run_in_a_thread(_count_once)  # whatever the process keeps anyway (the sync cache's pool)
    gc.collect()
    before = _sockets_to_redis()
    for _ in range(6):
        assert run_in_a_thread(_count_once) is False
    gc.collect()
    assert len(myropo.cache._async_clients) == 0
    assert _sockets_to_redis() <= before


def test_a_loops_client_has_a_bounded_pool(monkeypatch):
    monkeypatch.setattr(myropo.cache, "_async_redis_retry_at", 0.0)

    async def pool_size():
        return myropo.cache.async_redis().connection_pool.max_connections

    assert run_in_a_thread(pool_size) == settings.CACHE_ASYNC_REDIS_MAX_CONNECTIONS == 50
