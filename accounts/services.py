"""Writes on people, organisations and authorizations. Keyword-only, each in one transaction.

Every change of who may see what leaves an immutable `AuditEvent`. A refused change raises
`AccountsError` with a message fit to show the user, and changes nothing.
"""

from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from stdnum.fi import hetu as stdnum_hetu
from stdnum.fi import ytunnus as stdnum_ytunnus

from accounts import hooks
from accounts.models import (
    INVITATION_DAYS,
    AuditAction,
    AuditEvent,
    Authorization,
    Invitation,
    InvitationKind,
    Membership,
    Organisation,
    Role,
    Scope,
    User,
    VerifiedIdentity,
)

INVITATION_SALT = "accounts.invitation"


class AccountsError(Exception):
    """A refused change of identities, organisations or authorizations, with a message to show."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Profile -------------------------------------------------------------------------------


@transaction.atomic
def user_update_profile(*, user: User, data: dict) -> User:
    fields = list(data)
    for field, value in data.items():
        setattr(user, field, value)
    user.save(update_fields=fields)
    return user


def user_set_language(*, user: User, language: str) -> None:
    if user.preferred_language != language:
        user.preferred_language = language
        user.save(update_fields=["preferred_language"])


# --- Audit ---------------------------------------------------------------------------------


def audit_record(
    *,
    action: str,
    actor: User | None,
    subject: User | None = None,
    organisation: Organisation | None = None,
    authorization: Authorization | None = None,
    data: dict | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        subject=subject,
        organisation=organisation,
        authorization=authorization,
        data=data or {},
    )


# --- Strong identification -----------------------------------------------------------------


def normalize_hetu(value: str) -> str | None:
    """The personal identity code in its canonical form, or None when it is not a valid one."""
    try:
        return stdnum_hetu.validate(value or "")
    except Exception:  # stdnum raises several ValidationError subclasses; none may echo the code
        return None


def identity_owner(hetu: str) -> User | None:
    identity = VerifiedIdentity.objects.filter(hetu=hetu).select_related("user").first()
    return identity.user if identity else None


@transaction.atomic
def identity_link(*, user: User, hetu: str, full_name: str = "", provider: str) -> VerifiedIdentity:
    """Stores the identity proved by strong identification; one code belongs to one user.

    Identifying again refreshes the name and time. The messages never contain the code.
    """
    canonical = normalize_hetu(hetu)
    if canonical is None:
        raise AccountsError(_("The identification service did not return a valid identity code."))
    existing = VerifiedIdentity.objects.select_for_update().filter(user=user).first()
    if existing is not None and existing.hetu != canonical:
        raise AccountsError(
            _("Your account is already linked to another person's strong identification.")
        )
    owner = identity_owner(canonical)
    if owner is not None and owner != user:
        raise AccountsError(
            _(
                "This person's strong identification is already linked to another MyRopo "
                "account. Log in to that account instead, or contact customer service."
            )
        )
    now = timezone.now()
    if existing is not None:
        existing.full_name = full_name[:200]
        existing.provider = provider
        existing.verified_at = now
        existing.save(update_fields=["full_name", "provider", "verified_at"])
        return existing
    try:
        with transaction.atomic():
            identity = VerifiedIdentity.objects.create(
                user=user,
                hetu=canonical,
                full_name=full_name[:200],
                provider=provider,
                verified_at=now,
            )
    except IntegrityError:
        # Two logins raced for the same code: the other one won.
        raise AccountsError(
            _("This person's strong identification is already linked to another MyRopo account.")
        ) from None
    audit_record(
        action=AuditAction.IDENTITY_LINKED, actor=user, subject=user, data={"provider": provider}
    )
    return identity


# --- Emails and invitations ----------------------------------------------------------------


def emails_of(user: User) -> set[str]:
    addresses = set(
        EmailAddress.objects.filter(user=user, verified=True).values_list("email", flat=True)
    )
    return {e.lower() for e in addresses | {user.email}}


def user_with_email(email: str) -> User | None:
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    address = (
        EmailAddress.objects.filter(email__iexact=email, verified=True)
        .select_related("user")
        .first()
    )
    return address.user if address else None


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"invitation": invitation.pk}, salt=INVITATION_SALT)


def invitation_url(invitation: Invitation) -> str:
    path = reverse("accounts:invitation", args=[invitation_token(invitation)])
    return f"{settings.SITE_URL}{path}"


def invitation_description(invitation: Invitation) -> str:
    """The sentence a higher app's invitation is shown with ("" for accounts' own kinds)."""
    target = hooks.invitation_target(invitation.kind)
    return target.describe(invitation) if target else ""


def _send_invitation_mail(invitation: Invitation, language: str) -> None:
    context = {"invitation": invitation, "url": invitation_url(invitation), "days": INVITATION_DAYS}
    with translation.override(language):
        context["description"] = invitation_description(invitation)
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation_message.txt", context)
    send_mail(subject, body, None, [invitation.email])


def _open_invitations() -> Q:
    return Q(
        used_at__isnull=True,
        cancelled_at__isnull=True,
        created_at__gt=timezone.now() - timedelta(days=INVITATION_DAYS),
    )


class InvitationInvalid(AccountsError):
    pass


def invitation_from_token(token: str) -> Invitation:
    """The invitation a link points to; a tampered, expired, used or cancelled link is refused."""
    try:
        payload = signing.loads(
            token, salt=INVITATION_SALT, max_age=timedelta(days=INVITATION_DAYS)
        )
    except signing.SignatureExpired:
        raise InvitationInvalid(_("This invitation has expired. Ask for a new one.")) from None
    except signing.BadSignature:
        raise InvitationInvalid(_("This invitation link is not valid.")) from None
    invitation = (
        Invitation.objects.filter(pk=payload.get("invitation"))
        .select_related("organisation", "authorization", "invited_by")
        .first()
    )
    if invitation is None or invitation.cancelled_at is not None:
        raise InvitationInvalid(_("This invitation has been cancelled."))
    if invitation.used_at is not None:
        raise InvitationInvalid(_("This invitation has already been used."))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Invitation:
    """Joins the organisation or takes the authorization; only as the invited email address."""
    invitation = invitation_from_token(token)
    # Checked again under the row lock: a cancel (or another accept) that committed after
    # the link was read must win, or a cancelled invitation would still let its holder in.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.cancelled_at is not None:
        raise InvitationInvalid(_("This invitation has been cancelled."))
    if invitation.used_at is not None:
        raise InvitationInvalid(_("This invitation has already been used."))
    if invitation.email.lower() not in emails_of(user):
        raise AccountsError(
            _(
                "This invitation was sent to another email address. Log in with that address "
                "to accept it."
            )
        )
    now = timezone.now()
    target = hooks.invitation_target(invitation.kind)
    if target is not None:
        try:
            invitation.next_url = target.accept(invitation=invitation, user=user)
        except target.refused as error:
            raise AccountsError(error.message) from None
    elif invitation.kind == InvitationKind.MEMBERSHIP:
        organisation = invitation.organisation
        if Membership.objects.filter(organisation=organisation, user=user).exists():
            raise AccountsError(_("You are already a member of this organisation."))
        Membership.objects.create(organisation=organisation, user=user, role=invitation.role)
        audit_record(
            action=AuditAction.MEMBER_JOINED,
            actor=user,
            subject=user,
            organisation=organisation,
            data={"role": invitation.role},
        )
    else:
        authorization = Authorization.objects.select_for_update().get(
            pk=invitation.authorization_id
        )
        if authorization.revoked_at is not None or authorization.status() == "expired":
            raise AccountsError(_("This authorization has been revoked or has expired."))
        if authorization.grantor_user_id == user.pk:
            raise AccountsError(_("You cannot authorize yourself."))
        if (
            authorization.grantor_organisation_id
            and Membership.objects.filter(
                organisation_id=authorization.grantor_organisation_id, user=user
            ).exists()
        ):
            raise AccountsError(
                _("You are already a member of this organisation; ask for a role instead.")
            )
        authorization.grantee = user
        authorization.accepted_at = now
        authorization.save(update_fields=["grantee", "accepted_at"])
        audit_record(
            action=AuditAction.AUTHORIZATION_ACCEPTED,
            actor=user,
            subject=user,
            organisation=authorization.grantor_organisation,
            authorization=authorization,
        )
    invitation.used_at = now
    invitation.used_by = user
    invitation.save(update_fields=["used_at", "used_by"])
    return invitation


# --- Organisations -------------------------------------------------------------------------


def normalize_business_id(value: str) -> str | None:
    try:
        return stdnum_ytunnus.format(stdnum_ytunnus.validate(value or ""))
    except Exception:  # any of stdnum's validation errors
        return None


@transaction.atomic
def organisation_register(*, user: User, name: str, business_id: str) -> Organisation:
    """Registers a company; the user becomes its first admin. Staff verify it later."""
    canonical = normalize_business_id(business_id)
    if canonical is None:
        raise AccountsError(_("Enter a valid Finnish business ID (Y-tunnus), e.g. 1234567-1."))
    name = name.strip()
    if not name:
        raise AccountsError(_("Enter the company's name."))
    try:
        with transaction.atomic():
            organisation = Organisation.objects.create(
                name=name, business_id=canonical, created_by=user
            )
    except IntegrityError:
        raise AccountsError(
            _(
                "This business ID is already registered in MyRopo. Ask the company's "
                "administrator to invite you."
            )
        ) from None
    Membership.objects.create(organisation=organisation, user=user, role=Role.ADMIN)
    audit_record(
        action=AuditAction.ORGANISATION_REGISTERED,
        actor=user,
        subject=user,
        organisation=organisation,
        data={"business_id": canonical},
    )
    return organisation


@transaction.atomic
def organisation_verify(*, organisation: Organisation, staff_user: User) -> bool:
    """Staff confirmed who the company is: from now on it sees its Y-tunnus's invoices."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if organisation.verified:
        return False
    organisation.verified = True
    organisation.verified_by = staff_user
    organisation.verified_at = timezone.now()
    organisation.save(update_fields=["verified", "verified_by", "verified_at"])
    audit_record(
        action=AuditAction.ORGANISATION_VERIFIED, actor=staff_user, organisation=organisation
    )
    return True


def _require_admin(user: User, organisation: Organisation) -> None:
    if not Membership.objects.filter(
        organisation=organisation, user=user, role=Role.ADMIN
    ).exists():
        raise AccountsError(_("Only the organisation's administrators can do this."))


@transaction.atomic
def membership_invite(
    *, organisation: Organisation, invited_by: User, email: str, role: str
) -> Invitation:
    _require_admin(invited_by, organisation)
    email = email.strip().lower()
    if role not in Role.values:
        raise AccountsError(_("Choose a role."))
    existing = user_with_email(email)
    if existing and Membership.objects.filter(organisation=organisation, user=existing).exists():
        raise AccountsError(_("This person is already a member of the organisation."))
    if Invitation.objects.filter(
        _open_invitations(),
        kind=InvitationKind.MEMBERSHIP,
        organisation=organisation,
        email__iexact=email,
    ).exists():
        raise AccountsError(_("This person has already been invited and has not answered yet."))
    invitation = Invitation.objects.create(
        kind=InvitationKind.MEMBERSHIP,
        email=email,
        organisation=organisation,
        role=role,
        invited_by=invited_by,
    )
    audit_record(
        action=AuditAction.MEMBER_INVITED,
        actor=invited_by,
        organisation=organisation,
        data={"email": email, "role": role},
    )
    language = existing.preferred_language if existing else invited_by.preferred_language
    transaction.on_commit(lambda: _send_invitation_mail(invitation, language))
    return invitation


@transaction.atomic
def invitation_send(
    *, kind: str, target_id: int, email: str, role: str, invited_by: User
) -> Invitation:
    """A higher app's invitation (its kind registered in `accounts.hooks`): one open link per
    email address and target, mailed on commit in the invitee's language (else the sender's).
    The app has checked who may invite; accepting calls its hook."""
    if hooks.invitation_target(kind) is None:
        raise AccountsError(_("This kind of invitation is not available."))
    email = email.strip().lower()
    if Invitation.objects.filter(
        _open_invitations(), kind=kind, target_id=target_id, email__iexact=email
    ).exists():
        raise AccountsError(_("This person has already been invited and has not answered yet."))
    invitation = Invitation.objects.create(
        kind=kind, email=email, target_id=target_id, role=role, invited_by=invited_by
    )
    existing = user_with_email(email)
    language = existing.preferred_language if existing else invited_by.preferred_language
    transaction.on_commit(lambda: _send_invitation_mail(invitation, language))
    return invitation


def open_invitations_for(kind: str, target_id: int):
    return Invitation.objects.filter(_open_invitations(), kind=kind, target_id=target_id)


@transaction.atomic
def invitation_cancel(*, actor: User, invitation: Invitation) -> None:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    target = hooks.invitation_target(invitation.kind)
    if target is not None:
        if not target.may_cancel(invitation, actor):
            raise AccountsError(_("Only the sender can cancel this invitation."))
    elif invitation.organisation_id:
        _require_admin(actor, invitation.organisation)
    elif invitation.invited_by_id != actor.pk:
        raise AccountsError(_("Only the sender can cancel this invitation."))
    if invitation.used_at or invitation.cancelled_at:
        return
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    audit_record(
        action=AuditAction.INVITATION_CANCELLED,
        actor=actor,
        organisation=invitation.organisation,
        authorization=invitation.authorization,
        data={"email": invitation.email},
    )


def _lock_admins(organisation: Organisation) -> list[Membership]:
    # Locks every admin row of the organisation, so that two admins demoting each other at the
    # same moment cannot both succeed and leave the organisation without an admin.
    return list(
        Membership.objects.select_for_update()
        .filter(organisation=organisation, role=Role.ADMIN)
        .order_by("pk")
    )


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    organisation = membership.organisation
    _require_admin(actor, organisation)
    if role not in Role.values:
        raise AccountsError(_("Choose a role."))
    admins = _lock_admins(organisation)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Role.ADMIN and len(admins) <= 1:
        raise AccountsError(
            _("An organisation needs at least one administrator. Make someone else one first.")
        )
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        action=AuditAction.ROLE_CHANGED,
        actor=actor,
        subject=membership.user,
        organisation=organisation,
        data={"from": old, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """An admin removes a member, or a member leaves; the last admin can do neither."""
    organisation = membership.organisation
    if membership.user_id != actor.pk:
        _require_admin(actor, organisation)
    admins = _lock_admins(organisation)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Role.ADMIN and len(admins) <= 1:
        raise AccountsError(
            _("An organisation needs at least one administrator. Make someone else one first.")
        )
    subject = membership.user
    membership.delete()
    audit_record(
        action=AuditAction.MEMBER_REMOVED,
        actor=actor,
        subject=subject,
        organisation=organisation,
        data={"role": membership.role},
    )


# --- Authorizations ------------------------------------------------------------------------


@transaction.atomic
def authorization_grant(
    *,
    granted_by: User,
    email: str,
    scopes: list[str],
    valid_until: date | None = None,
    organisation: Organisation | None = None,
) -> Authorization:
    """A person (or an organisation's admin for it) invites someone to act on their invoices.

    Seeing the invoices is part of every authorization: paying or arranging needs it.
    """
    email = email.strip().lower()
    if organisation is not None:
        _require_admin(granted_by, organisation)
    chosen = {s for s in scopes if s in Scope.values}
    if not chosen:
        raise AccountsError(_("Choose at least one right."))
    chosen.add(Scope.VIEW)
    if valid_until is not None and valid_until < timezone.localdate():
        raise AccountsError(_("The last day cannot be in the past."))
    grantee = user_with_email(email)
    if organisation is None and (email in emails_of(granted_by) or grantee == granted_by):
        raise AccountsError(_("You cannot authorize yourself."))
    if (
        organisation is not None
        and grantee is not None
        and Membership.objects.filter(organisation=organisation, user=grantee).exists()
    ):
        raise AccountsError(
            _("This person is already a member of the organisation; change their role instead.")
        )
    grantor = Q(grantor_organisation=organisation) if organisation else Q(grantor_user=granted_by)
    live = Authorization.objects.filter(grantor, revoked_at__isnull=True).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=timezone.localdate())
    )
    same_person = Q(grantee_email__iexact=email)
    if grantee is not None:
        same_person |= Q(grantee=grantee)
    for existing in live.filter(same_person):
        if existing.accepted_at is not None:
            raise AccountsError(
                _(
                    "This person already has an authorization from you. "
                    "Revoke it first to change it."
                )
            )
        if existing.invitation.is_open:
            raise AccountsError(_("This person has already been invited and has not answered yet."))
    authorization = Authorization.objects.create(
        grantor_user=None if organisation else granted_by,
        grantor_organisation=organisation,
        granted_by=granted_by,
        grantee_email=email,
        scopes=[s for s in Scope.values if s in chosen],
        valid_until=valid_until,
    )
    invitation = Invitation.objects.create(
        kind=InvitationKind.AUTHORIZATION,
        email=email,
        authorization=authorization,
        invited_by=granted_by,
    )
    audit_record(
        action=AuditAction.AUTHORIZATION_GRANTED,
        actor=granted_by,
        subject=grantee,
        organisation=organisation,
        authorization=authorization,
        data={
            "email": email,
            "scopes": authorization.scopes,
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    language = grantee.preferred_language if grantee else granted_by.preferred_language
    transaction.on_commit(lambda: _send_invitation_mail(invitation, language))
    return authorization


def _may_revoke(user: User, authorization: Authorization) -> bool:
    if authorization.grantee_id == user.pk or authorization.grantor_user_id == user.pk:
        return True
    return bool(
        authorization.grantor_organisation_id
        and Membership.objects.filter(
            organisation_id=authorization.grantor_organisation_id, user=user, role=Role.ADMIN
        ).exists()
    )


@transaction.atomic
def authorization_revoke(*, actor: User, authorization: Authorization) -> Authorization:
    """Ends an authorization at once (the grantor's side) or gives it up (the grantee's side)."""
    authorization = Authorization.objects.select_for_update().get(pk=authorization.pk)
    if not _may_revoke(actor, authorization):
        raise AccountsError(_("You cannot revoke this authorization."))
    if authorization.revoked_at is not None:
        return authorization
    authorization.revoked_at = timezone.now()
    authorization.revoked_by = actor
    authorization.save(update_fields=["revoked_at", "revoked_by"])
    Invitation.objects.filter(authorization=authorization, used_at__isnull=True).update(
        cancelled_at=authorization.revoked_at
    )
    audit_record(
        action=AuditAction.AUTHORIZATION_REVOKED,
        actor=actor,
        subject=authorization.grantee,
        organisation=authorization.grantor_organisation,
        authorization=authorization,
    )
    return authorization
