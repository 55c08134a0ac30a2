"""What a user may do with an invoice they can see: the one permission function.

Views first load the invoice through `invoices_visible_to` (404 when invisible), then ask
`can(user, action, invoice)` (403 when refused). The scopes come from every way the user
reaches the invoice, combined:

- their own (claimed, or addressed to their verified HETU): everything;
- a member of the debtor organisation: by role (admin and payer everything, viewer views);
- authorized by the debtor (a person or an organisation): the granted scopes;
- a user of the invoice's creditor: view and message;
- customer-service staff who signed in with a second factor (accounts.staff): everything; a
  password-only staff session has an ordinary user's rights.
"""

from enum import StrEnum

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import CharField, Exists, F, Func, OuterRef, Q, QuerySet

from accounts.models import (
    Authorization,
    Membership,
    Organisation,
    OrganisationInvoice,
    Role,
    User,
    VerifiedIdentity,
)
from accounts.staff import has_staff_powers
from invoices.models import CreditorUser, DebtorType, Invoice, InvoiceAccess


class Action(StrEnum):
    VIEW = "view"
    PAY = "pay"
    ARRANGE = "arrange"  # payment plans and due-date transfers
    MESSAGE = "message"


ALL_SCOPES = frozenset(Action)

ROLE_SCOPES: dict[str, frozenset[str]] = {
    # An admin also manages the organisation's users; that is not an invoice action.
    Role.ADMIN: ALL_SCOPES,
    Role.PAYER: ALL_SCOPES,
    Role.VIEWER: frozenset({Action.VIEW}),
}
CREDITOR_SCOPES = frozenset({Action.VIEW, Action.MESSAGE})


def _own(invoice: Invoice) -> Q:
    """Q on User rows: the user claimed the invoice or it is addressed to their HETU."""
    rule = Q(pk__in=InvoiceAccess.objects.filter(invoice=invoice).values("user_id"))
    if invoice.debtor_type == DebtorType.CONSUMER and invoice.debtor_hetu:
        rule |= Q(
            pk__in=VerifiedIdentity.objects.filter(hetu=invoice.debtor_hetu).values("user_id")
        )
    return rule


def _debtor_organisations(invoice: Invoice) -> QuerySet:
    """Ids of the organisations whose invoice this is (claimed for it, or its verified Y-tunnus)."""
    rule = Q(pk__in=OrganisationInvoice.objects.filter(invoice=invoice).values("organisation_id"))
    if invoice.debtor_type == DebtorType.COMPANY and invoice.debtor_business_id:
        rule |= Q(verified=True, business_id=invoice.debtor_business_id)
    return Organisation.objects.filter(rule).values("pk")


def _scopes_for(user: User, invoice: Invoice) -> frozenset[str]:
    """Every route at once, in one query: flags and arrays annotated on the user's own row."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if has_staff_powers(user):
        return ALL_SCOPES
    debtor_organisations = _debtor_organisations(invoice)
    owners = User.objects.filter(_own(invoice)).values("pk")
    granted = Authorization.objects.active().filter(
        Q(grantor_user__in=owners) | Q(grantor_organisation__in=debtor_organisations),
        grantee=OuterRef("pk"),
    )
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            is_own=Exists(owners.filter(pk=OuterRef("pk"))),
            is_creditor=Exists(
                CreditorUser.objects.filter(user=OuterRef("pk"), creditor_id=invoice.creditor_id)
            ),
            roles=ArraySubquery(
                Membership.objects.filter(
                    user=OuterRef("pk"), organisation__in=debtor_organisations
                ).values("role")
            ),
            granted_scopes=ArraySubquery(
                granted.annotate(
                    scope=Func(F("scopes"), function="unnest", output_field=CharField())
                ).values("scope")
            ),
        )
        .values("is_own", "is_creditor", "roles", "granted_scopes")
        .first()
    )
    if row is None:
        return frozenset()
    if row["is_own"]:
        return ALL_SCOPES
    scopes: set[str] = set(row["granted_scopes"])
    for role in row["roles"]:
        scopes |= ROLE_SCOPES.get(role, frozenset())
    if row["is_creditor"]:
        scopes |= CREDITOR_SCOPES
    return frozenset(Action(s) for s in scopes if s in Action._value2member_map_)


def can(user: User, action: str, invoice: Invoice) -> bool:
    return Action(action) in _scopes_for(user, invoice)


def allowed_actions(user: User, invoice: Invoice) -> frozenset[str]:
    """All actions at once, for pages that show several buttons (one query, not four)."""
    return _scopes_for(user, invoice)
