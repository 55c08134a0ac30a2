"""What a user may do with an invoice they can see: the one permission function.

Views first load the invoice through `invoices_visible_to` (404 when invisible), then ask
`can(user, action, invoice)` (403 when refused). The scopes come from every way the user
reaches the invoice, combined:

- their own (addressed to their verified HETU): everything;
- claimed with the MyRopo ID or number + reference: view and pay only;
- a member of the debtor organisation: by role (admin and payer everything, viewer views);
  of an organisation that only claimed it: the role's scopes, at most view and pay;
- authorized by the debtor (a person or an organisation): the granted scopes (by a claimer:
  at most view and pay);
- a user of the invoice's creditor: nothing here; the creditor portal (`creditor` app) has
  its own roles behind a second factor (issue 15, item 1);
- customer-service staff who signed in with a second factor (accounts.staff): everything; a
  password-only staff session has an ordinary user's rights.
"""

from dataclasses import dataclass
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
from invoices.models import DebtorType, Invoice, InvoiceAccess


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
# Knowing an invoice's MyRopo ID, or its number and reference, proves one holds the letter,
# not that one is the debtor: enough to see and pay it, not to arrange it or take refunds.
CLAIM_SCOPES = frozenset({Action.VIEW, Action.PAY})


def _owners(invoice: Invoice) -> QuerySet:
    """Ids of the users whose invoice this is: addressed to their verified HETU."""
    # A company invoice has no HETU (a constraint), and no identity is verified as "": the
    # filter then matches nothing, still as one subquery of the single permission query.
    hetu = invoice.debtor_hetu if invoice.debtor_type == DebtorType.CONSUMER else ""
    return VerifiedIdentity.objects.filter(hetu=hetu).exclude(hetu="").values("user_id")


def _claimers(invoice: Invoice) -> QuerySet:
    """Ids of the users who claimed the invoice with its MyRopo ID or number + reference."""
    return InvoiceAccess.objects.filter(invoice=invoice).values("user_id")


def _debtor_organisations(invoice: Invoice) -> QuerySet:
    """Ids of the verified organisations whose Y-tunnus the invoice is addressed to."""
    business_id = invoice.debtor_business_id if invoice.debtor_type == DebtorType.COMPANY else ""
    return (
        Organisation.objects.filter(verified=True, business_id=business_id)
        .exclude(business_id="")
        .values("pk")
    )


def _claiming_organisations(invoice: Invoice) -> QuerySet:
    return OrganisationInvoice.objects.filter(invoice=invoice).values("organisation_id")


def _scopes_array(authorizations: QuerySet) -> ArraySubquery:
    return ArraySubquery(
        authorizations.annotate(
            scope=Func(F("scopes"), function="unnest", output_field=CharField())
        ).values("scope")
    )


@dataclass(frozen=True)
class InvoiceRights:
    """What one user may do with one invoice, read at once for a page that shows it all."""

    actions: frozenset[str]
    manages_claims: bool  # `may_manage_claims`


NO_RIGHTS = InvoiceRights(frozenset(), manages_claims=False)


def invoice_rights(user: User, invoice: Invoice) -> InvoiceRights:
    """Every route at once, in one query: flags and arrays annotated on the user's own row.

    Whoever reached the invoice only by a claim (knowing its MyRopo ID, or its number and
    reference from a letter) may view and pay it, never more (issue 10, item 14): an
    organisation's claim limits its members' roles, and an authorization by a claimer limits
    what it grants, the same way. The debtor itself (verified HETU or Y-tunnus) has it all.
    """
    if not user.is_authenticated or not user.is_active:
        return NO_RIGHTS
    if has_staff_powers(user):
        return InvoiceRights(ALL_SCOPES, may_manage_claims(user, invoice))
    owners, claimers = _owners(invoice), _claimers(invoice)
    debtor_organisations = _debtor_organisations(invoice)
    claiming_organisations = _claiming_organisations(invoice)
    active = Authorization.objects.active().filter(grantee=OuterRef("pk"))
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(
            is_own=Exists(owners.filter(user_id=OuterRef("pk"))),
            is_claimer=Exists(claimers.filter(user_id=OuterRef("pk"))),
            roles=ArraySubquery(
                Membership.objects.filter(
                    user=OuterRef("pk"), organisation__in=debtor_organisations
                ).values("role")
            ),
            claimed_roles=ArraySubquery(
                Membership.objects.filter(
                    user=OuterRef("pk"), organisation__in=claiming_organisations
                ).values("role")
            ),
            granted_scopes=_scopes_array(
                active.filter(
                    Q(grantor_user__in=owners) | Q(grantor_organisation__in=debtor_organisations)
                )
            ),
            claimed_granted_scopes=_scopes_array(
                active.filter(
                    Q(grantor_user__in=claimers)
                    | Q(grantor_organisation__in=claiming_organisations)
                )
            ),
        )
        .values(
            "is_own",
            "is_claimer",
            "roles",
            "claimed_roles",
            "granted_scopes",
            "claimed_granted_scopes",
        )
        .first()
    )
    if row is None:
        return NO_RIGHTS
    # The debtor itself: its verified HETU, or an admin of its verified organisation.
    manages_claims = (
        row["is_own"] if invoice.debtor_type == DebtorType.CONSUMER else Role.ADMIN in row["roles"]
    )
    if row["is_own"]:
        return InvoiceRights(ALL_SCOPES, manages_claims)
    scopes: set[str] = set(row["granted_scopes"])
    for role in row["roles"]:
        scopes |= ROLE_SCOPES.get(role, frozenset())
    claimed: set[str] = set(row["claimed_granted_scopes"])
    for role in row["claimed_roles"]:
        claimed |= ROLE_SCOPES.get(role, frozenset())
    if row["is_claimer"]:
        claimed |= CLAIM_SCOPES
    scopes |= claimed & CLAIM_SCOPES
    actions = frozenset(Action(s) for s in scopes if s in Action._value2member_map_)
    return InvoiceRights(actions, manages_claims)


def may_manage_claims(user: User, invoice: Invoice) -> bool:
    """The debtor itself: its verified HETU, or an admin of its verified organisation.

    They see who else claimed the invoice and may take that access away (issue 10, item 14).
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if invoice.debtor_type == DebtorType.CONSUMER:
        return _owners(invoice).filter(user_id=user.pk).exists()
    return Membership.objects.filter(
        user=user, role=Role.ADMIN, organisation__in=_debtor_organisations(invoice)
    ).exists()


def can(user: User, action: str, invoice: Invoice) -> bool:
    return Action(action) in invoice_rights(user, invoice).actions


def allowed_actions(user: User, invoice: Invoice) -> frozenset[str]:
    """All actions at once, for pages that show several buttons (one query, not four)."""
    return invoice_rights(user, invoice).actions
