"""Reads of the message centre. `contacts_visible_to` is the one rule of who sees a contact.

A contact is seen by the party it belongs to and by those acting for it:

- its owner person; the members of its owner organisation (admin and payer write, a viewer
  reads);
- people the owner authorized with the `message` scope (without it: 404);
- customer-service staff. A creditor's users read its contacts in the creditor portal
  (`creditor.selectors`, without internal notes), not here.
"""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import Authorization, Membership, Role, Scope, User
from accounts.selectors import ActingContext, active_authorizations_to
from accounts.staff import has_staff_powers
from messaging.models import Contact, ContactRead, Message

WRITING_ROLES = (Role.ADMIN, Role.PAYER)


def _message_authorizations(user: User) -> QuerySet[Authorization]:
    return active_authorizations_to(user).filter(scopes__contains=[Scope.MESSAGE])


def _debtor_rule(user: User, *, roles: tuple[str, ...] | None = None) -> Q:
    memberships = Membership.objects.filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=roles)
    granted = _message_authorizations(user)
    return (
        Q(owner_user=user)
        | Q(owner_organisation__in=memberships.values("organisation_id"))
        | Q(owner_user__in=granted.filter(grantor_user__isnull=False).values("grantor_user_id"))
        | Q(
            owner_organisation__in=granted.filter(grantor_organisation__isnull=False).values(
                "grantor_organisation_id"
            )
        )
    )


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    """Every contact this user may open; every view, download and action goes through here."""
    if not user.is_authenticated or not user.is_active:
        return Contact.objects.none()
    if has_staff_powers(user):
        return Contact.objects.all()
    return Contact.objects.filter(_debtor_rule(user))


def contacts_writable_by(user: User) -> QuerySet[Contact]:
    """The contacts this user may answer as (or for) the customer."""
    if not user.is_authenticated or not user.is_active:
        return Contact.objects.none()
    return Contact.objects.filter(_debtor_rule(user, roles=WRITING_ROLES))


def may_write(user: User, contact: Contact) -> bool:
    return contacts_writable_by(user).filter(pk=contact.pk).exists()


def contacts_in_context(user: User, context: ActingContext) -> QuerySet[Contact]:
    """The contacts of the party the user acts for: the inbox's rows."""
    if not user.is_authenticated or not user.is_active:
        return Contact.objects.none()
    if context.is_organisation:
        member = Membership.objects.filter(user=user, organisation_id=context.id)
        return Contact.objects.filter(owner_organisation__in=member.values("organisation_id"))
    if context.is_authorization:
        granted = _message_authorizations(user).filter(pk=context.id)
        return Contact.objects.filter(
            Q(owner_user__in=granted.filter(grantor_user__isnull=False).values("grantor_user_id"))
            | Q(
                owner_organisation__in=granted.filter(grantor_organisation__isnull=False).values(
                    "grantor_organisation_id"
                )
            )
        )
    return Contact.objects.filter(owner_user=user)


def may_write_in_context(user: User, context: ActingContext) -> bool:
    """May the user open contacts for this party? (A viewer or a grant without `message`: no.)"""
    if context.is_organisation:
        return Membership.objects.filter(
            user=user, organisation_id=context.id, role__in=WRITING_ROLES
        ).exists()
    if context.is_authorization:
        return _message_authorizations(user).filter(pk=context.id).exists()
    return user.is_authenticated and user.is_active


def _unread_rule(user: User) -> Q:
    read_since = ContactRead.objects.filter(
        contact=OuterRef("pk"), user=user, read_at__gte=OuterRef("last_staff_message_at")
    )
    return Q(last_staff_message_at__isnull=False) & ~Q(Exists(read_since))


def inbox_rows(user: User, contacts: QuerySet[Contact]) -> QuerySet[Contact]:
    """The inbox page: each contact with its creditor and whether it has an unread answer."""
    read_since = ContactRead.objects.filter(
        contact=OuterRef("pk"), user=user, read_at__gte=OuterRef("last_staff_message_at")
    )
    return (
        contacts.select_related("creditor")
        .annotate(read=Exists(read_since))
        .order_by("-last_message_at", "-id")
    )


def unread_count(user: User, context: ActingContext) -> int:
    return contacts_in_context(user, context).filter(_unread_rule(user)).count()


def unread_count_all(user: User) -> int:
    """Unread answers over every party the user acts for (the navigation badge)."""
    if not user.is_authenticated:
        return 0
    return Contact.objects.filter(_debtor_rule(user), _unread_rule(user)).count()


def messages_for(user: User, contact: Contact) -> QuerySet[Message]:
    """A contact's messages as this user may read them: internal notes only for staff."""
    messages = contact.messages.select_related("actor", "on_behalf_of").prefetch_related(
        Prefetch("attachments")
    )
    if not has_staff_powers(user):
        messages = messages.filter(internal=False)
    return messages.order_by("created_at", "id")


def owner_in_context(user: User, context: ActingContext):
    """Who a new contact belongs to in this context, and who acts for whom; None when the user
    may not write for that party (a viewer, or an authorization without `message`)."""
    from accounts.context import Acting
    from messaging.services import Owner

    if context.is_organisation:
        membership = (
            Membership.objects.filter(user=user, organisation_id=context.id, role__in=WRITING_ROLES)
            .select_related("organisation")
            .first()
        )
        if membership is None:
            return None
        organisation = membership.organisation
        return Owner(Acting(user, None, organisation.name), organisation=organisation)
    if context.is_authorization:
        granted = (
            _message_authorizations(user)
            .filter(pk=context.id)
            .select_related("grantor_user", "grantor_organisation")
            .first()
        )
        if granted is None:
            return None
        if granted.grantor_organisation_id:
            organisation = granted.grantor_organisation
            return Owner(Acting(user, None, organisation.name), organisation=organisation)
        return Owner(Acting(user, granted.grantor_user), user=granted.grantor_user)
    return Owner(Acting(user), user=user)
