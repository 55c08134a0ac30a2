"""Values read once per request: a small table several parts of one page need.

The invoice page asks for the reference-rate table twice (the payoff and the collection
outlook, two apps that do not know each other); the table changes a few times a year. Inside
a request `request_memo` reads it once; outside one (the cycle, tasks, the shell) it reads it
every time, and `forget` drops a value whose table this process has just written, so that a
request which changes the table and then reads it sees its own change.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

_memo: ContextVar[dict[str, Any] | None] = ContextVar("myropo_request_memo", default=None)


def request_memo[T](key: str, compute: Callable[[], T]) -> T:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def forget(key: str) -> None:
    memo = _memo.get()
    if memo is not None:
        memo.pop(key, None)


class RequestMemoMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
