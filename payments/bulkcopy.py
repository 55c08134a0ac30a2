"""PostgreSQL COPY for the bank import's bulk writes.

A 100,000-entry bank file writes ~400,000 rows (payments, allocations, events, overpayments).
`bulk_create` builds a model instance per row and runs every value through the field's
`pre_save`/`get_db_prep_save` and psycopg's Python array dumper: that was most of the import's
time. COPY streams plain tuples through psycopg's C row formatter instead.

What the ORM would have done for us is done here explicitly: every concrete column the
caller does not name gets its field's default (`auto_now_add` → one `now` for the whole write,
`db_default` → left to the database), so a field added later with a default keeps working.
Rows that need their id afterwards take ids reserved from the table's sequence first, which
also keeps them in the order of the rows given. Database errors (a unique constraint: an
entry imported concurrently) come out as Django's `IntegrityError`, as from the ORM.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection, models
from django.db.models.expressions import DatabaseDefault


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` new primary keys from `model`'s sequence, ascending."""
    if count <= 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, model._meta.pk.column, count],
        )
        return sorted(row[0] for row in cursor.fetchall())


def copy_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    now: datetime,
) -> None:
    """COPY `rows` (tuples in the order of `columns`) into `model`'s table.

    Values must already be what the database takes (ids for foreign keys, `Decimal`, `date`,
    JSON as text). The primary key is the database's unless `columns` names it.
    """
    named = set(columns)
    extra_columns: list[str] = []
    extra_values: list[object] = []
    for field in model._meta.concrete_fields:
        if field.column in named or field.primary_key or field.has_db_default():
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value: object = now
        else:
            value = field.get_default()
            if isinstance(value, DatabaseDefault):  # pragma: no cover - handled above
                continue
            value = field.get_db_prep_save(value, connection)
        extra_columns.append(field.column)
        extra_values.append(value)
    extra = tuple(extra_values)
    names = ", ".join(connection.ops.quote_name(column) for column in (*columns, *extra_columns))
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({names}) FROM STDIN"
    connection.ensure_connection()
    # cursor.copy is psycopg's own method, outside Django's error translation: wrap it so
    # a unique violation is an IntegrityError to callers, as it is from bulk_create.
    with (
        connection.wrap_database_errors,
        connection.cursor() as cursor,
        cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row((*row, *extra) if extra else row)
