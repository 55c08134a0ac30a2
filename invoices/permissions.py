"""What a user may do with an invoice they can see: the one permission function.

Views first load the invoice through `invoices_visible_to` (404 when invisible), then ask
`can(user, action, invoice)` (403 when refused). The identity and authorization work extends
`_scopes_for` with company roles and granted authorizations.
"""

from enum import StrEnum

from accounts.models import User
from invoices.models import CreditorUser, Invoice, InvoiceAccess


class Action(StrEnum):
    VIEW = "view"
    PAY = "pay"
    ARRANGE = "arrange"  # payment plans and due-date transfers
    MESSAGE = "message"


ALL_SCOPES = frozenset(Action)


def _scopes_for(user: User, invoice: Invoice) -> frozenset[str]:
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_staff:
        return ALL_SCOPES
    if InvoiceAccess.objects.filter(user=user, invoice=invoice).exists():
        return ALL_SCOPES
    if CreditorUser.objects.filter(user=user, creditor_id=invoice.creditor_id).exists():
        # A creditor follows its invoices but does not pay or arrange them for the debtor.
        return frozenset({Action.VIEW, Action.MESSAGE})
    return frozenset()


def can(user: User, action: str, invoice: Invoice) -> bool:
    return Action(action) in _scopes_for(user, invoice)


def allowed_actions(user: User, invoice: Invoice) -> frozenset[str]:
    """All actions at once, for pages that show several buttons (one lookup, not four)."""
    return _scopes_for(user, invoice)
