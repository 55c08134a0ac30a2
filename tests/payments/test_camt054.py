"""camt.054 bank files: good files of two versions, broken, hostile and very large ones."""

import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from payments.bankfiles import MAX_BANK_FILE_BYTES, BankFileInvalid, parse_camt054
from tests.payments.camt054_factory import amount_for, camt054_bytes, reference_for

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(BankFileInvalid) as invalid:
        parse_camt054(data)
    return [str(problem) for problem in invalid.value.problems]


def test_good_v02_file_gives_one_entry_per_payment():
    bank_file = parse_camt054(fixture("camt054_v02_good.xml"))

    assert bank_file.message_id == "CAMT054-20260115-0001"
    assert bank_file.created_at == datetime(2026, 1, 15, 4, 12, 45, tzinfo=UTC)
    assert [entry.entry_reference for entry in bank_file.entries] == [
        "260114ARCH0000001",
        "260114ARCH0000002A",
        "260114ARCH0000002B",
        "260114ARCH0000002C",
        "260114ARCH0000004",
    ]
    assert bank_file.total == Decimal("528.60")
    assert bank_file.debit_count == 1
    assert bank_file.not_booked_count == 0


def test_single_payment_entry_is_read_completely():
    first = parse_camt054(fixture("camt054_v02_good.xml")).entries[0]

    assert first.amount == Decimal("120.50")
    assert first.currency == "EUR"
    assert first.credit_debit == "CRDT"
    assert first.booking_date == date(2026, 1, 14)
    assert first.value_date == date(2026, 1, 14)
    assert first.reference == "20240015"  # leading zeros of the bank's 20 digits dropped
    assert first.payer_name == "Aaltonen Alice"
    assert first.account_iban == "FI7944052020036082"
    assert first.position == "Ntry[1]/NtryDtls/TxDtls[1]"


def test_batch_entry_splits_into_its_transactions_with_national_and_rf_references():
    entries = parse_camt054(fixture("camt054_v02_good.xml")).entries[1:4]

    assert [(e.amount, e.reference, e.payer_name) for e in entries] == [
        (Decimal("100.00"), "20240028", "Bäckström Bob"),
        (Decimal("250.00"), "RF3520240044", "Esimerkki Oy"),
        (Decimal("25.00"), "20240031", "Virtanen Ville"),
    ]
    assert [e.position for e in entries] == [
        "Ntry[2]/NtryDtls/TxDtls[1]",
        "Ntry[2]/NtryDtls/TxDtls[2]",
        "Ntry[2]/NtryDtls/TxDtls[3]",
    ]


def test_credit_without_reference_keeps_the_payers_message_for_staff():
    last = parse_camt054(fixture("camt054_v02_good.xml")).entries[-1]

    assert last.reference is None
    assert last.message == "Lasku 1001 maksu kiitos"
    assert last.entry_reference == "260114ARCH0000004"  # the entry's, for its only transaction
    assert last.value_date == date(2026, 1, 15)


def test_good_v08_file_reads_the_newer_element_shapes():
    bank_file = parse_camt054(fixture("camt054_v08_good.xml"))

    assert [
        (e.entry_reference, e.amount, e.reference, e.payer_name) for e in bank_file.entries
    ] == [
        ("V08-TX-1", Decimal("20.00"), "RF341234561", "Lindqvist Lena"),
        ("V08-TX-2", Decimal("40.00"), "868516259619897", "Nieminen Niko"),
    ]
    # A booking date and time counts as the bank's date; a time without offset is Finnish.
    assert bank_file.entries[0].booking_date == date(2026, 2, 1)
    assert bank_file.created_at == datetime(2026, 2, 2, 5, 0, tzinfo=UTC)
    assert bank_file.not_booked_count == 1  # the pending entry is not a payment yet


def test_broken_file_lists_every_problem_with_its_position():
    assert problems_of(fixture("camt054_broken.xml")) == [
        "Ntry[2]/Amt: 12,50 is not an amount of euros and cents greater than zero.",
        "Ntry[3]/NtryDtls/TxDtls[2]/RmtInf/Strd/CdtrRefInf/Ref: "
        "This required element is missing or empty.",
        "Ntry[4]/Amt/@Ccy: Only payments in euros (EUR) can be imported, not SEK.",
        "Ntry[5]/NtryDtls/TxDtls[1]/RmtInf/Strd/CdtrRefInf/Ref: "
        "20240016 is not a valid reference number.",
        "Ntry[5]/Amt: The entry's amount 50.00 is not the sum of its transactions, 40.00.",
        "Ntry[6]/BookgDt: This required element is missing or empty.",
        "Ntry[7]: The archive reference BROKEN-1 is already used at Ntry[1]/NtryDtls/TxDtls[1].",
    ]


def test_problems_are_translatable_templates():
    with pytest.raises(BankFileInvalid) as invalid:
        parse_camt054(fixture("camt054_broken.xml"))
    problem = invalid.value.problems[0]
    assert problem.message == "%(value)s is not an amount of euros and cents greater than zero."
    finnish = {problem.message: "%(value)s ei ole euromäärä, joka on suurempi kuin nolla."}
    assert problem.render(finnish.get) == "12,50 ei ole euromäärä, joka on suurempi kuin nolla."


@pytest.mark.parametrize(
    ("amount", "accepted"),
    [("0.01", True), ("10", True), ("10.5", True), ("10.500", True), ("0.00", False),
     ("-5.00", False), ("10.505", False), ("1e3", False), (" ", False), ("10.00.00", False)],
)  # fmt: skip
def test_amounts_must_be_positive_whole_cents(amount, accepted):
    data = fixture("camt054_v02_good.xml").replace(b">33.10<", f">{amount}<".encode())
    if accepted:
        assert parse_camt054(data).entries[-1].amount == Decimal(amount)
    else:
        assert problems_of(data)[0].startswith("Ntry[4]/Amt: ")


def test_a_file_that_is_not_camt054_is_refused():
    camt053 = fixture("camt054_v02_good.xml").replace(b"camt.054.001.02", b"camt.053.001.02")
    assert problems_of(camt053) == [
        "file: This is not an ISO 20022 camt.054 notification "
        "(BankToCustomerDebitCreditNotification)."
    ]
    assert problems_of(b"<Invoice><Ntry/></Invoice>")[0].startswith("file: This is not")


def test_not_well_formed_xml_is_refused_with_its_line():
    data = fixture("camt054_v02_good.xml").replace(b"</GrpHdr>", b"</GrpHdrX>")
    [problem] = problems_of(data)
    assert problem.startswith("line 8: The file is not well-formed XML")


def test_empty_file_is_refused():
    assert problems_of(b"")[0].startswith("line")


def test_xxe_file_is_refused_unread():
    assert problems_of(fixture("camt054_xxe.xml")) == [
        "line 2: The file declares a DOCTYPE or entities. "
        "A camt.054 file needs neither, so it was refused unread."
    ]


def test_billion_laughs_is_refused_fast():
    started = time.perf_counter()
    problems = problems_of(fixture("camt054_billion_laughs.xml"))
    assert "DOCTYPE" in problems[0]
    assert time.perf_counter() - started < 1  # a generous bound: the expansion never runs


def test_doctype_in_utf16_is_refused_too():
    data = fixture("camt054_xxe.xml").decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    assert "DOCTYPE" in problems_of(data.encode("utf-16"))[0]


def test_oversized_file_is_refused_before_parsing():
    data = b" " * (MAX_BANK_FILE_BYTES + 1)
    assert problems_of(data) == [
        f"file: The file is {MAX_BANK_FILE_BYTES + 1} bytes; "
        f"the largest accepted is {MAX_BANK_FILE_BYTES} bytes."
    ]


def test_generated_file_round_trips():
    bank_file = parse_camt054(camt054_bytes(250, per_batch=100))

    assert len(bank_file.entries) == 250
    assert bank_file.entries[0].reference == reference_for(0)
    assert bank_file.entries[249].amount == amount_for(249)
    assert bank_file.entries[249].position == "Ntry[3]/NtryDtls/TxDtls[50]"


def test_generated_v08_file_round_trips():
    bank_file = parse_camt054(camt054_bytes(30, per_batch=7, namespace_version="08"))
    assert [e.entry_reference for e in bank_file.entries] == [f"ARCH{i:09d}" for i in range(30)]


def test_hundred_thousand_payments_parse_in_one_piece(capsys):
    data = camt054_bytes(100_000)
    assert len(data) < MAX_BANK_FILE_BYTES

    started = time.perf_counter()
    bank_file = parse_camt054(data)
    elapsed = time.perf_counter() - started

    assert len(bank_file.entries) == 100_000
    assert len({entry.entry_reference for entry in bank_file.entries}) == 100_000
    assert bank_file.total == sum((amount_for(i) for i in range(100_000)), Decimal(0))
    with capsys.disabled():
        # Reported, not asserted: timings depend on the machine.
        print(f"\n  camt.054: 100,000 payments ({len(data) / 1e6:.1f} MB) in {elapsed:.2f} s")
