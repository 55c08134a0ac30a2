"""Writes of the payments app: online orders, confirmations, bank files, refunds.

Every service is keyword-only and runs inside `transaction.atomic`; mail goes out through
Celery tasks queued on commit. Money that arrives but cannot be booked with certainty (an
amount that differs from the order, an unknown reference) is never booked silently: it is
saved as a `Payment` and queued for staff as an `UnmatchedPayment`.
"""

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DataError, IntegrityError, transaction
from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.staff import has_staff_powers
from invoices.models import Invoice
from myropo import inbox
from myropo.sqlarrays import text_array
from payments.allocation import ZERO, AllocationError, allocate_payment, allocate_payments
from payments.bankfiles import BankEntry, BankFileInvalid, BankFileProblem, parse_camt054
from payments.bankfiles.camt054 import gettext_noop
from payments.bankfiles.pain001 import Transfer, build_pain001
from payments.bulkcopy import copy_rows, reserve_ids
from payments.hooks import PayeeMatch, ReferencePayee, reference_payees
from payments.ibans import InvalidIBAN, bic_for_iban, validate_sepa_iban
from payments.models import (
    BankAccountNotice,
    BankFileImport,
    NoticeStatus,
    OrderState,
    Overpayment,
    OverpaymentState,
    Payment,
    PaymentOrder,
    PaymentOrderLine,
    PaymentSource,
    Refund,
    RefundBatch,
    UnmatchedPayment,
    UnmatchedReason,
)
from payments.providers import (
    PaymentItem,
    PaymentProvider,
    PaymentRequest,
    PaymentResult,
    ProviderError,
)
from payments.selectors import may_give_refund_account

logger = logging.getLogger(__name__)
HELSINKI = ZoneInfo("Europe/Helsinki")


class PaymentError(Exception):
    """A refused payment action, with a message fit to show the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Online payments -----------------------------------------------------------------------


def payment_order_create(
    *,
    user: User,
    lines: Sequence[tuple[Invoice, Decimal]],
    provider: PaymentProvider,
    absolute_url: Callable[[str], str],
    language: str = "fi",
) -> tuple[PaymentOrder, str]:
    """Saves an order for `lines` and opens it at the provider; returns it and where to go.

    The order is committed before the provider is called, so that a return or callback that
    overtakes our own bookkeeping still finds it by its stamp. The caller checked visibility,
    permission and amounts.
    """
    if not lines:
        raise PaymentError(_("Choose at least one invoice to pay."))
    total = sum((amount for _invoice, amount in lines), ZERO)
    with transaction.atomic():
        order = PaymentOrder.objects.create(
            user=user, provider=provider.name, amount=total, language=language
        )
        PaymentOrderLine.objects.bulk_create(
            PaymentOrderLine(order=order, invoice=invoice, amount=amount)
            for invoice, amount in lines
        )
    reference = lines[0][0].reference if len(lines) == 1 else f"MYROPO-{order.pk}"
    urls = {
        name: absolute_url(reverse(f"payments:{name}", args=[provider.name]))
        for name in ("return_success", "return_cancel", "callback_success", "callback_cancel")
    }
    request = PaymentRequest(
        stamp=str(order.stamp),
        reference=reference,
        amount=total,
        language=language.upper() if language.upper() in ("FI", "SV", "EN") else "FI",
        items=tuple(
            PaymentItem(
                product_code=invoice.number,
                description=f"{invoice.creditor.name} {invoice.number}",
                unit_price=amount,
                stamp=f"{order.stamp}-{invoice.pk}",
            )
            for invoice, amount in lines
        ),
        customer_email=user.email,
        success_url=urls["return_success"],
        cancel_url=urls["return_cancel"],
        callback_success_url=urls["callback_success"],
        callback_cancel_url=urls["callback_cancel"],
    )
    try:
        created = provider.create_payment(request)
    except ProviderError as error:
        logger.warning(
            "Opening payment order %s at %s failed (request %s): %s",
            order.pk,
            provider.name,
            error.request_id,
            error,
        )
        PaymentOrder.objects.filter(pk=order.pk, state=OrderState.CREATED).update(
            state=OrderState.FAILED, updated_at=timezone.now()
        )
        raise PaymentError(
            _("The payment service is not available right now. Please try again in a moment.")
        ) from None
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().get(pk=order.pk)
        if not order.transaction_id:
            order.transaction_id = created.transaction_id
        if order.state == OrderState.CREATED:
            order.state = OrderState.PENDING
        order.save(update_fields=["transaction_id", "state", "updated_at"])
    return order, created.redirect_url


def _order_for(result: PaymentResult, provider_name: str) -> PaymentOrder | None:
    try:
        stamp = uuid.UUID(result.stamp)
    except ValueError:
        return None
    return (
        PaymentOrder.objects.select_for_update().filter(stamp=stamp, provider=provider_name).first()
    )


def _queue(payment: Payment, reason: str, detail: str = "") -> UnmatchedPayment:
    unmatched, _created = UnmatchedPayment.objects.get_or_create(
        payment=payment, defaults={"reason": reason, "detail": detail[:300]}
    )
    return unmatched


def payment_confirm(
    *, provider_name: str, result: PaymentResult, cancelled: bool = False
) -> PaymentOrder | None:
    """Applies a verified return or callback to its order, exactly once.

    Returns and callbacks arrive many times, late, concurrently and in any order. The order
    row lock serialises them; the payment is created with get_or_create under that lock and
    the (source, external id) unique constraint backs it up, so one transaction makes one
    `Payment` and one set of allocations. A paid or mismatched order never moves back.
    """
    with transaction.atomic():
        order = _order_for(result, provider_name)
        external_id = f"{provider_name}:{result.transaction_id}"
        if order is None or (
            order.transaction_id and order.transaction_id != result.transaction_id
        ):
            # Correctly signed for our account but for no order we know: real money, so it is
            # kept and queued rather than dropped.
            if result.is_paid:
                payment, _created = Payment.objects.get_or_create(
                    source=PaymentSource.ONLINE,
                    external_id=external_id,
                    defaults={
                        "amount": result.amount,
                        "reference": result.reference[:25],
                        "paid_on": timezone.localdate(),
                    },
                )
                _queue(payment, UnmatchedReason.ORDER_MISMATCH, f"stamp {result.stamp}")
            logger.warning("A signed %s return names no order we know.", provider_name)
            return order
        if not order.transaction_id:
            order.transaction_id = result.transaction_id
        if result.is_paid:
            _book(order, result, external_id)
        elif result.status == "fail":
            if order.state in (OrderState.CREATED, OrderState.PENDING):
                order.state = OrderState.CANCELLED if cancelled else OrderState.FAILED
        elif order.state == OrderState.CREATED:
            order.state = OrderState.PENDING
        order.save(update_fields=["transaction_id", "state", "updated_at"])
    return order


def _book(order: PaymentOrder, result: PaymentResult, external_id: str) -> None:
    if order.state in (OrderState.PAID, OrderState.MISMATCH):
        return
    payment, created = Payment.objects.get_or_create(
        source=PaymentSource.ONLINE,
        external_id=external_id,
        defaults={
            "amount": result.amount,
            "order": order,
            "reference": result.reference[:25],
            "payer_name": order.user.get_full_name()[:200],
            # The day the customer paid, in Helsinki, not the day the callback is processed:
            # the order's amount is the payoff of that day, and a callback after midnight
            # must not book one more day of interest than the customer was shown.
            "paid_on": timezone.localdate(order.created_at, timezone=HELSINKI),
        },
    )
    if not created:
        return
    currency = result.extra.get("checkout-currency", order.currency)
    if result.amount != order.amount or currency != order.currency:
        order.state = OrderState.MISMATCH
        unmatched = _queue(
            payment,
            UnmatchedReason.AMOUNT_MISMATCH,
            f"ordered {order.amount} {order.currency}, received {result.amount} {currency}",
        )
        _announce_unmatched(unmatched, order, received=result.amount, currency=currency)
        return
    for line in order.lines.select_related("invoice").order_by("invoice_id"):
        allocate_payment(
            payment=payment, invoice=line.invoice, amount=line.amount, actor=order.user
        )
    order.state = OrderState.PAID
    from payments.tasks import send_payment_receipt

    transaction.on_commit(lambda: send_payment_receipt.delay(order.pk), robust=True)


def _announce_unmatched(
    unmatched: UnmatchedPayment, order: PaymentOrder, *, received: Decimal, currency: str
) -> None:
    """One inbox: an unmatched online payment names its customer (the order's user), so it
    reaches customer service as a contact about the order's invoices (messaging)."""
    from myropo.templatetags.money import format_euros

    language = order.language or "fi"
    paid = format_euros(received, language) if currency == "EUR" else f"{received} {currency}"
    with translation.override(language):
        summary = str(
            _(
                "An online payment of %(paid)s arrived for a payment order of %(ordered)s: "
                "it was not booked and waits for customer service."
            )
            % {"paid": paid, "ordered": format_euros(order.amount, language)}
        )
    inbox.request_opened(
        inbox.StaffRequest(
            source=f"payments.UnmatchedPayment:{unmatched.pk}",
            classification="payment_report",
            summary=summary,
            actor=order.user,
            invoices=[line.invoice for line in order.lines.select_related("invoice")],
            admin_url=reverse("admin:payments_unmatchedpayment_allocate", args=[unmatched.pk]),
        )
    )


# --- Bank reference payments ---------------------------------------------------------------


@dataclass
class ImportReport:
    file_import: BankFileImport | None = None
    already_imported: BankFileImport | None = None
    entries: int = 0
    matched: int = 0
    unmatched: int = 0
    duplicates: int = 0
    total: Decimal = ZERO
    duplicate_positions: list[str] = field(default_factory=list)

    @property
    def skipped_file(self) -> bool:
        return self.already_imported is not None


def _external_id(entry: BankEntry) -> str:
    # An archive reference is unique per bank account; scoping by the account keeps two banks'
    # coinciding references apart.
    key = f"{entry.account_iban}:{entry.entry_reference}" if entry.account_iban else ""
    return key or entry.entry_reference


def _normal_iban(iban: str | None) -> str:
    return "".join((iban or "").split()).upper()


def _match_references(references: list[str]) -> dict[str, list[tuple[int, str]]]:
    """(invoice id, its creditor's account) per reference, for a whole file in one query."""
    from django.db import connection

    matches: dict[str, list[tuple[int, str]]] = {}
    if not references:
        return matches
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.reference, i.id, c.iban FROM invoices_invoice i "
            "JOIN invoices_creditor c ON c.id = i.creditor_id "
            "WHERE i.reference = ANY(%s::text[]) ORDER BY i.id",
            [text_array(references)],
        )
        for reference, invoice_id, iban in cursor.fetchall():
            matches.setdefault(reference, []).append((invoice_id, _normal_iban(iban)))
    return matches


def _match_payees(references: list[str]) -> dict[str, tuple[ReferencePayee, PayeeMatch]]:
    """References that are not invoices' but another app's (a plan's installments)."""
    found: dict[str, tuple[ReferencePayee, PayeeMatch]] = {}
    if not references:
        return found
    for payee in reference_payees():
        for reference, match in payee.match(references).items():
            found.setdefault(reference, (payee, match))
    return found


def _allocate_payee_payments(items: list[tuple[int, ReferencePayee, int]]) -> None:
    """(payment id, payee, target id): rare next to invoice references, so one by one."""
    if not items:
        return
    payments = Payment.objects.in_bulk([payment_id for payment_id, _payee, _target in items])
    for payment_id, payee, target_id in items:
        payee.allocate(payment=payments[payment_id], target_id=target_id)


class _NewPayment(NamedTuple):
    """A payment just written by `_insert_payments`: what `allocate_payments` reads of it."""

    pk: int
    amount: Decimal
    paid_on: date


def _insert_payments(entries: list[BankEntry], file_import: BankFileImport) -> list[_NewPayment]:
    """One `Payment` per entry, in order, by COPY with ids reserved first.

    The (source, external id) unique constraint still stands behind the duplicate check: an
    entry imported concurrently by another file fails this COPY with an IntegrityError.
    """
    ids = reserve_ids(Payment, len(entries))
    copy_rows(
        Payment,
        (
            "id",
            "source",
            "external_id",
            "amount",
            "currency",
            "reference",
            "payer_name",
            "paid_on",
            "bank_import_id",
            "position",
            "message",
        ),
        (
            (
                pk,
                PaymentSource.BANK.value,
                _external_id(entry),
                entry.amount,
                entry.currency,
                (entry.reference or "")[:25],
                entry.payer_name[:200],
                entry.value_date or entry.booking_date,
                file_import.pk,
                entry.position[:100],
                entry.message[:500],
            )
            for pk, entry in zip(ids, entries, strict=True)
        ),
        now=timezone.now(),
    )
    return [
        _NewPayment(pk, entry.amount, entry.value_date or entry.booking_date)
        for pk, entry in zip(ids, entries, strict=True)
    ]


def _existing_external_ids(external_ids: list[str]) -> set[str]:
    from django.db import connection

    if not external_ids:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT external_id FROM payments_payment "
            "WHERE source = %s AND external_id = ANY(%s::text[])",
            [PaymentSource.BANK.value, text_array(external_ids)],
        )
        return {row[0] for row in cursor.fetchall()}


def _wrong_account(entry: BankEntry, accounts: Iterable[str]) -> str:
    return (
        f"paid to {_normal_iban(entry.account_iban) or 'an account the file does not name'}, "
        f"not to {', '.join(sorted(set(accounts)))}"
    )


def bank_file_import(
    *, data: bytes, filename: str, source: str, user: User | None = None
) -> ImportReport:
    """Imports a camt.054 file, all or nothing; a file seen before is recognised and skipped.

    Raises `BankFileInvalid` (with every problem's position) before anything is written.
    A file is the same file when its content hash is (its sender, the accounts it reports
    on, is part of that content). A different file that repeats an earlier message id is
    imported, never dropped: its entries are deduplicated one by one by their archive
    references like any file's, and the import is flagged for staff. Each new entry is
    matched by (receiving account, reference) in one query for the whole file: money that
    reached another account than the invoice creditor's is queued, not booked. References
    that are no invoice's are offered to the registered payees (`payments.hooks`).
    """
    file_hash = hashlib.sha256(data).hexdigest()
    report = ImportReport()
    if seen := BankFileImport.objects.filter(file_hash=file_hash).first():
        report.already_imported = seen
        return report
    bank_file = parse_camt054(data)
    entries = bank_file.entries
    report.entries = len(entries)
    try:
        with transaction.atomic():
            file_import = BankFileImport.objects.create(
                file_hash=file_hash,
                sender=bank_file.sender[:255],
                message_id=bank_file.message_id[:100],
                message_id_repeated=BankFileImport.objects.filter(
                    sender=bank_file.sender[:255], message_id=bank_file.message_id[:100]
                ).exists(),
                filename=filename[:255],
                source=source,
                imported_by=user,
            )
            _import_entries(entries, file_import, report)
            report.file_import = file_import
    except IntegrityError:
        # The same file imported concurrently: the other import won, this one is a repeat.
        seen = BankFileImport.objects.filter(file_hash=file_hash).first()
        if seen is None:
            raise
        return ImportReport(already_imported=seen, entries=len(entries))
    except DataError as error:
        # The parser checks every length and range the tables have; should one still slip
        # through, the file is refused like any invalid file, never a traceback.
        logger.exception("The database refused bank file %s", filename)
        raise BankFileInvalid(
            [
                BankFileProblem(
                    "file",
                    _DATABASE_REFUSED,
                    {"detail": (str(error).splitlines() or ["-"])[0][:200]},
                )
            ]
        ) from None
    return report


_DATABASE_REFUSED = gettext_noop("The database refused a value of the file: %(detail)s")


def _import_entries(
    entries: list[BankEntry], file_import: BankFileImport, report: ImportReport
) -> None:
    existing = _existing_external_ids([_external_id(entry) for entry in entries])
    fresh: list[BankEntry] = []
    seen_ids: set[str] = set()
    for entry in entries:
        key = _external_id(entry)
        if key in existing or key in seen_ids:
            report.duplicate_positions.append(entry.position)
            continue
        seen_ids.add(key)
        fresh.append(entry)
    report.duplicates = len(entries) - len(fresh)
    matches = _match_references(sorted({entry.reference for entry in fresh if entry.reference}))
    payees = _match_payees(
        sorted({e.reference for e in fresh if e.reference and e.reference not in matches})
    )
    payments = _insert_payments(fresh, file_import)
    to_allocate: list[tuple[_NewPayment, int]] = []
    to_payees: list[tuple[int, ReferencePayee, int]] = []
    queue: list[tuple[int, str, str]] = []
    for entry, payment in zip(fresh, payments, strict=True):
        account = _normal_iban(entry.account_iban)
        detail = entry.message
        if entry.currency != "EUR":
            reason = UnmatchedReason.CURRENCY
        elif not entry.reference:
            reason = UnmatchedReason.NO_REFERENCE
        elif entry.reference in matches:
            candidates = [pk for pk, iban in matches[entry.reference] if iban == account]
            if len(candidates) == 1:
                to_allocate.append((payment, candidates[0]))
                continue
            if candidates:
                reason = UnmatchedReason.AMBIGUOUS_REFERENCE
            else:
                reason = UnmatchedReason.WRONG_ACCOUNT
                detail = _wrong_account(entry, (iban for _pk, iban in matches[entry.reference]))
        elif entry.reference in payees:
            payee, match = payees[entry.reference]
            if _normal_iban(match.account_iban) == account:
                to_payees.append((payment.pk, payee, match.target_id))
                continue
            reason = UnmatchedReason.WRONG_ACCOUNT
            detail = _wrong_account(entry, [_normal_iban(match.account_iban)])
        else:
            reason = UnmatchedReason.UNKNOWN_REFERENCE
        queue.append((payment.pk, reason.value, detail[:300]))
    copy_rows(UnmatchedPayment, ("payment_id", "reason", "detail"), queue, now=timezone.now())
    allocate_payments(items=to_allocate)
    _allocate_payee_payments(to_payees)
    report.matched = len(to_allocate) + len(to_payees)
    report.unmatched = len(queue)
    report.total = sum((entry.amount for entry in fresh), ZERO)
    file_import.entry_count = report.entries
    file_import.matched_count = report.matched
    file_import.unmatched_count = report.unmatched
    file_import.duplicate_count = report.duplicates
    file_import.total = report.total
    file_import.save(
        update_fields=[
            "entry_count",
            "matched_count",
            "unmatched_count",
            "duplicate_count",
            "total",
        ]
    )


def unmatched_allocate(*, unmatched: UnmatchedPayment, invoice: Invoice, staff: User) -> None:
    """Customer service books a queued payment to the invoice they identified."""
    with transaction.atomic():
        unmatched = UnmatchedPayment.objects.select_for_update().get(pk=unmatched.pk)
        if unmatched.resolved_at is not None:
            raise PaymentError(_("This payment has already been handled."))
        payment = unmatched.payment
        used = (payment.allocations.aggregate(total=Sum("amount"))["total"] or ZERO) + (
            payment.overpayments.aggregate(total=Sum("amount"))["total"] or ZERO
        )
        left = payment.amount - used
        if left <= 0:
            raise PaymentError(_("Nothing is left of this payment to allocate."))
        try:
            allocate_payment(payment=payment, invoice=invoice, amount=left, actor=staff)
        except AllocationError as error:
            raise PaymentError(error.message) from None
        unmatched.resolved_at = timezone.now()
        unmatched.resolved_by = staff
        unmatched.invoice = invoice
        unmatched.save(update_fields=["resolved_at", "resolved_by", "invoice"])
        inbox.request_decided(
            inbox.StaffDecision(
                source=f"payments.UnmatchedPayment:{unmatched.pk}",
                approved=True,
                reason=gettext_noop("Your payment was booked to the invoice."),
                staff=staff,
            )
        )


# --- Overpayments, bank account notices and refunds ----------------------------------------


def bank_account_notice_submit(
    *, overpayment: Overpayment, user: User, iban: str, bic: str, holder: str
) -> BankAccountNotice:
    """Records the account for a refund, for its payer (`may_give_refund_account`).

    A waiting notice is never replaced silently: only the one who gave it may change it
    (the old one is kept as replaced), anyone else is refused, and the payer is mailed
    whenever a notice is given, so a changed account cannot go unnoticed. The account must
    be in the SEPA area (the refund leaves as a SEPA transfer).
    """
    try:
        iban = validate_sepa_iban(iban)
    except InvalidIBAN as error:
        raise PaymentError(_(error.message)) from None
    bic = (bic or "").strip().upper() or (bic_for_iban(iban) or "")
    with transaction.atomic():
        overpayment = (
            Overpayment.objects.select_for_update(of=("self",))
            .select_related("payment__order", "invoice")
            .get(pk=overpayment.pk)
        )
        if not may_give_refund_account(user, overpayment):
            raise PaymentError(_("Only the payer can give the account for this refund."))
        if (
            overpayment.state == OverpaymentState.REFUNDED
            or overpayment.notices.filter(status=NoticeStatus.APPROVED).exists()
        ):
            raise PaymentError(
                _("The refund is already being paid. Contact customer service to change it.")
            )
        waiting = overpayment.notices.filter(status=NoticeStatus.RECEIVED).first()
        if (
            waiting is not None
            and waiting.submitted_by_id != user.pk
            and not has_staff_powers(user)
        ):
            raise PaymentError(
                _(
                    "An account for this refund has already been given and waits for customer "
                    "service. Contact customer service to change it."
                )
            )
        if waiting is not None:
            waiting.status = NoticeStatus.REPLACED
            waiting.save(update_fields=["status"])
        notice = BankAccountNotice.objects.create(
            overpayment=overpayment, iban=iban, bic=bic, holder=holder.strip(), submitted_by=user
        )
        overpayment.state = OverpaymentState.NOTICE_RECEIVED
        overpayment.save(update_fields=["state"])
        from payments.tasks import send_bank_account_notice_received

        transaction.on_commit(
            lambda: send_bank_account_notice_received.delay(notice.pk), robust=True
        )
        # One inbox: staff approve the account from a contact in the message centre.
        inbox.request_opened(
            inbox.StaffRequest(
                source=f"payments.BankAccountNotice:{notice.pk}",
                classification="refund",
                summary=str(
                    _("Bank account for a refund: %(iban)s, %(holder)s")
                    % {"iban": notice.masked_iban, "holder": notice.holder}
                ),
                actor=user,
                invoices=[overpayment.invoice] if overpayment.invoice_id else [],
            )
        )
    return notice


def bank_account_notice_approve(*, notice: BankAccountNotice, staff: User) -> Refund:
    """Staff approve a refund to the notice's account: never the one who entered it.

    Four eyes: whoever typed an account (a staff member taking it over the phone, say)
    cannot also release money to it; a second staff member checks it.
    """
    # Customer service signed in with a second factor (accounts.staff), not any is_staff user.
    if not has_staff_powers(staff):
        raise PaymentError(_("Only customer service can approve refunds."))
    with transaction.atomic():
        notice = BankAccountNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.status != NoticeStatus.RECEIVED:
            raise PaymentError(_("Only a received notice can be approved."))
        if notice.submitted_by_id == staff.pk:
            raise PaymentError(
                _("You entered this account yourself: another staff member must approve it.")
            )
        notice.status = NoticeStatus.APPROVED
        notice.decided_by = staff
        notice.decided_at = timezone.now()
        notice.save(update_fields=["status", "decided_by", "decided_at"])
        inbox.request_decided(
            inbox.StaffDecision(
                source=f"payments.BankAccountNotice:{notice.pk}",
                approved=True,
                reason=gettext_noop("The refund will be paid to the account you gave."),
                staff=staff,
            )
        )
        return Refund.objects.create(
            overpayment=notice.overpayment, notice=notice, amount=notice.overpayment.amount
        )


def bank_account_notice_reject(*, notice: BankAccountNotice, staff: User) -> None:
    if not has_staff_powers(staff):
        raise PaymentError(_("Only customer service can reject refund accounts."))
    with transaction.atomic():
        notice = BankAccountNotice.objects.select_for_update().get(pk=notice.pk)
        if notice.status != NoticeStatus.RECEIVED:
            raise PaymentError(_("Only a received notice can be rejected."))
        notice.status = NoticeStatus.REJECTED
        notice.decided_by = staff
        notice.decided_at = timezone.now()
        notice.save(update_fields=["status", "decided_by", "decided_at"])
        Overpayment.objects.filter(pk=notice.overpayment_id).update(state=OverpaymentState.OPEN)
        inbox.request_decided(
            inbox.StaffDecision(
                source=f"payments.BankAccountNotice:{notice.pk}",
                approved=False,
                reason=gettext_noop("Please check the account details and send them again."),
                staff=staff,
            )
        )


def refund_batch_export(
    *, refunds: QuerySet[Refund], staff: User, execution_date: date | None = None
) -> RefundBatch:
    """Writes the approved, not yet exported refunds as one pain.001 file and marks them refunded.

    Refunds are paid from our own client-funds account (`REFUND_ACCOUNT_*` settings), the
    account payers' money arrived on, not from each creditor's account: one file, one debtor
    account, and the creditor is never asked to send money back it never received.
    """
    account = settings.REFUND_ACCOUNT_IBAN
    if not account or not settings.REFUND_ACCOUNT_BIC or not settings.REFUND_ACCOUNT_NAME:
        raise PaymentError(
            _("Set REFUND_ACCOUNT_NAME, REFUND_ACCOUNT_IBAN and REFUND_ACCOUNT_BIC first.")
        )
    with transaction.atomic():
        rows = list(
            refunds.select_for_update(of=("self",))
            .filter(batch__isnull=True)
            .select_related("notice", "overpayment__invoice")
            .order_by("pk")
        )
        if not rows:
            raise PaymentError(_("There are no approved refunds to export."))
        now = timezone.localtime()
        message_id = f"REFUNDS-{now:%Y%m%d%H%M%S}-{rows[0].pk}"
        transfers = [
            Transfer(
                end_to_end_id=refund.end_to_end_id,
                amount=refund.amount,
                creditor_name=refund.notice.holder,
                creditor_iban=refund.notice.iban,
                creditor_bic=refund.notice.bic or None,
                remittance_text=(
                    f"MyRopo refund {refund.overpayment.invoice.number}"
                    if refund.overpayment.invoice
                    else "MyRopo refund"
                ),
            )
            for refund in rows
        ]
        xml = build_pain001(
            message_id=message_id,
            debtor_name=settings.REFUND_ACCOUNT_NAME,
            debtor_iban=account,
            debtor_bic=settings.REFUND_ACCOUNT_BIC,
            transfers=transfers,
            execution_date=execution_date or now.date(),
            created_at=now,
        )
        batch = RefundBatch.objects.create(
            message_id=message_id,
            execution_date=execution_date or now.date(),
            count=len(rows),
            total=sum((refund.amount for refund in rows), ZERO),
            xml=xml,
            created_by=staff,
        )
        ids = [refund.pk for refund in rows]
        Refund.objects.filter(pk__in=ids).update(batch=batch)
        BankAccountNotice.objects.filter(refund__in=ids).update(status=NoticeStatus.REFUNDED)
        Overpayment.objects.filter(refund__in=ids).update(state=OverpaymentState.REFUNDED)
    return batch
