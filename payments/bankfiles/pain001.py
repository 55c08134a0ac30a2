"""SEPA credit transfers for refunds: ISO 20022 pain.001.001.09 (CustomerCreditTransferInitiation).

Staff export approved refunds as one file and upload it to the bank, which pays
each overpayment back to the account the payer gave. One file holds one payment
instruction (``PmtInf``) from our account, with one ``CdtTrfTxInf`` per refund.

Version .09 rather than .03: it is the version of the current EPC SEPA rulebooks
and the one Finnish banks ask new integrations to use; .03 differs only in
``ReqdExctnDt`` (a bare date) and ``BIC`` (``BICFI`` in .09).

Everything is checked before a byte is written, and every problem is reported at
once (:class:`InvalidTransfers`): a bank rejects a whole file for one bad line, and
a refund paid twice or to a wrong account is worse than one paid a day late.
``NbOfTxs`` and ``CtrlSum`` are computed here, never passed in.

This is the one place where full IBANs leave the system; they are never logged,
and the exception messages name transfers by position and end-to-end id only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from lxml import etree
from schwifty import BIC
from schwifty.exceptions import SchwiftyException

from payments.ibans import InvalidIBAN, validate_iban, validate_sepa_iban

__all__ = ["NAMESPACE", "InvalidTransfers", "Transfer", "build_pain001"]

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
CURRENCY = "EUR"
_MAX_AMOUNT = Decimal("999999999.99")
_CENT = Decimal("0.01")
_MAX_NAME = 70
_MAX_REMITTANCE = 140
# EPC's identifiers (MsgId, EndToEndId): 1-35 characters of the SEPA basic set,
# not starting or ending with "/" and without "//".
_SEPA_ID = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]{1,35}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TIME_ZONE = ZoneInfo("Europe/Helsinki")


class InvalidTransfers(ValueError):
    """The batch cannot be written; ``problems`` lists every reason found."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.problems[:5]))


@dataclass(frozen=True)
class Transfer:
    """One refund: ``amount`` euros to ``creditor_iban``, identified by ``end_to_end_id``.

    The end-to-end id travels to the payer's bank and back on our statement, so it
    should be our refund's id (``REFUND-123``). The BIC may be left out for accounts
    in the SEPA area.
    """

    end_to_end_id: str
    amount: Decimal
    creditor_name: str
    creditor_iban: str
    creditor_bic: str | None
    remittance_text: str


def _clean_text(value: str) -> str:
    # Line breaks would end up inside an element the bank shows on one line.
    return " ".join(_CONTROL.sub(" ", value).split())


def _sepa_id_problem(value: str) -> str | None:
    if not _SEPA_ID.fullmatch(value):
        return "must be 1-35 letters, digits or / - ? : ( ) . , ' + and spaces"
    if value.startswith("/") or value.endswith("/") or "//" in value:
        return "must not start or end with / or contain //"
    return None


def _checked_bic(value: str) -> str:
    return BIC(value).compact


def _amount_problem(amount: object) -> str | None:
    if not isinstance(amount, Decimal) or not amount.is_finite():
        return "is not a Decimal amount"
    if amount != amount.quantize(_CENT):
        return f"{amount} has more than 2 decimals"
    if amount <= 0:
        return f"{amount} is not positive"
    if amount > _MAX_AMOUNT:
        return f"{amount} is above {_MAX_AMOUNT}"
    return None


def build_pain001(
    *,
    message_id: str,
    debtor_name: str,
    debtor_iban: str,
    debtor_bic: str,
    transfers: Sequence[Transfer],
    execution_date: date,
    created_at: datetime | None = None,
) -> bytes:
    """The pain.001.001.09 XML of ``transfers`` from our account, as UTF-8 bytes.

    ``message_id`` must be unique per file for the bank (it rejects a repeat as a
    duplicate upload); the export's id, e.g. ``REFUNDS-20260115-01``, serves well.
    """
    problems: list[str] = []
    if problem := _sepa_id_problem(message_id):
        problems.append(f"Message id {problem}.")
    debtor = _clean_text(debtor_name)[:_MAX_NAME]
    if not debtor:
        problems.append("The debtor name is empty.")
    try:
        debtor_account = validate_iban(debtor_iban)
    except InvalidIBAN as error:
        debtor_account = ""
        problems.append(f"Our account: {error.message}")
    try:
        debtor_agent = _checked_bic(debtor_bic)
    except SchwiftyException:
        debtor_agent = ""
        problems.append("Our BIC is not a valid BIC.")
    if not transfers:
        problems.append("There are no transfers.")

    rows: list[tuple[Transfer, str, str | None, str, str]] = []
    seen: dict[str, int] = {}
    for position, transfer in enumerate(transfers, start=1):
        where = f"Transfer {position} ({transfer.end_to_end_id!r})"
        if problem := _sepa_id_problem(transfer.end_to_end_id):
            problems.append(f"{where}: the end-to-end id {problem}.")
        elif transfer.end_to_end_id in seen:
            problems.append(
                f"{where}: the end-to-end id is already used by transfer "
                f"{seen[transfer.end_to_end_id]}."
            )
        else:
            seen[transfer.end_to_end_id] = position
        if problem := _amount_problem(transfer.amount):
            problems.append(f"{where}: the amount {problem}.")
        name = _clean_text(transfer.creditor_name)[:_MAX_NAME]
        if not name:
            problems.append(f"{where}: the creditor name is empty.")
        try:
            iban = validate_sepa_iban(transfer.creditor_iban)
        except InvalidIBAN as error:
            iban = ""
            problems.append(f"{where}: {error.message}")
        bic: str | None = None
        if transfer.creditor_bic:
            try:
                bic = _checked_bic(transfer.creditor_bic)
            except SchwiftyException:
                problems.append(f"{where}: the BIC is not a valid BIC.")
        text = _clean_text(transfer.remittance_text)
        if len(text) > _MAX_REMITTANCE:
            problems.append(
                f"{where}: the message has {len(text)} characters; at most {_MAX_REMITTANCE} fit."
            )
        rows.append((transfer, name, bic, iban, text))
    if problems:
        raise InvalidTransfers(problems)

    count = str(len(rows))
    control_sum = str(sum((transfer.amount for transfer, *_ in rows), Decimal("0.00")))
    moment = (created_at or datetime.now(_TIME_ZONE)).astimezone(_TIME_ZONE)

    def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        child = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}")
        if text is not None:
            child.text = text
        return child

    def path(parent: etree._Element, tags: str, text: str) -> etree._Element:
        *heads, last = tags.split("/")
        for tag in heads:
            parent = sub(parent, tag)
        return sub(parent, last, text)

    document = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    initiation = sub(document, "CstmrCdtTrfInitn")
    header = sub(initiation, "GrpHdr")
    sub(header, "MsgId", message_id)
    sub(header, "CreDtTm", moment.isoformat(timespec="seconds"))
    sub(header, "NbOfTxs", count)
    sub(header, "CtrlSum", control_sum)
    path(header, "InitgPty/Nm", debtor)

    payment = sub(initiation, "PmtInf")
    sub(payment, "PmtInfId", message_id)
    sub(payment, "PmtMtd", "TRF")
    # One statement line per refund, so each can be reconciled with its refund.
    sub(payment, "BtchBookg", "false")
    sub(payment, "NbOfTxs", count)
    sub(payment, "CtrlSum", control_sum)
    path(payment, "PmtTpInf/SvcLvl/Cd", "SEPA")
    path(payment, "ReqdExctnDt/Dt", execution_date.isoformat())
    path(payment, "Dbtr/Nm", debtor)
    path(payment, "DbtrAcct/Id/IBAN", debtor_account)
    path(payment, "DbtrAgt/FinInstnId/BICFI", debtor_agent)
    sub(payment, "ChrgBr", "SLEV")

    for transfer, name, bic, iban, text in rows:
        tx = sub(payment, "CdtTrfTxInf")
        path(tx, "PmtId/EndToEndId", transfer.end_to_end_id)
        amount = path(tx, "Amt/InstdAmt", str(transfer.amount.quantize(_CENT)))
        amount.set("Ccy", CURRENCY)
        if bic:
            path(tx, "CdtrAgt/FinInstnId/BICFI", bic)
        path(tx, "Cdtr/Nm", name)
        path(tx, "CdtrAcct/Id/IBAN", iban)
        if text:
            path(tx, "RmtInf/Ustrd", text)

    return etree.tostring(document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
