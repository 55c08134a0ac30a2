"""Issue 10, item 4: the amount asked for, the amount the codes carry and what the allocation
books are one figure (`collection.payoff`), and paying it closes the invoice for good.

Each path ends with the real daily cycle (the Celery task, letters rendered) run on the
following weeks: a paid invoice gets no reminder and no demand.
"""

import io
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from collection.letters import letter_pdf_read
from collection.models import CollectionStep, Letter, ReferenceRate
from collection.payoff import payoff_for
from collection.tasks import run_collection_cycle
from invoices.models import InvoiceAccess, Stage
from invoices.selectors import with_balance
from payments.models import Allocation, BankFileImport, Overpayment, Payment
from payments.services import bank_file_import
from tests.factories import InvoiceFactory
from tests.payments.conftest import callback_url, signed, start_payment

D = Decimal
HELSINKI = ZoneInfo("Europe/Helsinki")


def today() -> date:
    return timezone.localdate()


@pytest.fixture(autouse=True)
def rates(db):
    """A known reference rate around whatever day the suite runs (no rate gap to hide in)."""
    ReferenceRate.objects.all().delete()
    for year in range(today().year - 2, today().year + 3):
        ReferenceRate.objects.create(start=date(year, 1, 1), end=date(year, 6, 30), rate=D("2.5"))
        ReferenceRate.objects.create(start=date(year, 7, 1), end=date(year, 12, 31), rate=D("2.5"))


def overdue_invoice(creditor, *, days_overdue: int, principal: str = "400.00"):
    due = today() - timedelta(days=days_overdue)
    return InvoiceFactory(
        creditor=creditor,
        principal=D(principal),
        issue_date=due - timedelta(days=20),
        due_date=due,
        original_due_date=due,
    )


@pytest.fixture
def overdue(creditor, alice):
    invoice = overdue_invoice(creditor, days_overdue=40)
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    return invoice


def balance(invoice) -> Decimal:
    return with_balance(type(invoice).objects.filter(pk=invoice.pk)).get().open_balance


def run_cycles(start: date, capture, days=(0, 1, 15, 16, 30, 45, 60, 90)) -> None:
    """The daily Celery task on these days from `start`, letters rendered on commit."""
    for offset in days:
        with capture(execute=True):
            run_collection_cycle.delay(day=(start + timedelta(days=offset)).isoformat())


def assert_closed_for_good(invoice, *, steps_before: int = 0) -> None:
    invoice.refresh_from_db()
    assert invoice.stage == Stage.PAID
    assert balance(invoice) == 0
    assert CollectionStep.objects.filter(invoice=invoice).count() == steps_before
    assert Letter.objects.filter(invoice=invoice).count() == steps_before


def pay_url(invoice) -> str:
    return f"{reverse('payments:pay')}?invoice={invoice.pk}"


# --- Online ----------------------------------------------------------------------------------


def test_paying_what_the_pay_page_asks_closes_an_overdue_invoice(
    alice_client, overdue, django_capture_on_commit_callbacks
):
    page = alice_client.get(pay_url(overdue))
    [(_invoice, payoff, _field)] = page.context["rows"]
    assert payoff.interest_accrued > 0
    assert payoff.total == balance(overdue) + payoff.interest_accrued
    assert page.context["total"] == payoff.total
    # The same figure on the invoice page and in its codes.
    detail = alice_client.get(reverse("invoices:detail", args=[overdue.pk]))
    assert detail.context["codes"].amount == payoff.total

    order, _bank = start_payment(alice_client, overdue)
    assert order.amount == payoff.total
    alice_client.get(callback_url(signed(order)))

    assert not Overpayment.objects.filter(invoice=overdue).exists()
    interest = Allocation.objects.get(invoice=overdue, component="interest")
    assert interest.amount == payoff.interest
    run_cycles(today(), django_capture_on_commit_callbacks)
    assert_closed_for_good(overdue)


def test_a_partial_online_payment_leaves_exactly_the_rest_which_then_closes_it(
    alice_client, overdue, django_capture_on_commit_callbacks
):
    before = payoff_for(overdue, today())
    # The partial-payment field offers, and accepts at most, the whole payoff.
    field = alice_client.get(pay_url(overdue)).context["form"].fields[f"amount_{overdue.pk}"]
    assert field.initial == field.max_value == before.total
    order, _bank = start_payment(alice_client, overdue, {f"amount_{overdue.pk}": "30.00"})
    assert order.amount == D("30.00")
    alice_client.get(callback_url(signed(order)))

    overdue.refresh_from_db()
    assert overdue.stage != Stage.PAID
    # A consumer's payment covers the interest (through today) first (11 a § 2 mom).
    parts = dict(Allocation.objects.filter(invoice=overdue).values_list("component", "amount"))
    assert parts == {"interest": before.interest, "principal": D("30.00") - before.interest}
    rest = payoff_for(overdue, today())
    assert rest.total == before.total - D("30.00")
    page = alice_client.get(pay_url(overdue))
    assert page.context["total"] == rest.total

    order, _bank = start_payment(alice_client, overdue)
    assert order.amount == rest.total
    alice_client.get(callback_url(signed(order)))

    assert not Overpayment.objects.filter(invoice=overdue).exists()
    run_cycles(today(), django_capture_on_commit_callbacks)
    assert_closed_for_good(overdue)


# --- A bank reference payment of what the letter printed ------------------------------------


def bank_file(*, account: str, reference: str, amount: Decimal, paid_on: date, key: str) -> bytes:
    day = paid_on.isoformat()
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
        f"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>PAYOFF-{key}</MsgId>"
        f"<CreDtTm>{day}T06:00:00+02:00</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>N</Id><Acct><Id><IBAN>{account}</IBAN></Id></Acct>"
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>{day}</Dt></BookgDt><ValDt><Dt>{day}</Dt></ValDt><NtryDtls><TxDtls>"
        f"<Refs><AcctSvcrRef>ARCH-{key}</AcctSvcrRef></Refs>"
        f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>'
        f"<RmtInf><Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def printed_amount(letter: Letter) -> Decimal:
    """The amount the letter's bank barcode carries, read from the PDF's text."""
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(letter_pdf_read(letter))).pages
    ).replace(" ", "")
    [barcode] = set(re.findall(r"4\d{53}", text))
    assert barcode.endswith(letter.due_date.strftime("%y%m%d"))
    return D(f"{int(barcode[17:23])}.{barcode[23:25]}")


@pytest.fixture
def reminded(creditor, django_capture_on_commit_callbacks):
    """An invoice reminded by the real cycle: its letter rendered, pay-by date and all."""
    invoice = overdue_invoice(creditor, days_overdue=15)
    with django_capture_on_commit_callbacks(execute=True):
        run_collection_cycle.delay(day=today().isoformat())
    letter = Letter.objects.get(invoice=invoice)
    assert letter.pdf
    return invoice, letter


def test_paying_the_letters_printed_amount_on_its_pay_by_date_closes_the_invoice(
    reminded, creditor, django_capture_on_commit_callbacks
):
    invoice, letter = reminded
    amount = printed_amount(letter)
    assert amount == payoff_for(invoice, letter.due_date).total
    assert amount > balance(invoice)  # interest until the pay-by date is in it

    bank_file_import(
        data=bank_file(
            account=creditor.iban,
            reference=invoice.reference,
            amount=amount,
            paid_on=letter.due_date,
            key="on-time",
        ),
        filename="payoff.xml",
        source=BankFileImport.Source.COMMAND,
    )

    assert not Overpayment.objects.filter(invoice=invoice).exists()
    run_cycles(letter.due_date, django_capture_on_commit_callbacks)
    assert_closed_for_good(invoice, steps_before=1)


def test_paying_the_printed_amount_early_closes_the_invoice_and_refunds_the_unearned_interest(
    reminded, creditor, django_capture_on_commit_callbacks
):
    invoice, letter = reminded
    amount = printed_amount(letter)
    paid_on = letter.letter_date + timedelta(days=3)
    unearned = amount - payoff_for(invoice, paid_on).total
    assert unearned > 0  # the interest of the days between the payment and the pay-by date

    bank_file_import(
        data=bank_file(
            account=creditor.iban,
            reference=invoice.reference,
            amount=amount,
            paid_on=paid_on,
            key="early",
        ),
        filename="payoff.xml",
        source=BankFileImport.Source.COMMAND,
    )

    [overpayment] = Overpayment.objects.filter(invoice=invoice)
    assert overpayment.amount == unearned
    run_cycles(paid_on, django_capture_on_commit_callbacks)
    assert_closed_for_good(invoice, steps_before=1)


# --- A callback processed after midnight ---------------------------------------------------


def test_a_callback_after_midnight_books_the_interest_of_the_day_the_customer_paid(
    alice, alice_client, overdue, django_capture_on_commit_callbacks
):
    evening = datetime.combine(today(), time(23, 50), tzinfo=HELSINKI)
    with time_machine.travel(evening, tick=False):
        alice_client.force_login(alice)  # the session of the morning has timed out
        shown = payoff_for(overdue, evening.date())
        order, _bank = start_payment(alice_client, overdue)
    assert order.amount == shown.total
    # One more day of interest would be owed on the next day: the test would see it.
    assert payoff_for(overdue, evening.date() + timedelta(days=1)).total > shown.total

    with time_machine.travel(evening + timedelta(minutes=25), tick=False):  # 00.15 next day
        assert timezone.localdate() == evening.date() + timedelta(days=1)
        alice_client.get(callback_url(signed(order)))

    payment = Payment.objects.get(order=order)
    assert payment.paid_on == evening.date()
    assert Allocation.objects.get(invoice=overdue, component="interest").amount == shown.interest
    assert not Overpayment.objects.filter(invoice=overdue).exists()
    run_cycles(evening.date() + timedelta(days=1), django_capture_on_commit_callbacks)
    assert_closed_for_good(overdue)
