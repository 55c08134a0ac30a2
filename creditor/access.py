"""Who may enter the creditor portal, for which creditor, and with which role.

A user with a creditor membership (`invoices.CreditorUser`) enters `/creditor/` only with a
second factor used in this session, the same check as the staff admin (accounts.staff). A
user of several creditors works for one at a time, chosen like the acting-as selector: the
choice lives in the session and is checked against the memberships on every request, so a
membership removed a moment ago gives nothing. Another creditor's objects answer 404 (the
views load every object through `creditor.selectors` for the current creditor); a viewer
asking for an admin action gets 403.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from accounts.staff import session_used_mfa
from invoices.models import Creditor, CreditorRole, CreditorUser

SESSION_KEY = "creditor_id"
NAV_SESSION_KEY = "creditor_nav"


@dataclass(frozen=True)
class CreditorAccess:
    """The creditor the request works for, the user's role there, and the others to switch to."""

    membership: CreditorUser
    options: tuple[CreditorUser, ...]

    @property
    def creditor(self) -> Creditor:
        return self.membership.creditor

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def is_admin(self) -> bool:
        return self.membership.role == CreditorRole.ADMIN


def memberships_of(user: User) -> list[CreditorUser]:
    if not user.is_authenticated or not user.is_active:
        return []
    return list(
        CreditorUser.objects.filter(user=user)
        .select_related("creditor")
        .order_by("creditor__name", "creditor_id")
    )


def is_creditor_user(user: User) -> bool:
    return bool(
        user.is_authenticated and user.is_active and CreditorUser.objects.filter(user=user).exists()
    )


def creditor_access(request: HttpRequest) -> CreditorAccess | None:
    """The chosen creditor (or the first one), checked against the memberships: one query."""
    options = memberships_of(request.user)
    request.session[NAV_SESSION_KEY] = bool(options)
    if not options:
        return None
    wanted = request.session.get(SESSION_KEY)
    chosen = next((m for m in options if m.creditor_id == wanted), options[0])
    if wanted != chosen.creditor_id:
        request.session[SESSION_KEY] = chosen.creditor_id
    return CreditorAccess(membership=chosen, options=tuple(options))


def creditor_switch(request: HttpRequest, creditor_id: int) -> CreditorUser | None:
    chosen = next((m for m in memberships_of(request.user) if m.creditor_id == creditor_id), None)
    if chosen is not None:
        request.session[SESSION_KEY] = chosen.creditor_id
    return chosen


def _mfa_refusal(request: HttpRequest) -> HttpResponse | None:
    user = request.user
    if not is_mfa_enabled(user):
        reason = "mfa_not_set_up"
    elif not session_used_mfa(request):
        reason = "mfa_not_used"
    else:
        return None
    return render(
        request,
        "creditor/mfa_required.html",
        {"reason": reason, "next_url": request.get_full_path()},
        status=403,
    )


def creditor_view(*, admin: bool = False) -> Callable:
    """Decorates a creditor-portal view: login, membership (else 404), MFA, and for `admin`
    the admin role (else 403). The view gets `request.creditor_access`."""

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            access = creditor_access(request)
            if access is None:
                raise Http404
            refusal = _mfa_refusal(request)
            if refusal is not None:
                return refusal
            if admin and not access.is_admin:
                raise PermissionDenied
            request.creditor_access = access
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
