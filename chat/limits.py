"""Transport limits of the chat sockets: messages per minute per connection and per user, and
open connections per user. The counters of a user live in the shared cache (Redis), so they
hold across ASGI processes; a connection's own counter lives in the connection."""

import time
from collections import deque

from django.conf import settings
from django.core.cache import cache

from myropo.ratelimit import arate_limit_exceeded, rate_limit_exceeded

# A connection counter outlives a crashed process at most this long.
CONNECTION_KEY_SECONDS = 6 * 3600


class ConnectionRate:
    """A sliding minute of one connection's messages."""

    def __init__(self, per_minute: int):
        self.per_minute = per_minute
        self.times: deque[float] = deque()

    def allow(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        while self.times and now - self.times[0] >= 60:
            self.times.popleft()
        if len(self.times) >= self.per_minute:
            return False
        self.times.append(now)
        return True


def user_message_allowed(user_id: int) -> bool:
    return not rate_limit_exceeded(
        scope="chat-message",
        key=str(user_id),
        limit=settings.CHAT_MESSAGES_PER_MINUTE_PER_USER,
        period_seconds=60,
    )


async def auser_message_allowed(user_id: int) -> bool:
    """`user_message_allowed` from a socket's event loop, without a thread (asyncio Redis)."""
    return not await arate_limit_exceeded(
        scope="chat-message",
        key=str(user_id),
        limit=settings.CHAT_MESSAGES_PER_MINUTE_PER_USER,
        period_seconds=60,
    )


def _connections_key(user_id: int) -> str:
    return f"chat:connections:{user_id}"


def connection_open(user_id: int) -> bool:
    """Counts a new socket of the user; False (and not counted) beyond the limit."""
    key = _connections_key(user_id)
    cache.add(key, 0, timeout=CONNECTION_KEY_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.add(key, 1, timeout=CONNECTION_KEY_SECONDS)
        count = 1
    if count > settings.CHAT_CONNECTIONS_PER_USER:
        connection_closed(user_id)
        return False
    cache.touch(key, CONNECTION_KEY_SECONDS)
    return True


def connection_closed(user_id: int) -> None:
    key = _connections_key(user_id)
    try:
        if cache.decr(key) < 0:
            cache.set(key, 0, timeout=CONNECTION_KEY_SECONDS)
    except ValueError:
        pass
