"""Is an open socket's session still the one it was opened with?

A socket is authenticated once, at connect; the session can end afterwards (sign-out, an idle
expiry, a flushed session, a password change, staff whose second-factor session ended). Each
socket re-reads its session on what it receives and sends, at most once in
CHAT_SESSION_RECHECK_SECONDS, and closes (4401) when the session no longer signs in the same
user (or, for an agent, no longer carries the second factor). A sign-out in this process or
another also tells the session's sockets at once over the channel layer (`session_group`).
"""

import hashlib
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user
from django.contrib.sessions.backends.base import UpdateError

from accounts.staff import staff_verified


def session_group(session_key: str) -> str:
    # Group names are limited to ASCII and 100 characters; the key itself stays out of Redis.
    return "chat-session-" + hashlib.sha256(session_key.encode()).hexdigest()[:32]


def session_still_valid(session_key: str, user_id: int, *, agent: bool, activity: bool) -> bool:
    """True while the session signs in the same active user (an agent with the second factor).

    `activity`: the user did something on the socket; like a page request, it keeps the
    session from its idle expiry (SESSION_SAVE_EVERY_REQUEST). A session that was deleted
    meanwhile is not brought back (the store's update fails).
    """
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(SimpleNamespace(session=store))  # the hash check of a password change too
    if not user.is_authenticated or user.pk != user_id:
        return False
    if agent and not staff_verified(SimpleNamespace(user=user, session=store)):
        return False
    if activity:
        store.modified = True
        try:
            store.save()
        except UpdateError:
            return False
    return True
