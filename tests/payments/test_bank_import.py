"""camt.054 reference payments: matching, duplicates, all-or-nothing, hostile files, drop folder."""

from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from invoices.models import InvoiceAccess, Stage
from payments.bankfiles import BankFileInvalid
from payments.models import (
    Allocation,
    BankFileImport,
    Overpayment,
    Payment,
    UnmatchedPayment,
    UnmatchedReason,
)
from payments.services import bank_file_import
from payments.tasks import import_bank_drop_folder
from tests.factories import CreditorFactory, InvoiceFactory
from tests.payments.camt054_factory import amount_for, camt054_bytes, reference_for

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def run(data: bytes, name: str = "file.xml"):
    return bank_file_import(data=data, filename=name, source=BankFileImport.Source.COMMAND)


@pytest.fixture
def generated_invoices(creditor):
    """Invoices for generated payments 0-4, each owing exactly what the payment brings."""
    return [
        InvoiceFactory(creditor=creditor, reference=reference_for(i), principal=amount_for(i))
        for i in range(5)
    ]


def test_a_good_file_books_matched_payments_and_queues_the_rest(generated_invoices):
    report = run(camt054_bytes(6))
    assert (report.entries, report.matched, report.unmatched, report.duplicates) == (6, 5, 1, 0)
    for invoice in generated_invoices:
        invoice.refresh_from_db()
        assert invoice.stage == Stage.PAID
    assert Payment.objects.count() == 6
    queued = UnmatchedPayment.objects.get()
    assert queued.reason == UnmatchedReason.UNKNOWN_REFERENCE
    assert queued.payment.reference == reference_for(5)
    imported = BankFileImport.objects.get()
    assert (imported.entry_count, imported.matched_count, imported.unmatched_count) == (6, 5, 1)
    assert imported.total == sum(amount_for(i) for i in range(6))


def test_national_and_rf_references_match_and_a_missing_reference_is_queued(creditor):
    plain = InvoiceFactory(creditor=creditor, reference="20240015", principal=Decimal("120.50"))
    rf = InvoiceFactory(creditor=creditor, reference="RF3520240044", principal=Decimal("300.00"))
    run(fixture("camt054_v02_good.xml"))
    plain.refresh_from_db()
    assert plain.stage == Stage.PAID
    assert Allocation.objects.get(invoice=rf).amount == Decimal("250.00")
    reasons = set(UnmatchedPayment.objects.values_list("reason", flat=True))
    assert reasons == {UnmatchedReason.UNKNOWN_REFERENCE, UnmatchedReason.NO_REFERENCE}


def test_a_reference_shared_by_two_invoices_is_queued_not_guessed(creditor):
    other = CreditorFactory(business_id="0737546-2")
    for owner in (creditor, other):
        InvoiceFactory(creditor=owner, reference=reference_for(0), principal=amount_for(0))
    run(camt054_bytes(1))
    assert UnmatchedPayment.objects.get().reason == UnmatchedReason.AMBIGUOUS_REFERENCE
    assert not Allocation.objects.exists()


def test_a_file_imported_twice_is_recognised_and_skipped(generated_invoices):
    data = camt054_bytes(5)
    first = run(data)
    second = run(data)
    assert second.skipped_file and second.already_imported == first.file_import
    assert Payment.objects.count() == 5
    assert BankFileImport.objects.count() == 1


def test_entries_imported_before_are_skipped_in_a_new_file(generated_invoices):
    run(camt054_bytes(3))
    report = run(camt054_bytes(5))  # another message id, repeating payments 0-2
    assert (report.matched, report.duplicates) == (2, 3)
    assert Payment.objects.count() == 5
    assert Allocation.objects.filter(invoice=generated_invoices[0]).count() == 1


def test_a_broken_file_lists_every_problem_with_its_position_and_saves_nothing(creditor):
    with pytest.raises(BankFileInvalid) as caught:
        run(fixture("camt054_broken.xml"))
    positions = [problem.position for problem in caught.value.problems]
    assert len(positions) >= 2
    assert all(position for position in positions)
    assert any(position.startswith("Ntry[") for position in positions)
    assert not BankFileImport.objects.exists() and not Payment.objects.exists()


@pytest.mark.parametrize("name", ["camt054_xxe.xml", "camt054_billion_laughs.xml"])
def test_hostile_files_are_refused_unread(name, creditor):
    with pytest.raises(BankFileInvalid):
        run(fixture(name))
    assert not BankFileImport.objects.exists() and not Payment.objects.exists()


def test_a_bank_payment_above_the_balance_becomes_an_overpayment_and_tells_the_payer(
    creditor, alice, django_capture_on_commit_callbacks
):
    invoice = InvoiceFactory(
        creditor=creditor, reference=reference_for(0), principal=Decimal("0.25")
    )
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    with django_capture_on_commit_callbacks(execute=True):
        run(camt054_bytes(1))
    overpayment = Overpayment.objects.get()
    assert overpayment.amount == amount_for(0) - Decimal("0.25")
    assert overpayment.notified_at is not None
    assert mail.outbox[0].to == [alice.email]
    assert f"/payments/overpayments/{overpayment.pk}/bank-account/" in mail.outbox[0].body


def test_the_command_prints_counts_and_fails_with_positions(tmp_path, generated_invoices):
    good = tmp_path / "good.xml"
    good.write_bytes(camt054_bytes(5))
    out = StringIO()
    call_command("import_bank_payments", str(good), stdout=out)
    assert "5 payments, 5 matched" in out.getvalue()
    call_command("import_bank_payments", str(good), stdout=out)
    assert "already imported" in out.getvalue()

    broken = tmp_path / "broken.xml"
    broken.write_bytes(fixture("camt054_broken.xml"))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_bank_payments", str(broken), stderr=err)
    assert "Ntry[" in err.getvalue()


def test_the_drop_folder_task_imports_and_moves_files(tmp_path, settings, generated_invoices):
    settings.BANK_DROP_DIR = str(tmp_path)
    (tmp_path / "a.xml").write_bytes(camt054_bytes(5))
    (tmp_path / "b.xml").write_bytes(fixture("camt054_broken.xml"))
    assert import_bank_drop_folder() == {"imported": 1, "skipped": 0, "failed": 1}
    assert (tmp_path / "done" / "a.xml").exists()
    assert (tmp_path / "failed" / "b.xml").exists()
    assert "Ntry[" in (tmp_path / "failed" / "b.xml.errors.txt").read_text()
    (tmp_path / "again.xml").write_bytes(camt054_bytes(5))
    assert import_bank_drop_folder() == {"imported": 0, "skipped": 1, "failed": 0}
    assert Payment.objects.count() == 5
