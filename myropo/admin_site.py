"""The customer-service admin: staff must have signed in with a second factor to enter.

Everyone who is refused gets a page that says why and what to do next (set up two-factor
authentication, or log in again with the authenticator code), never a bare 403.
"""

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from accounts.staff import has_staff_powers, session_used_mfa, staff_verified

__all__ = ["MyRopoAdminSite", "session_used_mfa"]


class MyRopoAdminSite(admin.AdminSite):
    site_header = _("MyRopo customer service")
    site_title = _("MyRopo customer service")
    index_title = _("Customer service")
    # The app list beside every page took 300 of 1280 pixels, and with the filters on the
    # other side the changelists' columns (invoices, contacts, payments) were cut off behind a
    # scroll bar (issue 12, item 10). The index and the breadcrumbs lead to every model.
    enable_nav_sidebar = False

    def index(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """The index, with a banner while today's half-year has no reference rate."""
        from collection.rate_gaps import current_half_year_missing, half_year_label

        missing = current_half_year_missing(timezone.localdate())
        context = {
            "reference_rate_missing": half_year_label(missing) if missing else "",
            **(extra_context or {}),
        }
        return super().index(request, extra_context=context)

    def has_permission(self, request: HttpRequest) -> bool:
        # The same check gives staff their powers in the customer portal (accounts.staff).
        # StaffPowersMiddleware ran it for this request's user already: its answer is reused
        # (the admin asks up to three times a page, each a query for the authenticator).
        return has_staff_powers(request.user) or staff_verified(request)

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """Replaces the admin's own password form: staff log in through allauth.

        That way allauth's rate limits, email verification and the MFA stage apply, and this
        view only decides what a signed-in visitor who may not enter is told.
        """
        index_url = reverse("admin:index", current_app=self.name)
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or index_url
        if not next_url.startswith("/") or next_url.startswith("//"):
            next_url = index_url
        user = request.user
        if not user.is_authenticated:
            login_url = resolve_url(settings.LOGIN_URL)
            return HttpResponseRedirect(f"{login_url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
        if self.has_permission(request):
            return HttpResponseRedirect(next_url)
        if not (user.is_active and user.is_staff):
            reason = "not_staff"
        elif not is_mfa_enabled(user):
            reason = "mfa_not_set_up"
        else:
            reason = "mfa_not_used"
        return render(
            request,
            "myropo/admin_refused.html",
            {"reason": reason, "next_url": next_url},
            status=403,
        )
