"""The daily reminder and collection cycle: every open invoice, in set-based batches.

For each batch of invoice ids (ordered by id, keyset-paginated over the partial index
`invoice_collectable`) one transaction:

1. locks the batch's invoices `FOR UPDATE SKIP LOCKED` and reads them with a fixed number of
   queries (`collection_selectors.facts_for_rows`), whatever the batch size;
2. asks the pure `decide_next_step` for each invoice and keeps the steps due today;
3. inserts the steps with `INSERT … ON CONFLICT (invoice, step) DO NOTHING RETURNING`: only
   the invoices whose step row was really inserted go on, so a step another worker (or an
   earlier run) already took is skipped — the unique constraint decides, not the lock;
4. books their fee and interest `Charge` rows the same way (UNIQUE(invoice, idempotency_key)
   is the second guard against the same fee twice), moves the stage, writes the timeline
   events and the letters' rows, and queues the letters' rendering on commit.

Running it twice on the same day changes nothing the second time (a step taken today makes
the next one due on a later day at the earliest); two workers at once split the batches
between them by the row locks and never double-book by the constraints; a crash leaves whole
batches committed and the rerun does the rest. Rows another transaction held are retried at
the end of the run with a waiting lock.
"""

from __future__ import annotations

import json
import logging
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from collection.decision import STAGE_AFTER, Decision, decide_next_step
from collection.interest import ReferenceRate as Rate
from collection.models import CollectionRecall, CollectionRun, CollectionStep, Letter
from collection.rules import (
    MIN_LETTER_PAYMENT_DAYS,
    STEP_ORDER,
    DebtorKind,
    Step,
    letter_interval_days,
)
from collection.selectors import (
    INTEREST_CHARGE_COLUMNS,
    INVOICE_FIELDS,
    STEP_OF_FEE_KEY,
    InvoiceFacts,
    collection_settings,
    facts_for_rows,
    fee_key,
    interest_charge_rows,
    interest_key,
    reference_rates,
    unbooked_interest,
)
from invoices.models import (
    ZERO,
    Charge,
    CreditorSettings,
    EventKind,
    Invoice,
    InvoiceEvent,
    Stage,
)

logger = logging.getLogger(__name__)

COLLECTABLE_STAGES = (Stage.OPEN, Stage.REMINDED, Stage.COLLECTION)
# A batch is one transaction: 5000 candidates hold their row locks for about a second, and
# one commit (a WAL flush) per 5000 instead of per 1000 is a tenth of the cycle's time less.
BATCH_SIZE = 5000
# Batches in flight at once, each on its own connection (see `run_collection_cycle`).
WORKERS = 3
LETTER_STEPS = frozenset(
    {Step.REMINDER_1, Step.REMINDER_2, Step.DEMAND_1, Step.DEMAND_2, Step.LEGAL_NOTICE}
)
EVENT_OF_STEP = {
    Step.REMINDER_1: EventKind.REMINDER,
    Step.REMINDER_2: EventKind.REMINDER,
    Step.DEMAND_1: EventKind.COLLECTION,
    Step.DEMAND_2: EventKind.COLLECTION,
    Step.LEGAL_NOTICE: EventKind.COLLECTION,
    Step.LEGAL: EventKind.LEGAL,
}

Progress = Callable[[int, int], None]


@dataclass
class Totals:
    batches: int = 0
    evaluated: int = 0
    steps: int = 0
    charges: int = 0
    letters: int = 0
    skipped_locked: int = 0
    counts: Counter = field(default_factory=Counter)
    skipped_ids: list[int] = field(default_factory=list)

    def add(self, other: Totals) -> None:
        self.batches += other.batches
        self.evaluated += other.evaluated
        self.steps += other.steps
        self.charges += other.charges
        self.letters += other.letters
        self.skipped_locked += other.skipped_locked
        self.counts.update(other.counts)


@dataclass
class _Context:
    today: date
    rates: tuple[Rate, ...]
    run: CollectionRun
    dry_run: bool
    settings: dict[int, CreditorSettings | None] = field(default_factory=dict)

    def settings_for(self, facts: Sequence[InvoiceFacts]) -> None:
        missing = {f.creditor_id for f in facts} - self.settings.keys()
        if missing:
            found = {
                s.creditor_id: s for s in CreditorSettings.objects.filter(creditor_id__in=missing)
            }
            for creditor_id in missing:
                self.settings[creditor_id] = found.get(creditor_id)


def candidate_ids(today: date, *, after_id: int = 0, limit: int = BATCH_SIZE) -> list[int]:
    """The next batch of invoices that may have a step due: open, not disputed, overdue."""
    return [pk for pk, _ in _candidates(today, after_id=after_id, limit=limit)]


# The earliest day the next step could be due, computed from the last step taken (in step
# order) or the due date and the creditor's days: `decide_next_step` never dates a step
# earlier (it only moves a step later: a due-date transfer, a demand's legal minimum, today).
# NULL, i.e. "ask Python", whenever the SQL cannot be sure: a fee charge counted as a step
# without its step row (legacy history), no reminder configured, nothing left to take.
_CANDIDATES_SQL = """
SELECT id, CASE WHEN earliest IS NULL THEN NULL
                ELSE GREATEST(earliest, coalesce(legal_earliest, earliest)) END
FROM (
SELECT i.id,
       CASE
         WHEN EXISTS (
           SELECT 1 FROM {charge} c
           WHERE c.invoice_id = i.id AND c.idempotency_key = ANY(%(legacy_keys)s::varchar[])
             AND NOT EXISTS (
               SELECT 1 FROM {step} s2 WHERE s2.invoice_id = i.id
                 AND s2.step = (%(legacy_steps)s::varchar[])[
                   array_position(%(legacy_keys)s::varchar[], c.idempotency_key::varchar)]))
           THEN NULL
         WHEN last.step IS NULL THEN
           CASE WHEN coalesce(cs.reminder_count, %(reminder_count)s) >= 1
                THEN i.due_date + coalesce(cs.first_reminder_days, %(first_reminder_days)s) END
         WHEN last.step = 'reminder_1' THEN last.taken_on + CASE
           WHEN coalesce(cs.reminder_count, %(reminder_count)s) >= 2
             THEN coalesce(cs.reminder_interval_days, %(reminder_interval_days)s)
           ELSE coalesce(cs.days_to_collection, %(days_to_collection)s) END
         WHEN last.step = 'reminder_2'
           THEN last.taken_on + coalesce(cs.days_to_collection, %(days_to_collection)s)
         WHEN last.step = 'demand_1'
           THEN last.taken_on + coalesce(cs.demand_interval_days, %(demand_interval_days)s)
         WHEN last.step = 'demand_2'
           THEN last.taken_on + coalesce(cs.legal_notice_days, %(legal_notice_days)s)
         WHEN last.step = 'legal_notice'
           THEN last.taken_on + coalesce(cs.legal_days, %(legal_days)s)
       END AS earliest,
       CASE
         WHEN i.debtor_type = 'consumer' AND last.step IS NULL
           THEN i.due_date + %(consumer_interval)s
         WHEN i.debtor_type = 'consumer'
           THEN GREATEST(
             last.taken_on + CASE WHEN last.step = 'legal_notice' THEN 0
                                  ELSE %(consumer_interval)s END,
             coalesce(l.due_date, last.taken_on + %(latest_pay_by)s) + 1)
         WHEN last.step = 'legal_notice'
           THEN coalesce(l.due_date, last.taken_on + %(latest_pay_by)s) + 1
         WHEN last.step IS NOT NULL THEN last.taken_on + %(business_interval)s
       END AS legal_earliest
FROM {invoice} i
LEFT JOIN {settings} cs ON cs.creditor_id = i.creditor_id
LEFT JOIN LATERAL (
  SELECT s.step, s.taken_on FROM {step} s WHERE s.invoice_id = i.id
  ORDER BY array_position(%(step_order)s::varchar[], s.step::varchar) DESC NULLS LAST LIMIT 1
) last ON true
LEFT JOIN {letter} l ON l.invoice_id = i.id AND l.step = last.step
WHERE i.stage = ANY(%(stages)s::varchar[]) AND NOT i.disputed AND i.due_date < %(today)s
  AND i.id > %(after_id)s
  AND NOT EXISTS (SELECT 1 FROM {recall} r WHERE r.invoice_id = i.id)
ORDER BY i.id
LIMIT %(limit)s
) candidates
ORDER BY id
"""


def _candidates(today: date, *, after_id: int, limit: int) -> list[tuple[int, bool]]:
    """The next batch of candidates (open, not disputed, overdue), each with whether a step
    may be due today; those that cannot are evaluated here and never reach Python."""
    quote = connection.ops.quote_name
    sql = _CANDIDATES_SQL.format(
        invoice=quote(Invoice._meta.db_table),
        settings=quote(CreditorSettings._meta.db_table),
        step=quote(CollectionStep._meta.db_table),
        charge=quote(Charge._meta.db_table),
        letter=quote(Letter._meta.db_table),
        recall=quote(CollectionRecall._meta.db_table),
    )
    defaults = CreditorSettings()
    params = {
        name: getattr(defaults, name)
        for name in (
            "reminder_count",
            "first_reminder_days",
            "reminder_interval_days",
            "days_to_collection",
            "demand_interval_days",
            "legal_notice_days",
            "legal_days",
        )
    }
    # A lower bound of the law's intervals in `decide_next_step`: never later than it dates.
    params.update(
        consumer_interval=letter_interval_days(DebtorKind.CONSUMER),
        business_interval=letter_interval_days(DebtorKind.BUSINESS),
        latest_pay_by=MIN_LETTER_PAYMENT_DAYS,
        legacy_keys=list(STEP_OF_FEE_KEY),
        legacy_steps=[step.value for step in STEP_OF_FEE_KEY.values()],
        step_order=[step.value for step in STEP_ORDER],
        stages=[str(stage) for stage in COLLECTABLE_STAGES],
        today=today,
        after_id=after_id,
        limit=limit,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, earliest is None or earliest <= today) for pk, earliest in cursor.fetchall()]


def _count_candidates(today: date) -> int:
    return (
        Invoice.objects.filter(stage__in=COLLECTABLE_STAGES, disputed=False, due_date__lt=today)
        .filter(recall__isnull=True)
        .count()
    )


def queue_letters(letter_ids: Sequence[int]) -> None:
    """Render and send each letter in a worker; called on commit of the step's transaction."""
    from collection.tasks import render_letter

    for letter_id in letter_ids:
        render_letter.delay(letter_id)


def _insert_returning(
    model,
    columns: Sequence[str],
    rows: Sequence[tuple],
    conflict: Sequence[str] | None,
    returning: str | None,
) -> list:
    """INSERT rows, skipping those that break the unique `conflict` columns; the inserted keys.

    The rows travel as one JSON document turned back into rows of the table's own type by
    `json_populate_recordset` (each value goes through its column type's input function): one
    parameter per statement, serialised by the C `json` encoder, where per-column arrays made
    psycopg adapt every value in Python.
    """
    if not rows:
        return []
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(map(quote, columns))
    # Identifiers come from the model's metadata and are quoted; every value is a parameter.
    sql = (
        f"INSERT INTO {table} ({names}) "  # noqa: S608
        f"SELECT {names} FROM json_populate_recordset(NULL::{table}, %s::json)"
    )
    if conflict:
        sql += f" ON CONFLICT ({', '.join(map(quote, conflict))}) DO NOTHING"
    if returning:
        sql += f" RETURNING {quote(returning)}"
    payload = json.dumps(
        [dict(zip(columns, row, strict=True)) for row in rows],
        default=str,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [payload])
        return [row[0] for row in cursor.fetchall()] if returning else []


# The "ever reached" flags each kind of step event sets on its invoice (Invoice.ever_*).
EVER_FLAG_OF_EVENT = {
    EventKind.REMINDER: "ever_reminded",
    EventKind.COLLECTION: "ever_in_collection",
    EventKind.LEGAL: "ever_in_legal",
}


def _set_stages(new_stage: dict[int, str], reached: dict[int, set[str]]) -> None:
    """Move each invoice to its new stage and raise the flags of the events it gets, in one
    statement (a flag is never lowered: the events are immutable)."""
    ids = sorted(new_stage.keys() | reached.keys())
    if not ids:
        return
    table = connection.ops.quote_name(Invoice._meta.db_table)
    flags = list(EVER_FLAG_OF_EVENT.values())
    payload = json.dumps(
        [
            {
                "id": pk,
                "stage": new_stage.get(pk),
                **{flag: flag in reached.get(pk, ()) for flag in flags},
            }
            for pk in ids
        ]
    )
    raised = ", ".join(f"{flag} = i.{flag} OR v.{flag}" for flag in flags)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS i SET stage = coalesce(v.stage, i.stage), {raised} "  # noqa: S608
            f"FROM json_populate_recordset(NULL::{table}, %s::json) AS v WHERE i.id = v.id",
            [payload],
        )


EVER_FLAGS_REBUILD_SQL = """
    UPDATE invoices_invoice AS i
    SET ever_reminded = e.reminder, ever_in_collection = e.collection, ever_in_legal = e.legal
    FROM (
        SELECT invoice_id,
               bool_or(kind = 'reminder') AS reminder,
               bool_or(kind = 'collection') AS collection,
               bool_or(kind = 'legal') AS legal
        FROM invoices_invoiceevent
        WHERE kind IN ('reminder', 'collection', 'legal')
        GROUP BY invoice_id
    ) AS e
    WHERE i.id = e.invoice_id
      AND (i.ever_reminded, i.ever_in_collection, i.ever_in_legal)
          IS DISTINCT FROM (e.reminder, e.collection, e.legal)
"""


def ever_flags_rebuild() -> int:
    """The flags from the timeline, for rows written around the cycle (a COPY loader, the
    demo seeder); returns the invoices changed."""
    with connection.cursor() as cursor:
        cursor.execute(EVER_FLAGS_REBUILD_SQL)
        return cursor.rowcount


def _interest_charges(facts: InvoiceFacts, step: Step, ctx: _Context) -> list[tuple]:
    s = facts.situation
    due = unbooked_interest(
        kind=s.kind,
        principal=s.principal,
        due_date=s.due_date,
        booked_through=facts.interest_booked_through,
        as_of=ctx.today,
        rates=ctx.rates,
    )
    if due is None:
        return []
    return interest_charge_rows(facts.id, s.kind, due, ctx.today, interest_key(step))


CHARGE_COLUMNS = (*INTEREST_CHARGE_COLUMNS, "created_at")


EVENT_COLUMNS = (
    "invoice_id",
    "kind",
    "created_at",
    "on_behalf_of_organisation",
    "detail",
    "data",
)


def _take_steps(
    chosen: list[tuple[InvoiceFacts, Decision]], ctx: _Context, totals: Totals
) -> list[int]:
    """Record the steps (once each), their charges, stages, events and letters; letter ids."""
    now = timezone.now()
    today = ctx.today
    by_id = {facts.id: (facts, decision) for facts, decision in chosen}
    inserted = set(
        _insert_returning(
            CollectionStep,
            ("invoice_id", "step", "taken_on", "fee", "run_id", "created_at"),
            [
                (facts.id, decision.step.value, today, decision.fee, ctx.run.pk, now)
                for facts, decision in chosen
            ],
            conflict=("invoice_id", "step"),
            returning="invoice_id",
        )
    )
    taken = [by_id[invoice_id] for invoice_id in sorted(inserted)]
    charges: list[tuple] = []
    events: list[tuple] = []
    letters: list[tuple] = []
    new_stage: dict[int, str] = {}
    reached: dict[int, set[str]] = {}
    for facts, decision in taken:
        step = decision.step
        assert step is not None
        interests = _interest_charges(facts, step, ctx)
        charges.extend((*interest, now) for interest in interests)
        interest_total = sum((interest[2] for interest in interests), ZERO)
        if decision.fee > 0 and decision.charge_kind:
            charges.append(
                (
                    facts.id,
                    decision.charge_kind,
                    decision.fee,
                    today,
                    decision.rule_code or "",
                    decision.creditor_setting,
                    decision.legal_cap,
                    decision.explanation,
                    None,
                    None,
                    fee_key(step, decision.charge_kind),
                    now,
                )
            )
        stage = STAGE_AFTER[step].value
        if stage != facts.situation.stage.value:
            new_stage[facts.id] = stage
        flag = EVER_FLAG_OF_EVENT.get(EVENT_OF_STEP[step])
        if flag is not None:
            reached.setdefault(facts.id, set()).add(flag)
        events.append(
            (
                facts.id,
                EVENT_OF_STEP[step].value,
                now,
                "",
                decision.explanation,
                {
                    "step": step.value,
                    "fee": str(decision.fee),
                    "rule": decision.rule_code,
                    "interest": str(interest_total) if interests else "0.00",
                    "run": ctx.run.pk,
                },
            )
        )
        if step in LETTER_STEPS:
            # The decision's date: ≥ 10 days after the latest delivery (Ombudsman 2024).
            assert decision.pay_by is not None
            # `pdf` empty: not rendered yet (the letters task renders it after the commit).
            letters.append((facts.id, step.value, facts.language, today, decision.pay_by, "", now))
        totals.counts[step.value] += 1

    charge_ids = _insert_returning(
        Charge, CHARGE_COLUMNS, charges, conflict=("invoice_id", "idempotency_key"), returning="id"
    )
    _set_stages(new_stage, reached)
    _insert_returning(InvoiceEvent, EVENT_COLUMNS, events, conflict=None, returning=None)
    letter_ids = _insert_returning(
        Letter,
        ("invoice_id", "step", "language", "letter_date", "due_date", "pdf", "created_at"),
        letters,
        conflict=("invoice_id", "step"),
        returning="id",
    )
    totals.steps += len(taken)
    totals.charges += len(charge_ids)
    totals.letters += len(letter_ids)
    return letter_ids


def _decide(facts: dict[int, InvoiceFacts], ctx: _Context) -> list[tuple[InvoiceFacts, Decision]]:
    chosen = []
    cache: dict[tuple[int, DebtorKind], object] = {}
    for invoice_facts in facts.values():
        key = (invoice_facts.creditor_id, invoice_facts.situation.kind)
        settings = cache.get(key)
        if settings is None:
            settings = cache[key] = collection_settings(
                ctx.settings.get(invoice_facts.creditor_id), invoice_facts.situation.kind
            )
        decision = decide_next_step(invoice_facts.situation, settings, ctx.today)  # type: ignore[arg-type]
        if decision.is_due(ctx.today):
            chosen.append((invoice_facts, decision))
    return chosen


def _lock_rows(ids: Sequence[int], *, lock: bool, skip_locked: bool) -> list[dict]:
    """The batch's invoices still collectable, as dicts of `INVOICE_FIELDS`, locked FOR UPDATE.

    Plain SQL with the ids as one array parameter: the ORM's `IN (%s, …)` of a whole batch
    cost more to build than the query took to run.
    """
    quote = connection.ops.quote_name
    columns = ", ".join(map(quote, INVOICE_FIELDS))
    sql = (
        f"SELECT {columns} FROM {quote(Invoice._meta.db_table)} "  # noqa: S608
        "WHERE id = ANY(%s::bigint[]) AND stage = ANY(%s::varchar[]) AND NOT disputed "
        "ORDER BY id"
    )
    if lock:
        sql += " FOR UPDATE SKIP LOCKED" if skip_locked else " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(ids), [str(stage) for stage in COLLECTABLE_STAGES]])
        return [dict(zip(INVOICE_FIELDS, row, strict=True)) for row in cursor.fetchall()]


def process_batch(ids: Sequence[int], ctx: _Context, *, skip_locked: bool = True) -> Totals:
    """One batch in one transaction (nothing written on a dry run); returns what it did."""
    totals = Totals(batches=1)
    with transaction.atomic():
        rows = _lock_rows(ids, lock=not ctx.dry_run, skip_locked=skip_locked)
        totals.evaluated = len(rows)
        if skip_locked and not ctx.dry_run:
            seen = {row["id"] for row in rows}
            totals.skipped_ids = [pk for pk in ids if pk not in seen]
        facts = facts_for_rows(rows)
        ctx.settings_for(list(facts.values()))
        chosen = _decide(facts, ctx)
        if ctx.dry_run:
            totals.steps = len(chosen)
            totals.counts.update(decision.step.value for _, decision in chosen if decision.step)
            return totals
        letter_ids = _take_steps(chosen, ctx, totals)
        if letter_ids:
            transaction.on_commit(lambda: queue_letters(letter_ids))
    return totals


def _process_in_worker(ids: Sequence[int], ctx: _Context, skipped: int) -> Totals:
    """`process_batch` in a pool thread, on that thread's own connection."""
    try:
        done = process_batch(ids, ctx) if ids else Totals(batches=1)
        done.evaluated += skipped
        return done
    finally:
        connection.close()


def _skipped(ids: Sequence[int], today: date) -> list[int]:
    """Of `ids`, those still collectable but not evaluated (another transaction held them)."""
    return list(
        Invoice.objects.filter(
            id__in=ids, stage__in=COLLECTABLE_STAGES, disputed=False, due_date__lt=today
        )
        .order_by("id")
        .values_list("id", flat=True)
    )


def _save(run: CollectionRun, totals: Totals, *, finished: bool = False) -> None:
    run.batches, run.evaluated, run.steps = totals.batches, totals.evaluated, totals.steps
    run.charges, run.letters = totals.charges, totals.letters
    run.skipped_locked = totals.skipped_locked
    run.counts = dict(sorted(totals.counts.items()))
    fields = ["batches", "evaluated", "steps", "charges", "letters", "skipped_locked", "counts"]
    if finished:
        run.finished_at = timezone.now()
        fields.append("finished_at")
    run.save(update_fields=fields)


def run_collection_cycle(
    *,
    today: date | None = None,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> CollectionRun:
    """Evaluate every open invoice for `today` (Helsinki date by default) and take due steps."""
    today = today or timezone.localdate()
    run = CollectionRun.objects.create(run_date=today, dry_run=dry_run)
    ctx = _Context(today=today, rates=reference_rates(), run=run, dry_run=dry_run)
    total = _count_candidates(today) if progress else 0
    totals = Totals()
    retry: list[int] = []

    def finished(done: Totals) -> None:
        retry.extend(done.skipped_ids)
        totals.add(done)
        _save(run, totals)
        if progress:
            progress(min(totals.evaluated + len(retry), total), total)

    # Outside a caller's transaction the batches run on WORKERS connections of their own, so
    # one batch's decisions (Python) overlap the previous one's writes and commit (server).
    # Each batch is still one transaction on its own invoices, exactly as one worker does it.
    # Inside a transaction (tests, a caller's atomic block) other connections would not see
    # its rows: the batches run here, one after the other.
    overlap = WORKERS > 1 and not connection.in_atomic_block
    with ThreadPoolExecutor(max_workers=WORKERS) if overlap else nullcontext() as pool:
        pending: deque[Future[Totals]] = deque()
        after_id = 0
        while scanned := _candidates(today, after_id=after_id, limit=batch_size):
            after_id = scanned[-1][0]
            ids = [pk for pk, may_be_due in scanned if may_be_due]
            # The others cannot have a step due today: evaluated by the query, not locked.
            skipped = len(scanned) - len(ids)
            if pool is None:
                done = process_batch(ids, ctx) if ids else Totals(batches=1)
                done.evaluated += skipped
                finished(done)
                continue
            pending.append(pool.submit(_process_in_worker, ids, ctx, skipped))
            while len(pending) > WORKERS:
                finished(pending.popleft().result())
        while pending:
            finished(pending.popleft().result())
    # Invoices a payment or another worker held: wait for the lock now. A worker's step is
    # committed by then, so the decision sees it and the constraint backs it up.
    still = _skipped(retry, today) if retry else []
    totals.skipped_locked = len(still)
    for start in range(0, len(still), batch_size):
        done = process_batch(still[start : start + batch_size], ctx, skip_locked=False)
        done.batches = 0
        totals.add(done)
    _save(run, totals, finished=True)
    logger.info(
        "collection cycle %s%s: %s evaluated, %s steps, %s charges, %s letters",
        today.isoformat(),
        " (dry run)" if dry_run else "",
        totals.evaluated,
        totals.steps,
        totals.charges,
        totals.letters,
    )
    return run
