"""A sign-out closes the chat sockets of that session at once, in whichever ASGI process."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from chat.sessions import session_group

log = logging.getLogger(__name__)


def close_sockets_of_session(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if not session_key:
        return
    # Straight to the sockets' `session_ended` handler, which closes them. As chat news
    # ("chat.event") it was relayed only after a session check, and Django sends this signal
    # before it flushes the session: a socket that read the session first passed the check
    # and stayed open.
    try:
        async_to_sync(get_channel_layer().group_send)(
            session_group(session_key), {"type": "session.ended"}
        )
    except Exception:  # Redis away: each socket finds out at its next session check
        log.warning("chat: could not tell the sockets of a session that ended")
