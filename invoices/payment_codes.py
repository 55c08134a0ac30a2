"""The payment codes of one invoice: reference, account, bank barcode and EPC QR code.

The invoice page and the PDF show the same codes, so they are built here once from the
invoice's creditor, reference and due date. The amount and its date are the caller's: the
invoice's payoff on the day the codes ask to be paid (`invoices.hooks.payoff`, computed by
`collection.payoff`: interest through that day included), never stored on the invoice. An
overdue invoice's codes are dated today with today's figure; a letter's are dated with its
pay-by date and carry the figure for that date.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from invoices import hooks
from invoices.models import ZERO, Invoice
from invoices.references import (
    PaymentCodeError,
    bank_barcode,
    code128_svg,
    epc_qr_payload,
    epc_qr_png_data_uri,
    epc_qr_svg,
    format_reference,
)


@dataclass(frozen=True)
class PaymentCodes:
    reference_display: str
    iban_display: str
    bic: str
    amount: Decimal
    due_date: date | None
    barcode: str | None
    qr_payload: str | None

    # Drawn when a template asks, not with the codes: the page shows the SVGs, a PDF the PNG,
    # and nobody both (each drawing is cached per payload, invoices.references).
    @property
    def barcode_svg(self) -> str | None:
        return code128_svg(self.barcode) if self.barcode else None

    @property
    def qr_svg(self) -> str | None:
        return epc_qr_svg(self.qr_payload) if self.qr_payload else None

    @property
    def qr_png_data_uri(self) -> str | None:
        return epc_qr_png_data_uri(self.qr_payload) if self.qr_payload else None


def format_iban(iban: str) -> str:
    """``FI7944052020036082`` → ``FI79 4405 2020 0360 82``, also for an IBAN we cannot parse."""
    try:
        return IBAN(iban).formatted
    except SchwiftyException:
        compact = "".join(iban.split()).upper()
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _reference_display(reference: str) -> str:
    try:
        return format_reference(reference)
    except PaymentCodeError:
        # The model validates references, but an imported row may predate that rule;
        # showing it as given beats showing nothing on a letter that asks for payment.
        return reference


def payment_codes_for(
    invoice: Invoice, *, amount: Decimal, due_date: date | None = None, dated: bool = True
) -> PaymentCodes:
    """The codes to pay ``amount`` on ``invoice`` on ``due_date`` (default: its due date).

    A code that cannot carry this payment is None rather than an error: the bank barcode
    only holds a Finnish account and 0.01-999,999.99 euros (an amount of 0 would mean "fill
    in the amount yourself", wrong for an invoice that has nothing left to pay), and the
    EPC QR code needs a positive amount. The invoice is still printable without them.
    """
    creditor = invoice.creditor
    # `dated=False`: codes without a due date (barcode 000000, an empty giro field).
    due_date = (due_date or invoice.due_date) if dated else None
    barcode: str | None = None
    if amount > 0:
        try:
            barcode = bank_barcode(creditor.iban, amount, invoice.reference, due_date)
        except PaymentCodeError:
            barcode = None

    qr_payload: str | None = None
    try:
        qr_payload = epc_qr_payload(
            name=creditor.name,
            iban=creditor.iban,
            bic=creditor.bic or None,
            amount=amount,
            reference=invoice.reference,
        )
    except PaymentCodeError:
        qr_payload = None

    return PaymentCodes(
        reference_display=_reference_display(invoice.reference),
        iban_display=format_iban(creditor.iban),
        bic=creditor.bic,
        amount=amount,
        due_date=due_date,
        barcode=barcode,
        qr_payload=qr_payload,
    )


def invoice_payment_codes(
    invoice: Invoice, today: date, *, payoff_today: hooks.Payoff | None = None
) -> tuple[PaymentCodes, hooks.Payoff]:
    """The codes of the invoice itself, as its page and its PDF print them (one rule for both,
    issue 12): dated with `hooks.codes_due_date` (the latest letter's pay-by date while it lies
    ahead, no date once it has passed; without letters the due date, or today once that has
    passed), carrying the payoff on that date (interest through it included), or on today
    when the codes carry no date. A closed invoice, or one with nothing left, asks for
    nothing. Returns the codes and the payoff they carry; `payoff_today`, when the caller has
    it, saves computing it again for codes on today."""
    pay_by = hooks.codes_due_date(invoice, today)
    on = max(pay_by, today) if pay_by else today
    payoff = payoff_today if payoff_today is not None and on == today else hooks.payoff(invoice, on)
    payable = not invoice.is_closed and payoff.total > 0
    codes = payment_codes_for(
        invoice,
        amount=payoff.total if payable else ZERO,
        due_date=pay_by,
        dated=pay_by is not None,
    )
    return codes, payoff
