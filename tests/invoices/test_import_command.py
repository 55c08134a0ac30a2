"""`manage.py import_invoices FILE --creditor …`: its output and exit status."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from invoices.models import Invoice

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_invoices", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("import_invoices", *args, stdout=out, stderr=err)
    return str(failure.value), err.getvalue()


def test_import_by_business_id_prints_created_and_skipped(creditor):
    out, _err = run(str(FIXTURES / "invoices_valid.csv"), "--creditor", "2331972-7")

    assert "created 3, skipped 0" in out
    assert Invoice.objects.filter(creditor=creditor).count() == 3


def test_import_by_creditor_id_and_compact_business_id(creditor):
    out, _err = run(str(FIXTURES / "finvoice_valid_single.xml"), "--creditor", str(creditor.pk))
    assert "created 1, skipped 0" in out

    out, _err = run(str(FIXTURES / "finvoice_valid_single.xml"), "--creditor", "23319727")
    assert "created 0, skipped 1 (10231)" in out


def test_second_import_lists_the_skipped_numbers(creditor):
    run(str(FIXTURES / "invoices_valid.csv"), "--creditor", "2331972-7")

    out, _err = run(str(FIXTURES / "invoices_valid.csv"), "--creditor", "2331972-7")

    assert "created 0, skipped 3 (1001, 1002, 1003)" in out
    assert Invoice.objects.count() == 3


def test_dry_run_saves_nothing(creditor):
    out, _err = run(str(FIXTURES / "invoices_valid.csv"), "--creditor", "2331972-7", "--dry-run")

    assert "Dry run, nothing saved: created 3, skipped 0" in out
    assert not Invoice.objects.exists()


def test_broken_file_prints_each_problem_in_english_and_fails(creditor):
    # The problems are for the person at the terminal, whatever the active language.
    with translation.override("fi"):
        message, err = run_failing(str(FIXTURES / "invoices_broken.csv"), "--creditor", "2331972-7")

    assert message == "invoices_broken.csv was not imported: 8 problems."
    lines = err.splitlines()
    assert len(lines) == 8
    assert lines[0].startswith("line 3: Column debtor_street differs from line 2")
    assert lines[1] == (
        "line 4: Column issue_date: 31.2.2025 is not a date; use YYYY-MM-DD or D.M.YYYY."
    )
    assert not Invoice.objects.exists()


def test_finvoice_of_another_creditor_fails_naming_the_seller_element(creditor):
    message, err = run_failing(
        str(FIXTURES / "finvoice_valid_consumer_rf.xml"), "--creditor", "2331972-7"
    )

    assert "1 problem" in message
    assert err.startswith(
        "Finvoice message 1, /Finvoice/SellerPartyDetails/SellerPartyIdentifier: "
        "The seller's business ID 1572860-0 is not the creditor's 2331972-7"
    )


def test_hostile_xml_fails_without_echoing_the_entity(creditor):
    message, err = run_failing(str(FIXTURES / "finvoice_xxe.xml"), "--creditor", "2331972-7")

    assert "1 problem" in message
    assert "DOCTYPE" in err
    assert "root:" not in err


def test_unknown_creditor_is_a_clear_error(creditor):
    message, _err = run_failing(str(FIXTURES / "invoices_valid.csv"), "--creditor", "0109862-8")

    assert message == "No creditor with the business ID or id 0109862-8."


def test_missing_file_is_a_clear_error(creditor, tmp_path):
    message, _err = run_failing(str(tmp_path / "missing.csv"), "--creditor", "2331972-7")

    assert message.startswith(f"Cannot read {tmp_path / 'missing.csv'}")
    assert "No such file" in message


def test_directory_is_not_a_file(creditor, tmp_path):
    message, _err = run_failing(str(tmp_path), "--creditor", "2331972-7")

    assert message == f"{tmp_path} is not a file."


def test_creditor_is_required():
    with pytest.raises(CommandError, match="--creditor"):
        call_command("import_invoices", str(FIXTURES / "invoices_valid.csv"))
