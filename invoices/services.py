"""Writes on invoices: events, claims, views, credit notes. Keyword-only, one transaction each."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditAction, Membership, Organisation, OrganisationInvoice, User
from accounts.services import audit_record
from invoices.models import (
    CLOSED_STAGES,
    AccessMethod,
    Credit,
    EventKind,
    Invoice,
    InvoiceAccess,
    InvoiceEvent,
    Stage,
    normalize_myropo_id,
)
from invoices.references import InvalidReference, validate_reference
from invoices.selectors import with_balance
from myropo.ratelimit import rate_limit_exceeded
from myropo.templatetags.money import format_euros

CLAIM_ATTEMPTS_PER_HOUR = 10


class InvoiceError(Exception):
    """A refused action on an invoice, with a message fit to show the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def invoice_record_event(
    *,
    invoice: Invoice,
    kind: str,
    actor: User | None = None,
    on_behalf_of: User | None = None,
    on_behalf_of_organisation: str = "",
    detail: str = "",
    data: dict | None = None,
) -> InvoiceEvent:
    """Appends to the timeline; `invoices.selectors.acting_for(request, invoice).event_kwargs()`
    gives actor / on_behalf_of / on_behalf_of_organisation for "by X on behalf of Y"."""
    return InvoiceEvent.objects.create(
        invoice=invoice,
        kind=kind,
        actor=actor,
        on_behalf_of=on_behalf_of,
        on_behalf_of_organisation=on_behalf_of_organisation,
        detail=detail,
        data=data or {},
    )


def invoice_claim(
    *, user: User, myropo_id: str = "", number: str = "", reference: str = ""
) -> Invoice:
    """Links an invoice to the user by its MyRopo ID, or by its number together with its reference.

    A mismatch says nothing about which field was wrong, and a user gets at most
    CLAIM_ATTEMPTS_PER_HOUR attempts an hour, so that ids and references cannot be guessed.
    """
    if rate_limit_exceeded(
        scope="invoice-claim",
        key=str(user.pk),
        limit=CLAIM_ATTEMPTS_PER_HOUR,
        period_seconds=3600,
    ):
        raise InvoiceError(_("Too many attempts. Please try again in an hour."))
    not_found = InvoiceError(
        _("We could not find an invoice with these details. Check them and try again.")
    )
    if myropo_id:
        candidates = Invoice.objects.filter(myropo_id=normalize_myropo_id(myropo_id))
        method = AccessMethod.MYROPO_ID
    elif number and reference:
        try:
            canonical_reference = validate_reference(reference)
        except InvalidReference:
            raise not_found from None
        candidates = Invoice.objects.filter(number=number.strip(), reference=canonical_reference)
        method = AccessMethod.NUMBER_AND_REFERENCE
    else:
        raise not_found
    # Number + reference could in theory match invoices of two creditors; refuse rather than guess.
    matches = list(candidates[:2])
    if len(matches) != 1:
        raise not_found
    invoice = matches[0]
    with transaction.atomic():
        try:
            with transaction.atomic():
                InvoiceAccess.objects.create(invoice=invoice, user=user, method=method)
        except IntegrityError:
            return invoice  # claimed before: nothing to record again
        invoice_record_event(invoice=invoice, kind=EventKind.CLAIMED, actor=user)
    return invoice


def invoice_mark_viewed(*, invoice: Invoice, user: User) -> bool:
    """Records a "viewed" event at most once a day per user and invoice."""
    today_start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    seen_today = InvoiceEvent.objects.filter(
        invoice=invoice, kind=EventKind.VIEWED, actor=user, created_at__gte=today_start
    ).exists()
    if seen_today:
        return False
    invoice_record_event(invoice=invoice, kind=EventKind.VIEWED, actor=user)
    return True


CENT = Decimal("0.01")


def invoice_credit(*, invoice: Invoice, amount: Decimal | None, reason: str, actor: User) -> Credit:
    """Books a credit note of `amount` (None: the whole open balance) on an issued invoice.

    The invoice row is locked and its balance read under the lock, so two credits (or a
    credit and a payment) cannot together take the balance below zero. A credit of the whole
    open balance closes the invoice as credited: the collection cycle leaves it alone.
    """
    reason = reason.strip()
    if not reason:
        raise InvoiceError(_("Give the reason for the credit note."))
    if amount is not None and (amount <= 0 or amount != amount.quantize(CENT)):
        raise InvoiceError(_("The amount of a credit note must be positive, in whole cents."))
    with transaction.atomic():
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        if invoice.stage in CLOSED_STAGES:
            raise InvoiceError(_("This invoice is already paid or credited."))
        balance = with_balance(Invoice.objects.filter(pk=invoice.pk)).values_list(
            "open_balance", flat=True
        )[0]
        if balance <= 0:
            raise InvoiceError(_("This invoice has no open balance to credit."))
        amount = balance if amount is None else amount
        if amount > balance:
            raise InvoiceError(
                _("A credit note can be at most the open balance, %(balance)s.")
                % {"balance": format_euros(balance)}
            )
        credit = Credit.objects.create(invoice=invoice, amount=amount, reason=reason, actor=actor)
        closes = amount == balance
        invoice_record_event(
            invoice=invoice,
            kind=EventKind.CREDIT,
            actor=actor,
            detail=format_euros(amount, invoice.language),
            data={
                "credit_id": credit.pk,
                "amount": str(amount),
                "reason": reason,
                "balance_after": str(balance - amount),
            },
        )
        if closes:
            invoice.stage = Stage.CREDITED
            invoice.save(update_fields=["stage"])
    return credit


def invoice_claim_remove(
    *, invoice: Invoice, actor: User, claim: InvoiceAccess | OrganisationInvoice
) -> None:
    """The debtor takes away the access someone gained by claiming the invoice (item 14).

    The caller checked `invoices.permissions.may_manage_claims`; the claim is removed, the
    timeline says so and the audit log names who lost which access.
    """
    if claim.invoice_id != invoice.pk:
        raise InvoiceError(_("This access does not belong to this invoice."))
    with transaction.atomic():
        if isinstance(claim, InvoiceAccess):
            deleted, _rows = InvoiceAccess.objects.filter(pk=claim.pk).delete()
            audit = {"subject": claim.user, "data": {"invoice": invoice.pk, "method": claim.method}}
        else:
            deleted, _rows = OrganisationInvoice.objects.filter(pk=claim.pk).delete()
            audit = {"organisation": claim.organisation, "data": {"invoice": invoice.pk}}
        if not deleted:
            return  # removed a moment ago by another request: nothing more to record
        invoice_record_event(invoice=invoice, kind=EventKind.CLAIM_REMOVED, actor=actor)
        audit_record(action=AuditAction.INVOICE_CLAIM_REMOVED, actor=actor, **audit)


@transaction.atomic
def organisation_invoice_claim(
    *,
    user: User,
    organisation: Organisation,
    myropo_id: str = "",
    number: str = "",
    reference: str = "",
):
    """Claims an invoice for an organisation, with the same checks and limits as a personal claim.

    The personal claim runs first (it holds the rate limit and the matching rules) inside this
    transaction; its row is then moved to the organisation, so that the invoice belongs to the
    company and stays with it when the member leaves.
    """
    if not Membership.objects.filter(organisation=organisation, user=user).exists():
        raise InvoiceError(_("You are not a member of this organisation."))
    had_access = set(InvoiceAccess.objects.filter(user=user).values_list("invoice_id", flat=True))
    invoice = invoice_claim(user=user, myropo_id=myropo_id, number=number, reference=reference)
    if invoice.pk not in had_access:
        InvoiceAccess.objects.filter(user=user, invoice=invoice).delete()
    OrganisationInvoice.objects.get_or_create(
        organisation=organisation, invoice=invoice, defaults={"claimed_by": user}
    )
    return invoice
