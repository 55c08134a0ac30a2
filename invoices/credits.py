"""Credit notes as the balances read them: one rule, used by every place a balance is derived.

`invoices.selectors.with_balance` subtracts the credits' total; the payment allocation
(`subtract_credits`) and the collection engine's unpaid capital (`credited_by_id`) spend them
component by component in `CREDIT_ORDER`. Imports only invoices' models, so that the
collection engine and the payments app can read it without importing anything above them.
"""

from collections.abc import Mapping, Sequence
from decimal import Decimal

from django.db import connection

from invoices.models import Credit
from myropo.sqlarrays import int_array

ZERO = Decimal("0.00")

# A credit note corrects the receivable itself: it is spent on the unpaid principal first (so
# interest and the fee brackets follow the corrected capital), then on interest, then on costs.
CREDIT_ORDER = ("principal", "interest", "costs")


def credited_by_id(ids: Sequence[int]) -> dict[int, Decimal]:
    """The credit notes' total per invoice id (invoices without credits left out), one query.

    `= ANY(array)`, not an ORM `IN (…)`: a bank file or a cycle batch asks for tens of
    thousands of invoices at once.
    """
    if not ids:
        return {}
    table = connection.ops.quote_name(Credit._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT invoice_id, SUM(amount) FROM {table} "  # noqa: S608
            "WHERE invoice_id = ANY(%s::bigint[]) GROUP BY invoice_id",
            [int_array(ids)],
        )
        return dict(cursor.fetchall())


def credited_of_rows(rows: Sequence[Mapping]) -> dict[int, Decimal]:
    """The credit notes' total per invoice of these rows (mappings with an "id").

    An invoice read through `invoices.selectors.with_balance` already carries the total as
    `credited_total`, summed in the same query as its balance: when every row has it, it is
    used instead of summing the credits again (the invoice page derives its balance, its
    payoffs and its collection outlook from one invoice). Otherwise one query.
    """
    if rows and all(row.get("credited_total") is not None for row in rows):
        return {row["id"]: row["credited_total"] for row in rows if row["credited_total"]}
    return credited_by_id([row["id"] for row in rows])


def subtract_credits(
    outstanding: dict[int, dict[str, Decimal]], credited: Mapping[int, Decimal] | None = None
) -> None:
    """Lowers each invoice's outstanding components (after allocations) by its credits.

    `outstanding` maps invoice id → {"costs", "interest", "principal"} → amount still owed;
    the payment allocation (`payments.allocation.outstanding_by_id`) reads the same figures
    as `with_balance`, component by component. One query for any number of invoices, none
    when the caller has the totals (`credited`, e.g. from `credited_of_rows`).
    """
    if credited is None:
        credited = credited_by_id(list(outstanding))
    for invoice_id, total in credited.items():
        owed, left = outstanding[invoice_id], total
        for component in CREDIT_ORDER:
            take = min(left, max(owed.get(component, ZERO), ZERO))
            owed[component] -= take
            left -= take
