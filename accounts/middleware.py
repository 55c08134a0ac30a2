from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation

from accounts.staff import mark_staff_powers


class UserLanguageMiddleware:
    """A signed-in user's saved language wins over the cookie and the browser's preference.

    Runs after LocaleMiddleware (which handled cookie and Accept-Language for anonymous
    visitors) and after authentication. A logout forgets the switcher's cookie: on a shared
    computer the next visitor gets their own browser's language, not the last user's.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in and user.preferred_language:
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        response = self.get_response(request)
        if signed_in and not request.user.is_authenticated:
            response.delete_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class StaffPowersMiddleware:
    """Gives staff their customer-service powers in the portal only after MFA, and audits them.

    `mark_staff_powers` applies the admin's check (a second factor in this session) to the
    request's user; without it a staff account is an ordinary user everywhere outside the
    admin (accounts.staff). Every portal request of a staff member with those powers that
    opens an object (a URL with an id) or changes something leaves an immutable
    `AuditEvent` naming the view, the path and the answer; the admin keeps its own log.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self._admin_prefix = ""

    @property
    def admin_prefix(self) -> str:
        if not self._admin_prefix:
            self._admin_prefix = reverse("admin:index")
        return self._admin_prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        powers = user is not None and mark_staff_powers(request)
        response = self.get_response(request)
        if powers and not request.path.startswith(self.admin_prefix):
            match = request.resolver_match
            opens_object = match is not None and bool(match.kwargs)
            if opens_object or request.method not in SAFE_METHODS:
                _audit_staff_request(request, response, match)
        return response


def _audit_staff_request(request: HttpRequest, response: HttpResponse, match) -> None:
    from accounts.models import AuditAction
    from accounts.services import audit_record
    from myropo.logging import redact

    audit_record(
        action=AuditAction.STAFF_PORTAL_ACT,
        actor=request.user,
        data={
            "method": request.method,
            "path": redact(request.path),
            "query": redact(request.META.get("QUERY_STRING", ""))[:500],
            "view": match.view_name if match is not None else "",
            "kwargs": {key: str(value) for key, value in (match.kwargs if match else {}).items()},
            "status": response.status_code,
        },
    )
