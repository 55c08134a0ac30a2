"""A message drafted elsewhere (the chat widget outside hours) that the new-message form starts
with. Kept in the cache for a short while, per user: not in a URL (logs, history), and not in
the session, which a slower request of the same browser could save back without it."""

from django.core.cache import cache

from accounts.models import User

DRAFT_SECONDS = 15 * 60
MAX_DRAFT = 10_000


def _key(user: User) -> str:
    return f"messaging:draft:{user.pk}"


def draft_save(*, user: User, body: str) -> None:
    body = (body or "").strip()[:MAX_DRAFT]
    if body:
        cache.set(_key(user), body, timeout=DRAFT_SECONDS)


def draft_take(user: User) -> str:
    """The draft, once: the next visit of the form starts empty."""
    body = cache.get(_key(user)) or ""
    if body:
        cache.delete(_key(user))
    return body
