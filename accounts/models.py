from datetime import date, datetime, timedelta

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    FINNISH = "fi", _("Finnish")
    SWEDISH = "sv", _("Swedish")
    ENGLISH = "en", _("English")


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **fields)


class User(AbstractUser):
    """A person who logs in with an email address; there are no usernames."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    preferred_language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FINNISH
    )
    phone = models.CharField(_("phone number"), max_length=16, blank=True)
    notify_new_invoice = models.BooleanField(_("email me about a new invoice"), default=True)
    notify_reminder = models.BooleanField(
        _("email me about reminders and collection letters"), default=True
    )
    notify_message = models.BooleanField(_("email me when customer service answers"), default=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


# --- Strong identification, organisations and authorizations (issue 4) -----------------------


def mask_hetu(hetu: str) -> str:
    """`131052-308T` → `131052-****`: the birth date and century stay, the person part hides."""
    return f"{hetu[:7]}****" if len(hetu) == 11 else "****"


class VerifiedIdentity(models.Model):
    """A personal identity code proved by strong identification (bank ID / mobile ID).

    The code is stored for matching invoices addressed to it; it is shown masked and never
    logged. One code belongs to one user, and a user has at most one.
    """

    user = models.OneToOneField(
        "accounts.User", on_delete=models.CASCADE, related_name="verified_identity"
    )
    hetu = models.CharField(_("personal identity code"), max_length=11, unique=True)
    full_name = models.CharField(_("name"), max_length=200, blank=True)
    provider = models.CharField(_("identified through"), max_length=40)
    verified_at = models.DateTimeField(_("identified at"))

    class Meta:
        verbose_name = _("verified identity")
        verbose_name_plural = _("verified identities")

    def __str__(self) -> str:
        return self.masked_hetu

    @property
    def masked_hetu(self) -> str:
        return mask_hetu(self.hetu)


class Organisation(models.Model):
    """A debtor company. Staff verify it before it sees every invoice addressed to its Y-tunnus."""

    name = models.CharField(_("name"), max_length=200)
    business_id = models.CharField(_("business ID"), max_length=9, unique=True)
    verified = models.BooleanField(_("verified"), default=False)
    verified_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.business_id})"


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    PAYER = "payer", _("Payer")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(_("member since"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="membership_unique"),
        ]
        indexes = [models.Index(fields=["user", "organisation"], name="membership_user")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class OrganisationInvoice(models.Model):
    """An invoice an organisation's member claimed for it by number and reference (or MyRopo ID).

    Until staff verify the organisation, these are the only invoices it sees.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="claims")
    invoice = models.ForeignKey(
        "invoices.Invoice", on_delete=models.CASCADE, related_name="organisation_claims"
    )
    claimed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation invoice")
        verbose_name_plural = _("organisation invoices")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "invoice"], name="organisation_invoice_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} → {self.invoice_id}"


class Scope(models.TextChoices):
    VIEW = "view", _("See the invoices")
    PAY = "pay", _("Pay")
    ARRANGE = "arrange", _("Payment plans and due dates")
    MESSAGE = "message", _("Message customer service")


class AuthorizationQuerySet(models.QuerySet):
    def active(self, *, today: date | None = None) -> "AuthorizationQuerySet":
        """Accepted, not revoked, not past its last day: an expired one ends by itself."""
        today = today or timezone.localdate()
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today),
            accepted_at__isnull=False,
            revoked_at__isnull=True,
            grantee__isnull=False,
        )


class Authorization(models.Model):
    """ "Valtuutus": a person, or an organisation, lets another person act on its invoices."""

    grantor_user = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="authorizations_given",
        verbose_name=_("authorizer"),
    )
    grantor_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="authorizations_given",
        verbose_name=_("authorizing organisation"),
    )
    granted_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    grantee_email = models.EmailField(_("authorized person's email"))
    grantee = models.ForeignKey(
        "accounts.User",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="authorizations_received",
        verbose_name=_("authorized person"),
    )
    scopes = ArrayField(
        models.CharField(max_length=10, choices=Scope.choices), verbose_name=_("rights")
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = AuthorizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("authorization")
        verbose_name_plural = _("authorizations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(grantor_user__isnull=False, grantor_organisation__isnull=True)
                | Q(grantor_user__isnull=True, grantor_organisation__isnull=False),
                name="authorization_one_grantor",
            ),
        ]
        indexes = [
            models.Index(
                fields=["grantee"], condition=Q(revoked_at__isnull=True), name="authz_grantee_live"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grantor_label} → {self.grantee_email}"

    @property
    def grantor_label(self) -> str:
        if self.grantor_organisation_id:
            return self.grantor_organisation.name
        return str(self.grantor_user)

    def status(self, today: date | None = None) -> str:
        today = today or timezone.localdate()
        if self.revoked_at:
            return "revoked"
        if self.valid_until and self.valid_until < today:
            return "expired"
        if self.accepted_at:
            return "active"
        return "pending"

    def status_label(self) -> str:
        return {
            "revoked": _("Revoked"),
            "expired": _("Expired"),
            "active": _("Active"),
            "pending": _("Waiting for acceptance"),
        }[self.status()]

    def scope_labels(self) -> list[str]:
        labels = dict(Scope.choices)
        return [str(labels[s]) for s in Scope.values if s in self.scopes]


class InvitationKind(models.TextChoices):
    MEMBERSHIP = "membership", _("Join an organisation")
    AUTHORIZATION = "authorization", _("Authorization")
    # A higher app's invitation (accounts.hooks.register_invitation_target): `target_id`
    # names its object, the app decides what accepting does.
    CREDITOR = "creditor", _("Work for a creditor (Ropo One)")


class Invitation(models.Model):
    """One emailed link: single use (used_at), and valid INVITATION_DAYS (the signature's age)."""

    kind = models.CharField(_("kind"), max_length=15, choices=InvitationKind.choices)
    email = models.EmailField(_("email"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, blank=True)
    authorization = models.OneToOneField(
        Authorization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitation",
    )
    # The object of a higher app's invitation (a creditor's id for kind "creditor"); accounts
    # never imports that app, so this is a plain id, not a foreign key.
    target_id = models.PositiveBigIntegerField(_("target"), null=True, blank=True)
    invited_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    used_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="membership", organisation__isnull=False)
                | Q(kind="authorization", authorization__isnull=False)
                | Q(kind="creditor", target_id__isnull=False),
                name="invitation_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.email}"

    @property
    def expires_at(self) -> datetime:
        return self.created_at + timedelta(days=INVITATION_DAYS)

    @property
    def is_open(self) -> bool:
        return (
            self.used_at is None and self.cancelled_at is None and self.expires_at > timezone.now()
        )


INVITATION_DAYS = 7


class AuditAction(models.TextChoices):
    IDENTITY_LINKED = "identity_linked", _("Strong identification linked")
    ORGANISATION_REGISTERED = "organisation_registered", _("Organisation registered")
    ORGANISATION_VERIFIED = "organisation_verified", _("Organisation verified")
    MEMBER_INVITED = "member_invited", _("User invited to an organisation")
    MEMBER_JOINED = "member_joined", _("User joined an organisation")
    ROLE_CHANGED = "role_changed", _("Role changed")
    MEMBER_REMOVED = "member_removed", _("User removed from an organisation")
    INVITATION_CANCELLED = "invitation_cancelled", _("Invitation cancelled")
    AUTHORIZATION_GRANTED = "authorization_granted", _("Authorization granted")
    AUTHORIZATION_ACCEPTED = "authorization_accepted", _("Authorization accepted")
    AUTHORIZATION_REVOKED = "authorization_revoked", _("Authorization revoked")
    STAFF_PORTAL_ACT = "staff_portal_act", _("Customer service acted in the portal")
    INVOICE_CLAIM_REMOVED = "invoice_claim_removed", _("Invoice access removed by the debtor")


class AuditEvent(models.Model):
    """An immutable record of who changed whose access. Never holds a personal identity code."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=30, choices=AuditAction.choices)
    subject = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("concerning user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    authorization = models.ForeignKey(
        Authorization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_events",
        verbose_name=_("authorization"),
    )
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are immutable.")
