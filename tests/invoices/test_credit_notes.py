"""Credit notes (issue 10, item 9): corrections lower the balance, the invoice is never edited.

A `Credit` row with its reason and actor lowers the open balance everywhere it is derived
(list, page, PDF, payment allocation, the collection engine); a credit of the whole open
balance closes the invoice and the collection cycle leaves it alone.
"""

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

import collection.cycle as cycle_module
from collection.cycle import run_collection_cycle
from collection.models import CollectionStep
from collection.payoff import payoff_for
from collection.selectors import facts_for
from invoices.models import (
    Charge,
    ChargeKind,
    Credit,
    EventKind,
    Invoice,
    InvoiceAccess,
    InvoiceEvent,
    Stage,
)
from invoices.selectors import with_balance
from invoices.services import InvoiceError, invoice_credit
from payments.allocation import allocate_payment, allocate_payments
from payments.models import Overpayment, Payment, PaymentSource
from tests.factories import InvoiceFactory
from tests.invoices.test_admin import mfa_login

D = Decimal
DUE = date(2026, 3, 2)
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Europe/Helsinki"))

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fixed_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def invoice(alice, creditor):
    """Alice's invoice of 62.56 €, issued two weeks before its due date."""
    invoice = InvoiceFactory(
        creditor=creditor,
        principal=D("62.56"),
        issue_date=DUE - timedelta(days=14),
        due_date=DUE,
        debtor_name="Alice Aaltonen",
    )
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    return invoice


def balance_of(invoice: Invoice) -> Decimal:
    return with_balance(Invoice.objects.filter(pk=invoice.pk)).get().open_balance


def fee(invoice: Invoice, amount: str) -> Charge:
    return Charge.objects.create(
        invoice=invoice,
        kind=ChargeKind.REMINDER_FEE,
        amount=D(amount),
        booked_on=DUE + timedelta(days=1),
        rule="test",
        idempotency_key=f"test:{invoice.pk}:{amount}",
    )


def payment_of(amount: str, n: int = 1) -> Payment:
    return Payment.objects.create(
        source=PaymentSource.MANUAL,
        external_id=f"CREDIT-TEST-{n}",
        amount=D(amount),
        paid_on=DUE,
    )


# --- the service --------------------------------------------------------------------


def test_a_partial_credit_lowers_the_balance_and_leaves_a_row_and_an_event(invoice, staff):
    credit = invoice_credit(invoice=invoice, amount=D("12.56"), reason="Wrong meter", actor=staff)

    invoice.refresh_from_db()
    assert (credit.amount, credit.reason, credit.actor) == (D("12.56"), "Wrong meter", staff)
    assert balance_of(invoice) == D("50.00")
    assert invoice.stage == Stage.OPEN
    assert invoice.principal == D("62.56")  # the issued invoice itself is not edited
    event = InvoiceEvent.objects.get(invoice=invoice, kind=EventKind.CREDIT)
    assert event.actor == staff
    assert event.data["amount"] == "12.56"
    assert event.data["reason"] == "Wrong meter"
    assert event.data["balance_after"] == "50.00"


def test_crediting_without_an_amount_credits_the_whole_balance_and_closes_the_invoice(
    invoice, staff
):
    fee(invoice, "5.00")

    credit = invoice_credit(invoice=invoice, amount=None, reason="Cancelled order", actor=staff)

    invoice.refresh_from_db()
    assert credit.amount == D("67.56")
    assert balance_of(invoice) == D("0.00")
    assert invoice.stage == Stage.CREDITED


def test_partial_credits_that_reach_the_balance_close_the_invoice(invoice, staff):
    invoice_credit(invoice=invoice, amount=D("60.00"), reason="Goodwill", actor=staff)
    invoice_credit(invoice=invoice, amount=D("2.56"), reason="Rounding", actor=staff)

    invoice.refresh_from_db()
    assert invoice.stage == Stage.CREDITED
    assert balance_of(invoice) == D("0.00")


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        (D("62.57"), "Too much", "at most the open balance"),
        (D("0.00"), "Nothing", "must be positive"),
        (D("-5.00"), "Negative", "must be positive"),
        (D("1.005"), "Fractions of a cent", "whole cents"),
        (D("10.00"), "   ", "Give the reason"),
    ],
)
def test_a_refused_credit_says_why_and_changes_nothing(invoice, staff, amount, reason, message):
    # In English whatever an earlier test left active (the default language is Finnish).
    with translation.override("en"):
        with pytest.raises(InvoiceError) as refused:
            invoice_credit(invoice=invoice, amount=amount, reason=reason, actor=staff)
        assert message in str(refused.value.message)
    assert not Credit.objects.exists()
    assert not InvoiceEvent.objects.filter(kind=EventKind.CREDIT).exists()
    assert balance_of(invoice) == D("62.56")


def test_a_paid_or_credited_invoice_cannot_be_credited(invoice, staff):
    invoice_credit(invoice=invoice, amount=None, reason="Cancelled", actor=staff)

    with pytest.raises(InvoiceError):
        invoice_credit(invoice=invoice, amount=None, reason="Again", actor=staff)

    assert Credit.objects.count() == 1


def test_the_balance_is_read_under_the_lock_not_from_the_callers_copy(invoice, staff):
    stale = Invoice.objects.get(pk=invoice.pk)
    invoice_credit(invoice=invoice, amount=D("50.00"), reason="First", actor=staff)

    with pytest.raises(InvoiceError):
        invoice_credit(invoice=stale, amount=D("50.00"), reason="Second", actor=staff)

    assert balance_of(invoice) == D("12.56")


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_credits_never_take_the_balance_below_zero(invoice, staff):
    """Both ask for 40 € of 62.56 €: the row lock makes the second see the first."""
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def credit_40() -> None:
        try:
            barrier.wait()
            invoice_credit(invoice=invoice, amount=D("40.00"), reason="Race", actor=staff)
            outcomes.append("booked")
        except InvoiceError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=credit_40) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["booked", "refused"]
    assert balance_of(invoice) == D("22.56")


# --- the balance everywhere it is derived ----------------------------------------------


def test_a_payment_after_a_partial_credit_covers_only_what_is_left(invoice, staff):
    invoice_credit(invoice=invoice, amount=D("12.56"), reason="Wrong meter", actor=staff)

    result = allocate_payment(payment=payment_of("60.00"), invoice=invoice, amount=D("60.00"))

    invoice.refresh_from_db()
    assert result.paid
    assert invoice.stage == Stage.PAID
    assert sum(a.amount for a in result.allocations) == D("50.00")
    assert Overpayment.objects.get(invoice=invoice).amount == D("10.00")


def test_a_bank_file_payment_after_a_partial_credit_covers_only_what_is_left(invoice, staff):
    invoice_credit(invoice=invoice, amount=D("12.56"), reason="Wrong meter", actor=staff)

    result = allocate_payments(items=[(payment_of("50.00"), invoice.pk)])

    invoice.refresh_from_db()
    assert result.paid_invoices == 1
    assert invoice.stage == Stage.PAID
    assert not Overpayment.objects.exists()


def test_a_payment_to_a_fully_credited_invoice_is_an_overpayment(invoice, staff):
    invoice_credit(invoice=invoice, amount=None, reason="Cancelled", actor=staff)

    allocate_payment(payment=payment_of("62.56"), invoice=invoice, amount=D("62.56"))

    assert Overpayment.objects.get(invoice=invoice).amount == D("62.56")


def test_a_credit_lowers_the_unpaid_principal_the_collection_engine_sees(invoice, staff):
    fee(invoice, "5.00")
    invoice_credit(invoice=invoice, amount=D("60.00"), reason="Goodwill", actor=staff)

    assert facts_for(invoice).situation.principal == D("2.56")
    invoice_credit(invoice=invoice, amount=D("4.00"), reason="Fee too", actor=staff)
    # 2.56 € of principal and 1.44 € of the fee: the capital goes first.
    assert facts_for(invoice).situation.principal == D("0.00")
    assert balance_of(invoice) == D("3.56")


def test_the_cycle_does_nothing_to_a_fully_credited_invoice(invoice, staff, monkeypatch):
    monkeypatch.setattr(cycle_module, "queue_letters", lambda ids: None)
    invoice_credit(invoice=invoice, amount=None, reason="Cancelled", actor=staff)

    run = run_collection_cycle(today=DUE + timedelta(days=60))

    assert run.steps == 0
    assert not CollectionStep.objects.filter(invoice=invoice).exists()
    assert not Charge.objects.filter(invoice=invoice).exists()


def test_the_credited_invoice_no_longer_shows_its_old_balance(invoice, staff, alice_client):
    invoice_credit(invoice=invoice, amount=None, reason="Cancelled", actor=staff)

    detail = alice_client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()
    listing = alice_client.get(reverse("invoices:list")).content.decode()

    assert "€62.56" not in listing
    assert "€0.00" in listing
    assert "Credit notes" in detail
    assert "−€62.56" in detail
    assert "Credit note" in detail  # the timeline event


def test_the_invoice_page_sums_the_credits_once(invoice, staff, alice_client):
    # The balance, both payoffs (today and the codes' date) and the collection outlook all
    # read the total that `with_balance` summed with the invoice (issue 16).
    invoice_credit(invoice=invoice, amount=D("20.00"), reason="Goodwill", actor=staff)
    sums: list[str] = []

    def count(execute, sql, params, many, context):
        if '"invoices_credit"' in sql:
            sums.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        detail = alice_client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()

    assert len(sums) == 1
    assert "−€20.00" in detail
    assert "€42.56" in detail  # 62.56 − 20.00, before interest


def test_payoffs_and_facts_of_an_invoice_without_the_annotation_query_its_credits(invoice, staff):
    invoice_credit(invoice=invoice, amount=D("60.00"), reason="Goodwill", actor=staff)
    annotated = with_balance(Invoice.objects.filter(pk=invoice.pk)).get()

    assert facts_for(Invoice.objects.get(pk=invoice.pk)).situation.principal == D("2.56")
    assert facts_for(annotated).situation.principal == D("2.56")
    assert payoff_for(Invoice.objects.get(pk=invoice.pk), DUE).principal == D("2.56")
    assert payoff_for(annotated, DUE).principal == D("2.56")


def test_the_invoice_pdf_shows_the_credit(invoice, staff, alice_client):
    from invoices.pdf import _context

    invoice_credit(invoice=invoice, amount=D("12.56"), reason="Wrong meter", actor=staff)

    context = _context(with_balance(Invoice.objects.filter(pk=invoice.pk)).get(), "en")

    # Overdue: the PDF asks for today's payoff, the interest accrued since included.
    assert context["amount"] == D("50.00") + context["payoff"].interest_accrued
    assert context["amount"] == context["payoff"].total
    assert context["invoice"].credited_total == D("12.56")


# --- the admin --------------------------------------------------------------------------


@pytest.fixture
def staff_client(client, staff):
    staff.preferred_language = "en"
    staff.save(update_fields=["preferred_language"])
    return mfa_login(client, staff)


def test_an_issued_invoice_is_read_only_in_the_admin(staff_client, invoice):
    url = reverse("admin:invoices_invoice_change", args=[invoice.pk])

    page = staff_client.get(url)
    edit = staff_client.post(url, {"principal": "1.00", "stage": "paid", "due_date": "2027-01-01"})

    assert page.status_code == 200
    assert 'name="principal"' not in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert edit.status_code == 403
    invoice.refresh_from_db()
    assert (invoice.principal, invoice.stage, invoice.due_date) == (D("62.56"), Stage.OPEN, DUE)


def test_issued_invoices_cannot_be_deleted_in_the_admin(staff_client, invoice):
    response = staff_client.post(
        reverse("admin:invoices_invoice_delete", args=[invoice.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Invoice.objects.filter(pk=invoice.pk).exists()


def test_staff_credit_part_of_an_invoice_from_its_admin_page(staff_client, invoice, staff):
    change = staff_client.get(reverse("admin:invoices_invoice_change", args=[invoice.pk]))
    credit_url = f"{reverse('admin:invoices_invoice_credit')}?ids={invoice.pk}"
    assert credit_url in change.content.decode()

    data = {"ids": str(invoice.pk), "amount": "12.56", "reason": "Wrong meter"}
    response = staff_client.post(credit_url, data, follow=True)

    assert "Credited €12.56 on invoice" in response.content.decode()
    assert Credit.objects.get(invoice=invoice).actor == staff
    assert balance_of(invoice) == D("50.00")


def test_the_admin_action_credits_several_invoices_in_full(staff_client, invoice, creditor):
    other = InvoiceFactory(creditor=creditor, principal=D("10.00"), issue_date=DUE, due_date=DUE)
    action = staff_client.post(
        reverse("admin:invoices_invoice_changelist"),
        {"action": "credit_action", "_selected_action": [invoice.pk, other.pk]},
    )
    assert action.status_code == 302
    form = staff_client.get(action["Location"])
    assert 'name="amount"' not in form.content.decode()  # several: each in full

    staff_client.post(
        action["Location"], {"ids": f"{invoice.pk},{other.pk}", "reason": "Contract void"}
    )

    assert set(Invoice.objects.values_list("stage", flat=True)) == {Stage.CREDITED}
    assert sorted(Credit.objects.values_list("amount", flat=True)) == [D("10.00"), D("62.56")]


def test_a_credit_above_the_balance_is_refused_in_the_admin_with_the_reason(staff_client, invoice):
    response = staff_client.post(
        reverse("admin:invoices_invoice_credit"),
        {"ids": str(invoice.pk), "amount": "100.00", "reason": "Too much"},
        follow=True,
    )

    assert "at most the open balance, €62.56" in response.content.decode()
    assert not Credit.objects.exists()


def test_a_credit_without_a_reason_shows_the_form_again(staff_client, invoice):
    response = staff_client.post(
        reverse("admin:invoices_invoice_credit"), {"ids": str(invoice.pk), "amount": "1.00"}
    )

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not Credit.objects.exists()


def test_credit_notes_are_read_only_in_the_admin(staff_client, invoice, staff):
    credit = invoice_credit(invoice=invoice, amount=D("1.00"), reason="Goodwill", actor=staff)

    edit = staff_client.post(
        reverse("admin:invoices_credit_change", args=[credit.pk]), {"amount": "60.00"}
    )
    delete = staff_client.post(
        reverse("admin:invoices_credit_delete", args=[credit.pk]), {"post": "yes"}
    )

    assert (edit.status_code, delete.status_code) == (403, 403)
    credit.refresh_from_db()
    assert credit.amount == D("1.00")
