"""The figures kept with the allocations (issue 15 item 7) stay exact when payments to one
creditor on one day are booked at the same moment: against real PostgreSQL, in threads."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from payments.allocation import allocate_payment, allocate_payments
from payments.models import Allocation, CollectedDay, Payment, PaymentSource
from tests.factories import CreditorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db(transaction=True)

DUE = date(2026, 5, 31)
THREADS = 8


def _payment(key: str, amount: str, paid_on: date) -> Payment:
    return Payment.objects.create(
        source=PaymentSource.BANK, external_id=key, amount=Decimal(amount), paid_on=paid_on
    )


def test_payments_booked_at_once_to_two_creditors_on_two_days_all_count():
    first, second = CreditorFactory(), CreditorFactory()
    day, next_day = DUE - timedelta(days=2), DUE - timedelta(days=1)
    # Each thread its own invoices, so only the day rows are shared; half book one payment
    # online, half a bank file with two, one creditor first or the other (the rows' locks
    # are appended, so the opposite orders cannot deadlock).
    work = []
    for n in range(THREADS):
        a = InvoiceFactory(creditor=first, due_date=DUE, issue_date=DUE - timedelta(days=14))
        b = InvoiceFactory(creditor=second, due_date=DUE, issue_date=DUE - timedelta(days=14))
        pays = [(_payment(f"T{n}-A", "10.00", day), a), (_payment(f"T{n}-B", "20.00", next_day), b)]
        work.append(pays if n % 4 < 2 else pays[::-1])
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def book(n: int) -> None:
        try:
            barrier.wait(timeout=30)
            if n % 2:
                for payment, invoice in work[n]:
                    allocate_payment(payment=payment, invoice=invoice, amount=payment.amount)
            else:
                allocate_payments(items=[(payment, invoice.pk) for payment, invoice in work[n]])
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    connection.close()
    kept = {
        (row["creditor_id"], row["day"]): row["total"]
        for row in CollectedDay.objects.values("creditor_id", "day").annotate(total=Sum("amount"))
    }
    assert kept == {
        (first.pk, day): Decimal("10.00") * THREADS,
        (second.pk, next_day): Decimal("20.00") * THREADS,
    }
    assert Allocation.objects.aggregate(total=Sum("amount"))["total"] == Decimal("240.00")
    for pays in work:
        for payment, invoice in pays:
            invoice.refresh_from_db()
            assert invoice.last_payment_on == payment.paid_on


def test_one_transaction_booking_two_creditors_never_deadlocks_with_the_opposite_order():
    """An online order pays invoices of two creditors in one transaction, line by line; another
    order pays the same creditors the other way round at the same moment (the review's case:
    the day rows' locks, held to the end, deadlocked them)."""
    from django.db import transaction

    first, second = CreditorFactory(), CreditorFactory()
    day = DUE - timedelta(days=1)
    orders = []
    for n, creditors in enumerate([(first, second), (second, first)]):
        lines = []
        for m, creditor in enumerate(creditors):
            invoice = InvoiceFactory(
                creditor=creditor, due_date=DUE, issue_date=DUE - timedelta(days=14)
            )
            lines.append((_payment(f"O{n}-{m}", "15.00", day), invoice))
        orders.append(lines)
    halfway = threading.Barrier(2)
    errors: list[BaseException] = []

    def pay(lines) -> None:
        try:
            with transaction.atomic():
                for index, (payment, invoice) in enumerate(lines):
                    allocate_payment(payment=payment, invoice=invoice, amount=payment.amount)
                    if index == 0:
                        halfway.wait(timeout=30)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=pay, args=(lines,)) for lines in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    connection.close()
    totals = dict(
        CollectedDay.objects.values("creditor_id")
        .annotate(total=Sum("amount"))
        .values_list("creditor_id", "total")
    )
    assert totals == {first.pk: Decimal("30.00"), second.pk: Decimal("30.00")}
