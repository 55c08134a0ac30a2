"""The daily collection cycle against the database: steps, charges, idempotence, concurrency.

Issue 7, "What must work" 3, 4, 6 and 9.
"""

import threading
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django_celery_beat.models import PeriodicTask

import collection.cycle as cycle_module
from collection.cycle import run_collection_cycle
from collection.decision import Reason
from collection.interest import late_interest
from collection.models import CollectionRun, CollectionStep, ReferenceRate
from collection.rules import DebtorKind, Step
from collection.selectors import accrued_interest, next_step_for, simulate_for
from invoices.models import Charge, ChargeKind, CreditorSettings, EventKind, InvoiceEvent, Stage
from payments.models import Allocation, Payment
from tests.factories import CreditorFactory, InvoiceFactory

D = Decimal
DUE = date(2026, 1, 31)


def day(n: int) -> date:
    return DUE + timedelta(days=n)


@pytest.fixture(autouse=True)
def _no_letters(monkeypatch):
    """Letters are rendered by their own tests (test_letters.py); here only their rows count."""
    queued: list[int] = []
    monkeypatch.setattr(cycle_module, "queue_letters", queued.extend)
    return queued


def overdue(creditor, **overrides):
    values = {
        "creditor": creditor,
        "issue_date": DUE - timedelta(days=14),
        "due_date": DUE,
        "principal": D("100.00"),
    }
    values.update(overrides)
    return InvoiceFactory(**values)


def snapshot() -> tuple[int, int, int, int]:
    return (
        CollectionStep.objects.count(),
        Charge.objects.count(),
        InvoiceEvent.objects.count(),
        cycle_module.Letter.objects.count(),
    )


def test_an_invoice_is_reminded_with_fee_interest_event_and_letter(
    creditor, _no_letters, django_capture_on_commit_callbacks
):
    invoice = overdue(creditor)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_collection_cycle(today=day(15))

    invoice.refresh_from_db()
    assert invoice.stage == Stage.REMINDED
    step = CollectionStep.objects.get(invoice=invoice)
    assert (step.step, step.taken_on, step.fee) == (Step.REMINDER_1, day(15), D("5.00"))
    fee = Charge.objects.get(invoice=invoice, kind=ChargeKind.REMINDER_FEE)
    assert (fee.amount, fee.legal_cap, fee.creditor_setting) == (D("5.00"), D("5.00"), D("5.00"))
    assert fee.rule == "consumer.reminder_1" and fee.idempotency_key == "reminder:1"
    interest = Charge.objects.get(invoice=invoice, kind=ChargeKind.INTEREST)
    assert interest.amount == late_interest(
        D("100.00"), DUE, day(15), DebtorKind.CONSUMER, ReferenceRateRows()
    )
    assert (interest.period_start, interest.period_end) == (day(1), day(15))
    assert interest.idempotency_key == "interest:reminder_1"
    assert InvoiceEvent.objects.filter(invoice=invoice, kind=EventKind.REMINDER).count() == 1
    letter = cycle_module.Letter.objects.get(invoice=invoice)
    # Ombudsman 2024: 10 days to pay after the latest delivery (letter post, 7 days).
    assert letter.due_date == day(15 + 17) and letter.language == invoice.language
    assert _no_letters == [letter.pk]
    assert (run.steps, run.charges, run.letters, run.counts) == (1, 2, 1, {"reminder_1": 1})
    assert run.finished_at is not None


def test_nothing_is_sent_on_the_14th_day_after_the_due_date(creditor):
    """Consumer Ombudsman 21.10.2024 (KKV/378/14.08.01.05/2022): the earliest day is the 15th."""
    invoice = overdue(creditor)
    run_collection_cycle(today=day(14))
    assert not invoice.collection_steps.exists()
    run_collection_cycle(today=day(15))
    assert invoice.collection_steps.get().taken_on == day(15)


def ReferenceRateRows():
    from collection.selectors import reference_rates

    return reference_rates()


def test_running_twice_on_the_same_day_changes_nothing(creditor):
    for n in range(5):
        overdue(creditor, principal=D(100 + n * 300))
    run_collection_cycle(today=day(15))
    before = snapshot()
    second = run_collection_cycle(today=day(15))
    assert snapshot() == before
    assert (second.steps, second.charges, second.letters) == (0, 0, 0)
    assert second.evaluated == 5


def test_the_whole_way_to_legal_collection_one_step_per_run(creditor):
    invoice = overdue(creditor, principal=D("500.00"))
    stages = []
    for n in range(0, 120):
        run_collection_cycle(today=day(n))
        invoice.refresh_from_db()
        stages.append(invoice.stage)
    steps = list(CollectionStep.objects.filter(invoice=invoice).values_list("step", flat=True))
    assert steps == ["reminder_1", "demand_1", "demand_2", "legal_notice", "legal"]
    assert invoice.stage == Stage.LEGAL
    fees = dict(
        Charge.objects.filter(invoice=invoice)
        .exclude(kind=ChargeKind.INTEREST)
        .values_list("idempotency_key", "amount")
    )
    assert fees == {"reminder:1": D("5.00"), "demand:1": D("14.00"), "demand:2": D("7.00")}
    for charge in Charge.objects.filter(invoice=invoice, legal_cap__isnull=False):
        assert charge.amount <= charge.legal_cap
    # Interest periods follow each other without a gap or an overlap.
    periods = list(
        Charge.objects.filter(invoice=invoice, kind=ChargeKind.INTEREST)
        .order_by("period_start")
        .values_list("period_start", "period_end")
    )
    assert periods[0][0] == day(1)
    for (_, end), (start, _) in pairwise(periods):
        assert start == end + timedelta(days=1)
    assert Stage.COLLECTION in stages


def test_disputed_paid_credited_and_statute_barred_invoices_are_untouched(creditor):
    disputed = overdue(creditor, disputed=True)
    paid = overdue(creditor, stage=Stage.PAID)
    credited = overdue(creditor, stage=Stage.CREDITED)
    old = date(2022, 1, 31)
    barred = overdue(creditor, issue_date=old, due_date=old, original_due_date=old)
    fully_paid = overdue(creditor)
    payment = Payment.objects.create(
        source="bank", external_id="P1", amount=D("100.00"), paid_on=day(3)
    )
    Allocation.objects.create(
        payment=payment, invoice=fully_paid, component="principal", amount=D("100.00")
    )
    run_collection_cycle(today=day(30))
    for invoice in (disputed, paid, credited, barred, fully_paid):
        assert not invoice.collection_steps.exists()
        assert not invoice.charges.exists()
        assert not invoice.letters.exists()
    assert next_step_for(barred, day(30)).reason_code == Reason.STATUTE_BARRED
    assert next_step_for(disputed, day(30)).reason_code == Reason.DISPUTED


def test_a_creditor_without_reminders_never_reaches_collection(creditor):
    CreditorSettings.objects.filter(creditor=creditor).update(reminder_count=0)
    invoice = overdue(creditor)
    for n in (14, 30, 60, 90):
        run_collection_cycle(today=day(n))
    assert not invoice.collection_steps.exists()
    assert next_step_for(invoice, day(90)).reason_code == Reason.NO_PRIOR_REMINDER


def test_a_legacy_reminder_fee_counts_as_the_reminder(creditor):
    invoice = overdue(creditor, stage=Stage.REMINDED)
    Charge.objects.create(
        invoice=invoice,
        kind=ChargeKind.REMINDER_FEE,
        amount=D("5.00"),
        booked_on=day(14),
        rule="reminder_fee.consumer",
        legal_cap=D("5.00"),
        idempotency_key="reminder:1",
    )
    # A legacy reminder has no letter date: its pay-by is taken as the latest possible (+17).
    run_collection_cycle(today=day(31))
    assert not invoice.collection_steps.exists()
    run_collection_cycle(today=day(32))
    assert list(invoice.collection_steps.values_list("step", flat=True)) == ["demand_1"]
    assert invoice.charges.filter(kind=ChargeKind.REMINDER_FEE).count() == 1


def test_a_crash_leaves_whole_batches_and_the_rerun_finishes(creditor, monkeypatch):
    invoices = [overdue(creditor) for _ in range(5)]
    real = cycle_module.process_batch
    calls = []

    def crash_on_the_second_batch(ids, ctx, **kwargs):
        calls.append(list(ids))
        if len(calls) == 2:
            # The batch's writes happen, then the batch fails before it commits.
            with transaction.atomic():
                real(ids, ctx, **kwargs)
                raise RuntimeError("worker killed")
        return real(ids, ctx, **kwargs)

    monkeypatch.setattr(cycle_module, "process_batch", crash_on_the_second_batch)
    with pytest.raises(RuntimeError):
        run_collection_cycle(today=day(15), batch_size=2)
    done = set(CollectionStep.objects.values_list("invoice_id", flat=True))
    assert done == {invoices[0].pk, invoices[1].pk}
    assert CollectionRun.objects.get().finished_at is None

    monkeypatch.setattr(cycle_module, "process_batch", real)
    run_collection_cycle(today=day(15), batch_size=2)
    for invoice in invoices:
        assert invoice.collection_steps.count() == 1
        assert invoice.charges.filter(kind=ChargeKind.REMINDER_FEE).count() == 1
        assert invoice.charges.filter(kind=ChargeKind.INTEREST).count() == 1


def test_the_same_fee_twice_is_refused_by_the_database(creditor):
    invoice = overdue(creditor)
    run_collection_cycle(today=day(15))
    with pytest.raises(IntegrityError), transaction.atomic():
        Charge.objects.create(
            invoice=invoice,
            kind=ChargeKind.REMINDER_FEE,
            amount=D("5.00"),
            booked_on=day(16),
            rule="consumer.reminder_1",
            idempotency_key="reminder:1",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        CollectionStep.objects.create(invoice=invoice, step=Step.REMINDER_1, taken_on=day(16))


@pytest.mark.django_db(transaction=True)
def test_two_cycles_at_once_never_double_charge(monkeypatch):
    monkeypatch.setattr(cycle_module, "queue_letters", lambda ids: None)
    first, second = (
        CreditorFactory(business_id="0737546-2"),
        CreditorFactory(business_id="1572860-0"),
    )
    principals = [D(50 + 97 * n) for n in range(40)]
    concurrent = [overdue(first, principal=p) for p in principals]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            run_collection_cycle(today=day(15), batch_size=3)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors

    single = [overdue(second, principal=p) for p in principals]
    run_collection_cycle(today=day(15))

    def charges_of(invoices):
        return [
            sorted(invoice.charges.values_list("idempotency_key", "amount")) for invoice in invoices
        ]

    assert charges_of(concurrent) == charges_of(single)
    assert CollectionStep.objects.filter(invoice__creditor=first).count() == len(principals)
    assert sum(run.steps for run in CollectionRun.objects.filter(dry_run=False)) == 2 * len(
        principals
    )


def test_interest_switches_rate_at_the_half_year_through_the_table(creditor):
    ReferenceRate.objects.create(start=date(2026, 7, 1), end=date(2026, 12, 31), rate=D("2.00"))
    due = date(2026, 6, 15)
    invoice = overdue(creditor, issue_date=date(2026, 6, 1), due_date=due, principal=D("1000.00"))
    # 15 days at 9.5 % and 15 days at 9.0 %, on 1 000 €, actual/365.
    expected = (D(1000) * D("0.095") * 15 / 365 + D(1000) * D("0.090") * 15 / 365).quantize(
        D("0.01")
    )
    assert accrued_interest(invoice, date(2026, 7, 15)) == expected

    run_collection_cycle(today=date(2026, 7, 1))  # the reminder books interest through 1.7.
    booked = Charge.objects.get(invoice=invoice, kind=ChargeKind.INTEREST)
    assert booked.period_end == date(2026, 7, 1)
    since = accrued_interest(invoice, date(2026, 7, 15))
    assert since == (D(1000) * D("0.090") * 14 / 365).quantize(D("0.01"))
    assert abs(booked.amount + since - expected) <= D("0.01")


def test_no_interest_is_guessed_for_a_half_year_without_a_rate(creditor):
    invoice = overdue(creditor, issue_date=date(2026, 6, 1), due_date=date(2026, 6, 20))
    # The seeded table ends on 30.6.2026: ten days accrue, July waits for staff.
    ten_days = (D(100) * D("0.095") * 10 / 365).quantize(D("0.01"))
    assert accrued_interest(invoice, date(2026, 8, 1)) == ten_days


def test_a_part_payment_lowers_the_interest_base(creditor):
    invoice = overdue(creditor, principal=D("1000.00"))
    payment = Payment.objects.create(
        source="bank", external_id="P2", amount=D("400.00"), paid_on=day(1)
    )
    Allocation.objects.create(
        payment=payment, invoice=invoice, component="principal", amount=D("400.00")
    )
    assert accrued_interest(invoice, day(30)) == (D(600) * D("0.095") * 30 / 365).quantize(
        D("0.01")
    )


def test_next_step_and_simulation_for_the_invoice_page(creditor):
    invoice = overdue(creditor)
    decision = next_step_for(invoice, day(3))
    assert (decision.step, decision.on, decision.fee) == (Step.REMINDER_1, day(15), D("5.00"))
    schedule = simulate_for(invoice, day(3))
    assert [d.step for d in schedule] == [
        Step.REMINDER_1,
        Step.DEMAND_1,
        Step.DEMAND_2,
        Step.LEGAL_NOTICE,
        Step.LEGAL,
    ]
    assert not CollectionStep.objects.exists()


def test_a_dry_run_writes_nothing_but_its_run(creditor):
    overdue(creditor)
    before = snapshot()
    run = run_collection_cycle(today=day(15), dry_run=True)
    assert snapshot() == before
    assert run.dry_run and run.steps == 1 and run.counts == {"reminder_1": 1}


def test_the_command_takes_a_date_and_a_dry_run(creditor, capsys):
    overdue(creditor)
    call_command("run_collection_cycle", "--date", day(15).isoformat(), "--dry-run")
    out = capsys.readouterr()
    assert "dry run 2026-02-15: 1 invoices evaluated, 1 steps" in out.out
    assert "1/1" in out.err
    assert not CollectionStep.objects.exists()
    call_command("run_collection_cycle", "--date", day(15).isoformat(), "--no-progress")
    assert CollectionStep.objects.count() == 1


def test_the_command_refuses_a_bad_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("run_collection_cycle", "--date", "14.2.2026")


def test_the_daily_task_is_scheduled_at_six_in_helsinki(db):
    task = PeriodicTask.objects.get(task="invoices.tasks.run_collection_cycle")
    assert task.enabled
    assert (task.crontab.hour, task.crontab.minute) == ("6", "0")
    assert str(task.crontab.timezone) == "Europe/Helsinki"


def test_the_celery_task_runs_the_cycle(creditor):
    from collection.tasks import run_collection_cycle as task

    overdue(creditor)
    result = task.delay(day(15).isoformat()).get()
    assert result["steps"] == 1


def test_the_seeded_reference_rate_is_in_the_table(db):
    assert ReferenceRate.objects.get(start=date(2026, 1, 1)).rate == D("2.50")


def test_creditor_fees_above_the_legal_caps_are_refused(creditor):
    settings = CreditorSettings.objects.get(creditor=creditor)
    settings.reminder_fee_consumer = D("5.01")
    with pytest.raises(ValidationError) as error:
        settings.full_clean()
    assert "reminder_fee_consumer" in error.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditorSettings.objects.filter(pk=settings.pk).update(demand_fee_first_business=D("111"))


def test_a_reference_rate_must_be_a_half_year(db):
    rate = ReferenceRate(start=date(2026, 7, 1), end=date(2026, 12, 30), rate=D("2.00"))
    with pytest.raises(ValidationError):
        rate.full_clean()
