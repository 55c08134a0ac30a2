"""A sign-out closes the chat sockets of that session at once, in whichever ASGI process."""

from chat.services import send_now
from chat.sessions import session_group


def close_sockets_of_session(sender, request, user, **kwargs) -> None:
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        send_now(session_group(session_key), {"type": "session_ended"})
