from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import (
    AuditEvent,
    Authorization,
    Invitation,
    Membership,
    Organisation,
    User,
    VerifiedIdentity,
)
from accounts.services import organisation_verify


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "preferred_language", "is_staff"]
    list_filter = ["is_staff", "is_superuser", "is_active", "preferred_language"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            _("Personal info"),
            {"fields": ["first_name", "last_name", "phone", "preferred_language"]},
        ),
        (
            _("Notifications"),
            {"fields": ["notify_new_invoice", "notify_reminder", "notify_message"]},
        ),
        (
            _("Permissions"),
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services (and audit rows, which never change)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(VerifiedIdentity)
class VerifiedIdentityAdmin(ReadOnlyAdmin):
    list_display = ["user", "masked_hetu", "full_name", "provider", "verified_at"]
    search_fields = ["user__email", "full_name"]
    fields = ["user", "masked_hetu", "full_name", "provider", "verified_at"]
    readonly_fields = fields

    @admin.display(description=_("personal identity code"))
    def masked_hetu(self, obj: VerifiedIdentity) -> str:
        return obj.masked_hetu


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "business_id", "verified", "verified_by", "verified_at", "created_at"]
    list_filter = ["verified"]
    search_fields = ["name", "business_id"]
    fields = ["name", "business_id", "verified", "verified_by", "verified_at", "created_by"]
    readonly_fields = ["business_id", "verified", "verified_by", "verified_at", "created_by"]
    inlines = [MembershipInline]
    actions = ["verify"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # users register their companies themselves

    @admin.action(description=_("Verify the selected organisations"))
    def verify(self, request: HttpRequest, queryset) -> None:
        verified = sum(
            organisation_verify(organisation=organisation, staff_user=request.user)
            for organisation in queryset
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d organisation verified.",
                "%(count)d organisations verified.",
                verified,
            )
            % {"count": verified},
            messages.SUCCESS,
        )


@admin.register(Authorization)
class AuthorizationAdmin(ReadOnlyAdmin):
    list_display = [
        "__str__",
        "scopes",
        "valid_until",
        "created_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["grantee_email", "grantor_user__email", "grantor_organisation__name"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organisation", "role", "created_at", "used_at", "cancelled_at"]
    search_fields = ["email"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "subject", "organisation", "authorization"]
    list_filter = ["action"]
    search_fields = ["actor__email", "subject__email", "organisation__name"]
    date_hierarchy = "created_at"


# allauth's own admin of authenticators labels its columns from untranslated field names
# ("Created at"): the same list with translated labels.
admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    raw_id_fields = ("user",)
    list_display = ("owner", "kind", "created", "last_used")
    list_filter = ("type", "created_at", "last_used_at")

    @admin.display(description=_("user"), ordering="user__email")
    def owner(self, obj: Authenticator):
        return obj.user

    @admin.display(description=_("kind"), ordering="type")
    def kind(self, obj: Authenticator) -> str:
        return obj.get_type_display()

    @admin.display(description=_("created at"), ordering="created_at")
    def created(self, obj: Authenticator):
        return obj.created_at

    @admin.display(description=_("last used at"), ordering="last_used_at")
    def last_used(self, obj: Authenticator):
        return obj.last_used_at
