"""Customer-service powers: only for staff who signed in with a second factor in this session.

The admin lets staff in only after a second factor (`myropo.admin_site`); the customer portal
applies the same check before a staff account sees or does anything beyond what an ordinary
user may (`invoices_visible_to`, `invoices_in_context`, `can`, the payments selectors). Those
selectors take a user, not a request, so `StaffPowersMiddleware` marks the request's user
once the check passed (`mark_staff_powers`); a staff user object that was not marked (a
password-only session, a task, the shell) has an ordinary user's rights. A websocket
consumer marks `scope["user"]` with `mark_staff_powers` from its own session the same way.
"""

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.http import HttpRequest

from accounts.models import User

STAFF_POWERS_ATTR = "_staff_powers_verified"


def session_used_mfa(request: HttpRequest) -> bool:
    """True when this session's login included a second factor (TOTP, recovery code, passkey)."""
    # allauth only returns records stored for this very user: pass it, or the list is empty.
    records = get_authentication_records(request, request.user)
    return any(record.get("method") == "mfa" for record in records)


def staff_verified(request: HttpRequest) -> bool:
    """The admin's entry check: active staff with MFA set up who used it to sign in."""
    user = request.user
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and is_mfa_enabled(user)
        and session_used_mfa(request)
    )


def mark_staff_powers(request: HttpRequest) -> bool:
    """Marks `request.user` as customer service for this request when `staff_verified`."""
    user = request.user
    if not (user.is_authenticated and user.is_staff):
        return False
    verified = staff_verified(request)
    setattr(user, STAFF_POWERS_ATTR, verified)
    return verified


def has_staff_powers(user: User) -> bool:
    """True only for a staff user marked for this request (see the module's docstring)."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.is_staff
        and getattr(user, STAFF_POWERS_ATTR, False) is True
    )
