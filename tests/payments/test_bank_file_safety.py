"""Bank files that must not lose or misbook money: the receiving account, repeated message
ids, and values the database cannot hold (issue 10, items 5, 6 and 10)."""

from decimal import Decimal

import pytest

from invoices.models import Stage
from payments.bankfiles import BankFileInvalid, parse_camt054
from payments.models import (
    Allocation,
    BankFileImport,
    Payment,
    UnmatchedPayment,
    UnmatchedReason,
)
from payments.services import bank_file_import
from payments.tasks import import_bank_drop_folder
from tests.factories import CreditorFactory, InvoiceFactory

ACCOUNT_A = "FI7944052020036082"
ACCOUNT_B = "FI0250004640001302"


def camt(
    *payments: tuple[str, str, str],
    account: str = ACCOUNT_A,
    message_id: str = "MSG-1",
    created: str = "2026-03-01T06:00:00+02:00",
) -> bytes:
    """A camt.054 file of (archive reference, amount, reference) payments to `account`."""
    entries = "".join(
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2026-02-28</Dt></BookgDt><NtryDtls><TxDtls>"
        f"<Refs><AcctSvcrRef>{archive}</AcctSvcrRef></Refs>"
        f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>'
        f"<RmtInf><Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry>"
        for archive, amount, reference in payments
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
        f"<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>{message_id}</MsgId>"
        f"<CreDtTm>{created}</CreDtTm></GrpHdr>"
        f"<Ntfctn><Id>N</Id><Acct><Id><IBAN>{account}</IBAN></Id></Acct>{entries}</Ntfctn>"
        "</BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def run(data: bytes):
    return bank_file_import(data=data, filename="f.xml", source=BankFileImport.Source.COMMAND)


@pytest.fixture
def creditor_a(db):
    return CreditorFactory(business_id="2331972-7", iban=ACCOUNT_A)


@pytest.fixture
def creditor_b(db):
    return CreditorFactory(business_id="0737546-2", iban=ACCOUNT_B)


# --- Item 5: matched by (receiving account, reference) -------------------------------------


def test_money_paid_to_another_creditors_account_is_queued_not_booked(creditor_a, creditor_b):
    invoice = InvoiceFactory(creditor=creditor_a, reference="20240015", principal=Decimal("50"))
    run(camt(("ARCH-1", "50.00", "20240015"), account=ACCOUNT_B))
    invoice.refresh_from_db()
    assert invoice.stage == Stage.OPEN
    assert not Allocation.objects.exists()
    queued = UnmatchedPayment.objects.get()
    assert queued.reason == UnmatchedReason.WRONG_ACCOUNT
    assert ACCOUNT_B in queued.detail and ACCOUNT_A in queued.detail


def test_the_receiving_account_picks_the_invoice_among_creditors_sharing_a_reference(
    creditor_a, creditor_b
):
    of_a = InvoiceFactory(creditor=creditor_a, reference="20240015", principal=Decimal("50"))
    of_b = InvoiceFactory(creditor=creditor_b, reference="20240015", principal=Decimal("50"))
    report = run(camt(("ARCH-1", "50.00", "20240015"), account=ACCOUNT_B))
    assert report.matched == 1
    of_a.refresh_from_db()
    of_b.refresh_from_db()
    assert (of_a.stage, of_b.stage) == (Stage.OPEN, Stage.PAID)


def test_a_file_that_names_no_account_books_nothing(creditor_a):
    InvoiceFactory(creditor=creditor_a, reference="20240015", principal=Decimal("50"))
    data = camt(("ARCH-1", "50.00", "20240015")).replace(
        f"<Acct><Id><IBAN>{ACCOUNT_A}</IBAN></Id></Acct>".encode(), b""
    )
    run(data)
    assert UnmatchedPayment.objects.get().reason == UnmatchedReason.WRONG_ACCOUNT
    assert not Allocation.objects.exists()


# --- Item 6: files are identified by sender and content, never by message id alone ---------


def test_a_new_file_under_an_old_message_id_is_imported_not_dropped(creditor_a):
    first = InvoiceFactory(creditor=creditor_a, reference="20240015", principal=Decimal("50"))
    second = InvoiceFactory(creditor=creditor_a, reference="20240028", principal=Decimal("70"))
    run(camt(("ARCH-1", "50.00", "20240015")))
    corrected = camt(
        ("ARCH-1", "50.00", "20240015"),
        ("ARCH-2", "70.00", "20240028"),
        created="2026-03-01T07:00:00+02:00",
    )
    report = run(corrected)
    assert not report.skipped_file
    assert (report.entries, report.duplicates, report.matched) == (2, 1, 1)
    assert Payment.objects.count() == 2
    second.refresh_from_db()
    assert second.stage == Stage.PAID
    assert Allocation.objects.filter(invoice=first).count() == 1
    assert report.file_import.message_id_repeated
    assert report.file_import.sender == ACCOUNT_A


def test_the_same_bytes_again_are_recognised_as_the_same_file(creditor_a):
    InvoiceFactory(creditor=creditor_a, reference="20240015", principal=Decimal("50"))
    data = camt(("ARCH-1", "50.00", "20240015"))
    first = run(data)
    again = run(data)
    assert again.skipped_file and again.already_imported == first.file_import
    assert not first.file_import.message_id_repeated
    assert BankFileImport.objects.count() == 1


def test_one_message_id_from_two_accounts_is_two_files(creditor_a, creditor_b):
    InvoiceFactory(creditor=creditor_a, reference="20240015", principal=Decimal("50"))
    InvoiceFactory(creditor=creditor_b, reference="20240028", principal=Decimal("70"))
    run(camt(("ARCH-1", "50.00", "20240015"), account=ACCOUNT_A))
    report = run(camt(("ARCH-1", "70.00", "20240028"), account=ACCOUNT_B))
    assert (report.matched, report.duplicates) == (1, 0)
    assert not report.file_import.message_id_repeated


# --- Item 10: values the database refuses are refused by the parser, with their place -------


def problems(data: bytes) -> list[tuple[str, str]]:
    with pytest.raises(BankFileInvalid) as caught:
        parse_camt054(data)
    return [(problem.position, problem.render()) for problem in caught.value.problems]


def test_an_amount_of_ten_billion_is_refused_with_its_position():
    found = problems(camt(("ARCH-1", "10000000000.00", "20240015")))
    assert ("Ntry[1]/Amt", found[0][1]) in found
    assert any("largest amount" in message for _position, message in found)
    assert any(position == "Ntry[1]/NtryDtls/TxDtls[1]/Amt" for position, _m in found)


def test_the_largest_bookable_amount_is_accepted(creditor_a):
    InvoiceFactory(creditor=creditor_a, reference="20240015", principal=Decimal("9999999999.99"))
    report = run(camt(("ARCH-1", "9999999999.99", "20240015")))
    assert report.matched == 1


def test_a_file_whose_payments_add_up_past_the_limit_is_refused():
    data = camt(("ARCH-1", "9999999999.99", "20240015"), ("ARCH-2", "0.01", "20240028"))
    (found,) = problems(data)
    assert found[0] == "file" and "10000000000.00" in found[1]


def test_an_archive_reference_over_35_characters_is_refused_with_its_position():
    found = problems(camt(("A" * 101, "50.00", "20240015")))
    assert found == [
        (
            "Ntry[1]/NtryDtls/TxDtls[1]/Refs/AcctSvcrRef",
            "AAAAAAAAAAAAAAAAAAAA… is 101 characters long; at most 35 are allowed.",
        )
    ]


def test_an_archive_reference_of_35_characters_is_imported(creditor_a):
    InvoiceFactory(creditor=creditor_a, reference="20240015", principal=Decimal("50"))
    report = run(camt(("A" * 35, "50.00", "20240015")))
    assert report.matched == 1


def test_the_finnish_message_of_a_refused_file_is_translated():
    from django.utils import translation
    from django.utils.translation import gettext

    with pytest.raises(BankFileInvalid) as caught:
        parse_camt054(camt(("ARCH-1", "10000000000.00", "20240015")))
    with translation.override("fi"):
        shown = caught.value.problems[0].render(gettext)
    assert "10000000000.00" in shown and "largest amount" not in shown


def test_a_bad_drop_folder_file_moves_to_failed_with_a_reason_and_the_rest_are_imported(
    tmp_path, settings, creditor_a
):
    settings.BANK_DROP_DIR = str(tmp_path)
    InvoiceFactory(creditor=creditor_a, reference="20240015", principal=Decimal("50"))
    (tmp_path / "1-huge.xml").write_bytes(camt(("ARCH-9", "10000000000.00", "20240015")))
    (tmp_path / "2-long.xml").write_bytes(camt(("B" * 101, "1.00", "20240015"), message_id="M2"))
    (tmp_path / "3-good.xml").write_bytes(camt(("ARCH-1", "50.00", "20240015"), message_id="M3"))
    assert import_bank_drop_folder() == {"imported": 1, "skipped": 0, "failed": 2}
    assert (tmp_path / "done" / "3-good.xml").exists()
    assert "Ntry[1]/Amt" in (tmp_path / "failed" / "1-huge.xml.errors.txt").read_text()
    assert "Refs/AcctSvcrRef" in (tmp_path / "failed" / "2-long.xml.errors.txt").read_text()
    assert Payment.objects.get().amount == Decimal("50.00")


def test_a_drop_folder_file_that_fails_unexpectedly_does_not_stop_the_folder(
    tmp_path, settings, creditor_a, monkeypatch
):
    from payments import services

    settings.BANK_DROP_DIR = str(tmp_path)
    InvoiceFactory(creditor=creditor_a, reference="20240015", principal=Decimal("50"))
    real = services.bank_file_import

    def flaky(*, data, **kwargs):
        if b"M-BAD" in data:
            raise RuntimeError("the disk said no")
        return real(data=data, **kwargs)

    monkeypatch.setattr(services, "bank_file_import", flaky)
    (tmp_path / "1.xml").write_bytes(camt(("ARCH-9", "5.00", "20240015"), message_id="M-BAD"))
    (tmp_path / "2.xml").write_bytes(camt(("ARCH-1", "50.00", "20240015"), message_id="M-OK"))
    assert import_bank_drop_folder() == {"imported": 1, "skipped": 0, "failed": 1}
    assert "the disk said no" in (tmp_path / "failed" / "1.xml.errors.txt").read_text()
