"""The customer-service admin: staff must have signed in with a second factor to enter."""

from allauth.account.authentication import get_authentication_records
from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


def session_used_mfa(request: HttpRequest) -> bool:
    """True when this session's login included a second factor (TOTP, recovery code, passkey)."""
    records = get_authentication_records(request)
    return any(record.get("method") == "mfa" for record in records)


class MyRopoAdminSite(admin.AdminSite):
    site_header = _("MyRopo customer service")
    site_title = _("MyRopo customer service")
    index_title = _("Customer service")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active and user.is_staff and is_mfa_enabled(user) and session_used_mfa(request)
        )

    def get_urls(self):
        # Route the admin's own login through allauth so rate limits and MFA apply to it.
        self.login = secure_admin_login(super().login)
        return super().get_urls()
