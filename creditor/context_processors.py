from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from creditor.access import NAV_SESSION_KEY, is_creditor_user


def _shows_link(request: HttpRequest) -> bool:
    # Remembered in the session, so that the pages' query budgets stay as they were; the
    # portal itself checks the membership on every request (creditor.access).
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return False
    remembered = request.session.get(NAV_SESSION_KEY)
    if remembered is None:
        remembered = is_creditor_user(user)
        request.session[NAV_SESSION_KEY] = remembered
    return bool(remembered)


def creditor_portal(request: HttpRequest) -> dict:
    """`is_creditor_user` for the navigation's "Ropo One" link."""
    return {"is_creditor_user": SimpleLazyObject(lambda: _shows_link(request))}
