"""The visibility rule's plan at volume: no branch reads the whole invoice table (issue 16 item 3).

Most invoices are a consumer's, with an empty Y-tunnus. With one index over every invoice's
Y-tunnus, PostgreSQL's statistics said a lookup by Y-tunnus returns almost every row (they are
all ''), so the organisation branches of `invoices_visible_to` scanned the table: 0.5 s a query
at 1,000,000 invoices, on every invoice page, payment and chat lookup (bench/README.md).
"""

import pytest
from django.db import connection

from invoices.models import DebtorType, Invoice, InvoiceAccess
from invoices.selectors import invoices_visible_to
from tests.factories import InvoiceFactory

CONSUMER_INVOICES = 3000


def plan_of(queryset) -> list[str]:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        return [row[0].strip() for row in cursor.fetchall()]


def invoice_scans_by_debtor(plan: list[str]) -> list[str]:
    """Sequential scans of the invoice table that look for a kind of debtor: a branch of the
    rule reading every invoice. (A scan of the small test table for the ids of the union is
    PostgreSQL's fair choice at this size; at volume it looks them up by primary key.)"""
    return [
        f"{line} / {plan[i + 1]}"
        for i, line in enumerate(plan[:-1])
        if "Seq Scan on invoices_invoice " in line and "debtor_type" in plan[i + 1]
    ]


@pytest.fixture
def many_consumer_invoices(alice, creditor):
    """Consumer invoices of many people, alice's claimed, and fresh statistics."""
    template = InvoiceFactory.build(creditor=creditor, debtor_type=DebtorType.CONSUMER)
    fields = {
        field.attname: getattr(template, field.attname)
        for field in Invoice._meta.concrete_fields
        if not field.primary_key
    }
    Invoice.objects.bulk_create(
        Invoice(
            **{
                **fields,
                "number": f"V{n:06d}",
                "myropo_id": f"{n:010d}",
                "debtor_hetu": f"{n:06d}-{n % 1000:03d}X",
            }
        )
        for n in range(CONSUMER_INVOICES)
    )
    claimed = Invoice.objects.order_by("id")[:5]
    InvoiceAccess.objects.bulk_create(
        InvoiceAccess(invoice=invoice, user=alice, method="myropo_id") for invoice in claimed
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE invoices_invoice")


def test_visibility_never_scans_the_invoice_table(alice, many_consumer_invoices):
    visible = invoices_visible_to(alice)

    plan = plan_of(visible.values("id"))

    assert invoice_scans_by_debtor(plan) == [], "\n".join(plan)
    assert visible.count() == 5
