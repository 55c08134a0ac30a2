"""pain.001 refund batches: well-formed, correct sums, every problem refused up front."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from lxml import etree

from payments.bankfiles.pain001 import NAMESPACE, InvalidTransfers, Transfer, build_pain001

NS = {"p": NAMESPACE}


def a_transfer(**overrides) -> Transfer:
    values = {
        "end_to_end_id": "REFUND-1",
        "amount": Decimal("12.50"),
        "creditor_name": "Aaltonen Alice",
        "creditor_iban": "FI21 1234 5600 0007 85",
        "creditor_bic": None,
        "remittance_text": "Palautus / Återbetalning / Refund, invoice 1001",
    }
    values.update(overrides)
    return Transfer(**values)


def build(transfers, **overrides) -> bytes:
    values = {
        "message_id": "REFUNDS-20260115-01",
        "debtor_name": "MyRopo Oy",
        "debtor_iban": "FI79 4405 2020 0360 82",
        "debtor_bic": "ITELFIHH",
        "transfers": transfers,
        "execution_date": date(2026, 1, 16),
        "created_at": datetime(2026, 1, 15, 10, 0, tzinfo=UTC),
    }
    values.update(overrides)
    return build_pain001(**values)


def parsed(data: bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(data, parser=parser)


def text(root: etree._Element, xpath: str) -> list[str]:
    return [str(value) for value in root.xpath(xpath + "/text()", namespaces=NS)]


@pytest.fixture
def three() -> list[Transfer]:
    return [
        a_transfer(),
        a_transfer(
            end_to_end_id="REFUND-2",
            amount=Decimal("100.00"),
            creditor_name="Bäckström Bob",
            creditor_iban="FI0250004640001302",
            creditor_bic="OKOYFIHH",
        ),
        a_transfer(
            end_to_end_id="REFUND-3",
            amount=Decimal("0.01"),
            creditor_name="Example GmbH",
            creditor_iban="DE89370400440532013000",
            creditor_bic="COBADEFFXXX",
        ),
    ]


def test_batch_is_well_formed_pain001_09(three):
    root = parsed(build(three))

    assert root.tag == f"{{{NAMESPACE}}}Document"
    assert text(root, "p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId") == ["REFUNDS-20260115-01"]
    assert text(root, "//p:PmtInf/p:PmtMtd") == ["TRF"]
    assert text(root, "//p:PmtInf/p:PmtTpInf/p:SvcLvl/p:Cd") == ["SEPA"]
    assert text(root, "//p:PmtInf/p:ReqdExctnDt/p:Dt") == ["2026-01-16"]
    assert text(root, "//p:PmtInf/p:ChrgBr") == ["SLEV"]
    assert text(root, "//p:DbtrAcct/p:Id/p:IBAN") == ["FI7944052020036082"]
    assert text(root, "//p:DbtrAgt/p:FinInstnId/p:BICFI") == ["ITELFIHH"]
    assert text(root, "//p:GrpHdr/p:CreDtTm") == ["2026-01-15T12:00:00+02:00"]


def test_counts_and_control_sums_are_right(three):
    root = parsed(build(three))

    assert text(root, "//p:GrpHdr/p:NbOfTxs") == ["3"]
    assert text(root, "//p:PmtInf/p:NbOfTxs") == ["3"]
    assert text(root, "//p:GrpHdr/p:CtrlSum") == ["112.51"]
    assert text(root, "//p:PmtInf/p:CtrlSum") == ["112.51"]
    amounts = [Decimal(a) for a in text(root, "//p:CdtTrfTxInf/p:Amt/p:InstdAmt")]
    assert sum(amounts) == Decimal("112.51")
    assert root.xpath("//p:InstdAmt/@Ccy", namespaces=NS) == ["EUR"] * 3


def test_each_transfer_carries_its_id_account_name_and_message(three):
    root = parsed(build(three))
    second = root.xpath("//p:CdtTrfTxInf", namespaces=NS)[1]

    assert text(second, "p:PmtId/p:EndToEndId") == ["REFUND-2"]
    assert text(second, "p:Amt/p:InstdAmt") == ["100.00"]
    assert text(second, "p:CdtrAgt/p:FinInstnId/p:BICFI") == ["OKOYFIHH"]
    assert text(second, "p:Cdtr/p:Nm") == ["Bäckström Bob"]
    assert text(second, "p:CdtrAcct/p:Id/p:IBAN") == ["FI0250004640001302"]
    assert text(second, "p:RmtInf/p:Ustrd") == ["Palautus / Återbetalning / Refund, invoice 1001"]


def test_creditor_agent_is_left_out_without_a_bic(three):
    first = parsed(build(three)).xpath("//p:CdtTrfTxInf", namespaces=NS)[0]
    assert first.find("p:CdtrAgt", namespaces=NS) is None


def test_elements_come_in_schema_order(three):
    root = parsed(build(three))
    payment = root.find("p:CstmrCdtTrfInitn/p:PmtInf", namespaces=NS)
    names = [etree.QName(child).localname for child in payment]
    assert names == [
        "PmtInfId", "PmtMtd", "BtchBookg", "NbOfTxs", "CtrlSum", "PmtTpInf", "ReqdExctnDt",
        "Dbtr", "DbtrAcct", "DbtrAgt", "ChrgBr", "CdtTrfTxInf", "CdtTrfTxInf", "CdtTrfTxInf",
    ]  # fmt: skip
    tx = payment.findall("p:CdtTrfTxInf", namespaces=NS)[1]
    assert [etree.QName(child).localname for child in tx] == [
        "PmtId", "Amt", "CdtrAgt", "Cdtr", "CdtrAcct", "RmtInf",
    ]  # fmt: skip


def test_text_is_escaped_and_kept_on_one_line():
    transfer = a_transfer(creditor_name="Smith & <Sons>\nLtd", remittance_text="a\r\nb\tc")
    root = parsed(build([transfer]))
    assert text(root, "//p:Cdtr/p:Nm") == ["Smith & <Sons> Ltd"]
    assert text(root, "//p:RmtInf/p:Ustrd") == ["a b c"]


def test_long_names_are_cut_to_70_characters():
    root = parsed(build([a_transfer(creditor_name="N" * 100)]))
    assert text(root, "//p:Cdtr/p:Nm") == ["N" * 70]


def test_a_thousand_transfers_sum_exactly():
    transfers = [
        a_transfer(end_to_end_id=f"REFUND-{i}", amount=Decimal("0.10")) for i in range(1000)
    ]
    root = parsed(build(transfers))
    assert text(root, "//p:GrpHdr/p:CtrlSum") == ["100.00"]
    assert text(root, "//p:GrpHdr/p:NbOfTxs") == ["1000"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"amount": Decimal("0.00")}, "is not positive"),
        ({"amount": Decimal("-5.00")}, "is not positive"),
        ({"amount": Decimal("1.005")}, "more than 2 decimals"),
        ({"amount": 12.5}, "not a Decimal"),
        ({"amount": Decimal("NaN")}, "not a Decimal"),
        ({"creditor_iban": "FI21 1234 5600 0007 86"}, "check digits do not match"),
        ({"creditor_iban": "not an iban"}, "This is not an IBAN"),
        ({"creditor_bic": "NOTABIC!"}, "not a valid BIC"),
        ({"creditor_name": "   "}, "creditor name is empty"),
        ({"remittance_text": "x" * 141}, "at most 140 fit"),
        ({"end_to_end_id": "x" * 36}, "end-to-end id must be 1-35"),
        ({"end_to_end_id": "/REFUND"}, "must not start or end with /"),
        ({"end_to_end_id": "REF€"}, "end-to-end id must be 1-35"),
    ],
)
def test_bad_transfer_is_refused_with_its_position(change, problem):
    with pytest.raises(InvalidTransfers) as refused:
        build([a_transfer(end_to_end_id="OK-1"), a_transfer(**change)])
    [message] = refused.value.problems
    assert message.startswith("Transfer 2 (")
    assert problem in message


def test_every_problem_is_reported_at_once():
    with pytest.raises(InvalidTransfers) as refused:
        build(
            [
                a_transfer(amount=Decimal("0")),
                a_transfer(creditor_iban="FI00"),
                a_transfer(end_to_end_id="REFUND-9", remittance_text="y" * 200),
            ],
            message_id="",
            debtor_bic="XX",
        )
    problems = refused.value.problems
    assert [problem.split(":")[0] for problem in problems] == [
        "Message id must be 1-35 letters, digits or / - ? ",
        "Our BIC is not a valid BIC.",
        "Transfer 1 ('REFUND-1')",
        "Transfer 2 ('REFUND-1')",
        "Transfer 2 ('REFUND-1')",
        "Transfer 3 ('REFUND-9')",
    ]
    assert "already used by transfer 1" in problems[3]
    assert "This is not an IBAN" in problems[4]


def test_problems_never_contain_the_account_number():
    with pytest.raises(InvalidTransfers) as refused:
        build([a_transfer(creditor_iban="FI21 1234 5600 0007 86")])
    assert "1234" not in str(refused.value)


def test_an_empty_batch_is_refused():
    with pytest.raises(InvalidTransfers, match="no transfers"):
        build([])
