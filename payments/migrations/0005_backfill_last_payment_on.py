"""Fill `Invoice.last_payment_on` from the allocations booked before it existed.

The same figure `payments.allocation.last_payment_on_refresh` keeps from now on: the latest
payment day allocated to each invoice, then the index that holds it is built again. Backwards
the column is emptied (it goes with the invoices migration before this one).
"""

from django.db import migrations

FORWARD = """
    UPDATE invoices_invoice i SET last_payment_on = latest.paid_on
    FROM (
        SELECT a.invoice_id, max(p.paid_on) AS paid_on
        FROM payments_allocation a JOIN payments_payment p ON p.id = a.payment_id
        GROUP BY a.invoice_id
    ) latest
    WHERE latest.invoice_id = i.id
"""
BACKWARD = "UPDATE invoices_invoice SET last_payment_on = NULL WHERE last_payment_on IS NOT NULL"


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0015_invoice_last_payment_on"),
        ("payments", "0004_statistics_indexes"),
    ]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD, elidable=False),
        # The statistics' covering index holds the column: an update of every paid invoice
        # leaves it about four times its size (236 MB instead of ~65 MB at 1,000,000
        # invoices in bench/creditor_stats.py), and PostgreSQL then reads the table instead.
        migrations.RunSQL(
            "REINDEX INDEX invoice_creditor_due_stats", migrations.RunSQL.noop, elidable=False
        ),
    ]
