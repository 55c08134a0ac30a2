"""ISO 20022 camt.054 (BankToCustomerDebitCreditNotification) → :class:`BankFile`.

Finnish banks deliver incoming reference payments ("viitesiirrot") as camt.054:
``Document/BkToCstmrDbtCdtNtfctn`` holds a group header and one ``Ntfctn`` per
account, each with ``Ntry`` elements. A batch entry carries the total of many
payments and lists them as ``NtryDtls/TxDtls``, one per payer, each with its own
archive reference (``Refs/AcctSvcrRef``), amount, payer and creditor reference
(``RmtInf/Strd/CdtrRefInf/Ref``, national or RF). We produce one
:class:`BankEntry` per transaction detail, so a batch of 300 payments becomes
300 entries to match, and an entry without details becomes one.

Versions: the namespaces ``camt.054.001.02`` to ``.001.13`` are accepted. The
differences that matter here are handled: ``Sts`` is a code in .02 and
``Sts/Cd`` from .05 on; the payer is ``RltdPties/Dbtr/Nm`` in .02 and
``RltdPties/Dbtr/Pty/Nm`` from .08; a transaction's amount is
``AmtDtls/TxAmt/Amt`` in .02 and ``TxDtls/Amt`` from .03. Fixtures of .02 and
.08 are in the tests.

Only booked (``BOOK``) credits are payments. Debits and entries that are not
booked (pending, information only) are counted in :class:`BankFile` and
otherwise ignored.

Safety: the file is refused unread when it is larger than 50 MB or declares a
DOCTYPE or an ENTITY (camt.054 needs neither, and they are how XXE and "billion
laughs" attacks work); the parser resolves no entities, loads no DTD, never
touches the network and keeps libxml2's size limits (``huge_tree=False``).
Entries are read with ``iterparse`` and dropped once read, so memory stays flat.

All or nothing: every problem is collected with its position
(``Ntry[3]/NtryDtls/TxDtls[2]/Amt``) and :class:`BankFileInvalid` lists them all;
no entry of a file with a problem is returned.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo

from lxml import etree

from invoices.references import InvalidReference, validate_reference

__all__ = [
    "MAX_BANK_FILE_BYTES",
    "BankEntry",
    "BankFile",
    "BankFileInvalid",
    "BankFileProblem",
    "parse_camt054",
]

MAX_BANK_FILE_BYTES = 50 * 1024 * 1024
# A broken file could yield a problem per entry; nobody reads past the first screens.
MAX_PROBLEMS = 1000
CURRENCY = "EUR"

_NAMESPACE = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.054\.001\.(0[2-9]|1[0-3])")
_DTD_MARKUP = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_AMOUNT = re.compile(r"[0-9]{1,13}(?:\.[0-9]{1,5})?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CENT = Decimal("0.01")
# What the database's NUMERIC(12, 2) columns hold: an amount (or a file's total) above it
# would be refused by the database mid-import instead of reported here with its position.
MAX_AMOUNT = Decimal("9999999999.99")
# ISO 20022 Max35Text: archive references and message ids are at most 35 characters. The
# payment's external id is "<IBAN>:<archive reference>[/n]", which then fits its column.
MAX_REFERENCE_LENGTH = 35
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
# Bank files from Finnish banks give times with an offset; one without is Finnish time.
_BANK_TIME_ZONE = ZoneInfo("Europe/Helsinki")
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def gettext_noop(message: str) -> str:
    """Mark ``message`` for ``makemessages``; it is translated when shown."""
    return message


def _untranslated(message: str) -> str:
    return message


@dataclass(frozen=True)
class BankEntry:
    """One incoming payment from a bank file.

    ``entry_reference`` is the bank's archive reference of the payment (the
    transaction's ``AcctSvcrRef``, or the entry's when it has one transaction):
    unique per bank and account, it is the idempotency key that recognises a
    payment imported twice. ``reference`` is the creditor reference in canonical
    form (national without spaces or leading zeros, or ``RF…``), ``None`` when the
    payer gave none; ``message`` then holds their free-text message for staff.
    ``position`` says where in the file the payment is, for staff and error pages.
    """

    entry_reference: str
    booking_date: date
    value_date: date | None
    amount: Decimal
    currency: str
    credit_debit: Literal["CRDT", "DBIT"]
    reference: str | None
    payer_name: str
    position: str
    account_iban: str | None = None
    message: str = ""


@dataclass(frozen=True)
class BankFile:
    """A parsed camt.054 file: its credits, and how much of it was not a payment."""

    message_id: str
    created_at: datetime
    entries: list[BankEntry]
    debit_count: int = 0  # debit entries and debit transactions, ignored
    not_booked_count: int = 0  # pending or information-only entries, ignored
    # The accounts the file reports on, in file order: the bank that sent it numbers its
    # messages per account, so (sender, message id) is what a repeated message id means.
    accounts: tuple[str, ...] = ()

    @property
    def sender(self) -> str:
        return ",".join(self.accounts)

    @property
    def total(self) -> Decimal:
        return sum((entry.amount for entry in self.entries), Decimal("0.00"))


@dataclass(frozen=True)
class BankFileProblem:
    """One thing wrong with a bank file, and where (``"file"`` for the whole file).

    ``message`` is an untranslated ``%``-template marked for extraction; show it
    with ``problem.render(gettext)``.
    """

    position: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False)

    def render(self, gettext: Callable[[str], str] = _untranslated) -> str:
        return gettext(self.message) % dict(self.params)

    def __str__(self) -> str:
        return f"{self.position}: {self.render()}"


class BankFileInvalid(Exception):
    """The file cannot be imported; ``problems`` lists every reason found."""

    def __init__(self, problems: Iterable[BankFileProblem]) -> None:
        self.problems = list(problems)
        shown = "; ".join(str(problem) for problem in self.problems[:3])
        more = len(self.problems) - 3
        super().__init__(shown + (f" (and {more} more)" if more > 0 else ""))


def _fail(position: str, message: str, **params: object) -> BankFileInvalid:
    return BankFileInvalid([BankFileProblem(position, message, params)])


_MISSING = gettext_noop("This required element is missing or empty.")
_DTD_REFUSED = gettext_noop(
    "The file declares a DOCTYPE or entities. A camt.054 file needs neither, "
    "so it was refused unread."
)
_NOT_CAMT054 = gettext_noop(
    "This is not an ISO 20022 camt.054 notification (BankToCustomerDebitCreditNotification)."
)


def parse_camt054(data: bytes) -> BankFile:
    """Parse a camt.054 file; raise :class:`BankFileInvalid` listing every problem."""
    if len(data) > MAX_BANK_FILE_BYTES:
        raise _fail(
            "file",
            gettext_noop("The file is %(size)s bytes; the largest accepted is %(limit)s bytes."),
            size=len(data),
            limit=MAX_BANK_FILE_BYTES,
        )
    _refuse_dtd(data)
    return _Reader().read(data)


def _refuse_dtd(data: bytes) -> None:
    if data.startswith(_UTF16_BOMS):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise _fail("file", gettext_noop("The file is not valid UTF-16.")) from None
    else:
        # Latin-1 maps every byte to one character, so the scan sees ASCII markup in
        # any ASCII-compatible encoding (UTF-8, ISO-8859-1) without decoding errors.
        text = data.decode("latin-1")
    if match := _DTD_MARKUP.search(text):
        raise _fail(f"line {text.count(chr(10), 0, match.start()) + 1}", _DTD_REFUSED)


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _first_children(element: etree._Element) -> dict[str, etree._Element]:
    """The first child of each tag (namespaced) of ``element``, in one pass."""
    children: dict[str, etree._Element] = {}
    for child in element:
        children.setdefault(child.tag, child)
    return children


def _text(element: etree._Element | None) -> str:
    if element is None or element.text is None:
        return ""
    return " ".join(element.text.split())


class _Reader:
    def __init__(self) -> None:
        self.problems: list[BankFileProblem] = []
        self.dropped = 0
        self.ns = ""
        self.message_id = ""
        self.created_at: datetime | None = None
        self.entries: list[BankEntry] = []
        self.debit_count = 0
        self.not_booked_count = 0
        self.seen_references: dict[str, str] = {}
        self.notification_index = 0
        self.entry_index = 0
        self.account_iban: str | None = None
        self.accounts: list[str] = []
        self.header_seen = False
        self._paths: dict[str, tuple[str, ...]] = {}

    # --- problems ---------------------------------------------------------------

    def report(self, position: str, message: str, **params: object) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(BankFileProblem(position, message, params))
        else:
            self.dropped += 1

    def tag(self, name: str) -> str:
        return f"{{{self.ns}}}{name}"

    def find(self, element: etree._Element | None, path: str) -> etree._Element | None:
        """The first element at ``path`` (``"AmtDtls/TxAmt/Amt"``) below ``element``.

        Walks child by child in C instead of ``element.find(path)``, whose path
        interpreter is Python and cost three quarters of the parse time.
        """
        tags = self._paths.get(path)
        if tags is None:
            tags = self._paths[path] = tuple(self.tag(step) for step in path.split("/"))
        for tag in tags:
            if element is None:
                return None
            element = next(element.iterchildren(tag), None)
        return element

    # --- the document -------------------------------------------------------------

    def read(self, data: bytes) -> BankFile:
        events = etree.iterparse(
            io.BytesIO(data),
            events=("start", "end"),
            tag=("{*}Document", "{*}GrpHdr", "{*}Ntfctn", "{*}Acct", "{*}Ntry"),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        document_seen = False
        try:
            for event, element in events:
                name = _local(element.tag)
                if event == "start":
                    if name == "Document" and not document_seen:
                        self._check_document(element)
                        document_seen = True
                    elif name == "Ntfctn":
                        self.notification_index += 1
                        self.entry_index = 0
                        self.account_iban = None
                    continue
                if not document_seen:
                    raise _fail("file", _NOT_CAMT054)
                if name == "GrpHdr":
                    self._read_header(element)
                elif name == "Acct" and _local(element.getparent().tag) == "Ntfctn":
                    self._read_account(element)
                elif name == "Ntry" and _local(element.getparent().tag) == "Ntfctn":
                    self.entry_index += 1
                    self._read_entry(element)
                    # Entries are independent: drop each once read to keep memory flat.
                    parent = element.getparent()
                    element.clear(keep_tail=False)
                    parent.remove(element)
            docinfo = events.root.getroottree().docinfo
        except etree.XMLSyntaxError as error:
            detail = re.sub(r", line \d+, column \d+$", "", error.msg or str(error))
            raise _fail(
                f"line {error.lineno}",
                gettext_noop("The file is not well-formed XML: %(detail)s"),
                detail=detail,
            ) from None
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise _fail("file", _DTD_REFUSED)
        if not document_seen:
            raise _fail("file", _NOT_CAMT054)
        if not self.header_seen:
            self.report("GrpHdr", _MISSING)
        if self.notification_index == 0:
            self.report("Ntfctn", gettext_noop("The file contains no notification."))
        total = sum((entry.amount for entry in self.entries), Decimal(0))
        if total > MAX_AMOUNT:
            self.report(
                "file",
                gettext_noop(
                    "The payments of the file add up to %(total)s, more than the %(limit)s "
                    "one import can book. Split the file."
                ),
                total=str(total),
                limit=str(MAX_AMOUNT),
            )
        if self.problems or self.dropped:
            problems = list(self.problems)
            if self.dropped:
                problems.append(
                    BankFileProblem(
                        "file",
                        gettext_noop("%(count)s more problems were not listed."),
                        {"count": self.dropped},
                    )
                )
            raise BankFileInvalid(problems)
        assert self.created_at is not None  # a header without it is a problem above
        return BankFile(
            message_id=self.message_id,
            created_at=self.created_at,
            entries=self.entries,
            debit_count=self.debit_count,
            not_booked_count=self.not_booked_count,
            accounts=tuple(dict.fromkeys(self.accounts)),
        )

    def _check_document(self, document: etree._Element) -> None:
        namespace = etree.QName(document).namespace or ""
        if _local(document.tag) != "Document" or not _NAMESPACE.fullmatch(namespace):
            raise _fail("file", _NOT_CAMT054)
        self.ns = namespace

    def _read_header(self, header: etree._Element) -> None:
        if _local(header.getparent().tag) != "BkToCstmrDbtCdtNtfctn":
            if _local(header.getparent().tag) == "Ntfctn":
                return  # not the group header
            raise _fail("file", _NOT_CAMT054)
        self.header_seen = True
        self.message_id = _text(self.find(header, "MsgId"))
        if not self.message_id:
            self.report("GrpHdr/MsgId", _MISSING)
        elif len(self.message_id) > MAX_REFERENCE_LENGTH:
            self._too_long("GrpHdr/MsgId", self.message_id)
        created = _text(self.find(header, "CreDtTm"))
        if not created:
            self.report("GrpHdr/CreDtTm", _MISSING)
            return
        try:
            moment = datetime.fromisoformat(created)
        except ValueError:
            self.report(
                "GrpHdr/CreDtTm",
                gettext_noop("%(value)s is not a date and time."),
                value=created[:40],
            )
            return
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_BANK_TIME_ZONE)
        self.created_at = moment

    def _read_account(self, account: etree._Element) -> None:
        raw = _text(self.find(account, "Id/IBAN"))
        self.account_iban = None
        if not raw:
            return
        iban = "".join(raw.split()).upper()
        if not _IBAN.fullmatch(iban):
            head = f"Ntfctn[{self.notification_index}]" if self.notification_index > 1 else ""
            self.report(
                "/".join(filter(None, (head, "Acct/Id/IBAN"))) or "Acct/Id/IBAN",
                gettext_noop("%(value)s is not a valid IBAN."),
                value=raw[:40],
            )
            return
        self.account_iban = iban
        self.accounts.append(iban)

    def _too_long(self, position: str, value: str) -> None:
        self.report(
            position,
            gettext_noop(
                "%(value)s… is %(length)s characters long; at most %(limit)s are allowed."
            ),
            value=value[:20],
            length=len(value),
            limit=MAX_REFERENCE_LENGTH,
        )

    # --- entries ------------------------------------------------------------------

    def _position(self, *steps: str) -> str:
        head = f"Ntfctn[{self.notification_index}]/" if self.notification_index > 1 else ""
        return head + "/".join((f"Ntry[{self.entry_index}]", *steps))

    def _amount(self, amount_element: etree._Element | None, *steps: str) -> Decimal | None:
        """A positive whole-cent EUR amount, or ``None`` after reporting what is wrong.

        ``steps`` locate the element for a report (see ``_position``); the position string is
        built only when there is something to report.
        """
        raw = _text(amount_element)
        if raw and amount_element.get("Ccy") == CURRENCY and _AMOUNT.fullmatch(raw):
            # The common case, checked first; anything else is reported in detail below.
            quick = Decimal(raw)  # the pattern admits only numbers
            if 0 < quick <= MAX_AMOUNT and quick == quick.quantize(_CENT):
                return quick.quantize(_CENT)
        position = self._position(*steps)
        if not raw:
            self.report(position, _MISSING)
            return None
        currency = amount_element.get("Ccy") if amount_element is not None else None
        ok = True
        if currency != CURRENCY:
            self.report(
                f"{position}/@Ccy",
                gettext_noop("Only payments in euros (EUR) can be imported, not %(currency)s."),
                currency=(currency or "-")[:10],
            )
            ok = False
        value: Decimal | None = None
        if _AMOUNT.fullmatch(raw):
            try:
                value = Decimal(raw)
            except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
                value = None
        if value is None or value != value.quantize(_CENT) or value <= 0:
            self.report(
                position,
                gettext_noop("%(value)s is not an amount of euros and cents greater than zero."),
                value=raw[:40],
            )
            return None
        if value > MAX_AMOUNT:
            self.report(
                position,
                gettext_noop("%(value)s is more than the largest amount we can book, %(limit)s."),
                value=raw[:40],
                limit=str(MAX_AMOUNT),
            )
            return None
        return value.quantize(_CENT) if ok else None

    def _date(self, element: etree._Element, path: str, *, required: bool) -> date | None:
        # Dates come as <Dt> or <DtTm>; of a date and time only the bank's date counts.
        raw = _text(self.find(element, f"{path}/Dt")) or _text(self.find(element, f"{path}/DtTm"))
        if not raw:
            if required:
                self.report(self._position(path), _MISSING)
            return None
        try:
            if not _DATE.match(raw):
                raise ValueError(raw)
            return date.fromisoformat(raw[:10])
        except ValueError:
            self.report(
                self._position(path),
                gettext_noop("%(value)s is not a date."),
                value=raw[:40],
            )
            return None

    def _read_entry(self, entry: etree._Element) -> None:
        indicator = _text(self.find(entry, "CdtDbtInd"))
        if indicator == "DBIT":
            self.debit_count += 1
            return
        if indicator != "CRDT":
            self.report(
                self._position("CdtDbtInd"),
                gettext_noop("%(value)s is not CRDT or DBIT."),
                value=indicator[:20] or "-",
            )
            return
        status_element = self.find(entry, "Sts")
        status = _text(self.find(status_element, "Cd")) if status_element is not None else ""
        status = status or _text(status_element)
        if not status:
            self.report(self._position("Sts"), _MISSING)
            return
        if status != "BOOK":
            self.not_booked_count += 1
            return

        amount = self._amount(self.find(entry, "Amt"), "Amt")
        booking_date = self._date(entry, "BookgDt", required=True)
        value_date = self._date(entry, "ValDt", required=False)
        entry_reference = _text(self.find(entry, "AcctSvcrRef"))
        where = "AcctSvcrRef"
        if not entry_reference:
            entry_reference, where = _text(self.find(entry, "NtryRef")), "NtryRef"
        reference_too_long = len(entry_reference) > MAX_REFERENCE_LENGTH
        if reference_too_long:
            self._too_long(self._position(where), entry_reference)

        details = list(entry.iterchildren(self.tag("NtryDtls")))
        transactions: list[tuple[etree._Element, str]] = []
        for d, detail in enumerate(details, start=1):
            step = f"NtryDtls[{d}]" if len(details) > 1 else "NtryDtls"
            found = detail.iterchildren(self.tag("TxDtls"))
            transactions += [(tx, f"{step}/TxDtls[{t}]") for t, tx in enumerate(found, start=1)]

        if not transactions:
            # No details: the entry is one payment, without payer or reference.
            if not entry_reference:
                self.report(self._position("AcctSvcrRef"), _MISSING)
            if amount is None or booking_date is None or not entry_reference or reference_too_long:
                return
            self._add(
                BankEntry(
                    entry_reference=entry_reference,
                    booking_date=booking_date,
                    value_date=value_date,
                    amount=amount,
                    currency=CURRENCY,
                    credit_debit="CRDT",
                    reference=None,
                    payer_name="",
                    position=self._position(),
                    account_iban=self.account_iban,
                )
            )
            return

        total = Decimal(0)
        complete = amount is not None and booking_date is not None
        read: list[BankEntry] = []
        for index, (tx, step) in enumerate(transactions, start=1):
            tx_entry, signed = self._read_transaction(
                tx,
                step,
                single=len(transactions) == 1,
                index=index,
                entry_amount=amount,
                entry_reference="" if reference_too_long else entry_reference,
                booking_date=booking_date,
                value_date=value_date,
            )
            if reference_too_long:
                complete = False  # the transactions without their own reference have none
            if signed is None:
                complete = False
            else:
                total += signed
            if tx_entry is not None:
                read.append(tx_entry)
        if complete and total != amount:
            self.report(
                self._position("Amt"),
                gettext_noop(
                    "The entry's amount %(amount)s is not the sum of its transactions, %(sum)s."
                ),
                amount=str(amount),
                sum=str(total),
            )
        for tx_entry in read:
            self._add(tx_entry)

    def _read_transaction(
        self,
        tx: etree._Element,
        step: str,
        *,
        single: bool,
        index: int,
        entry_amount: Decimal | None,
        entry_reference: str,
        booking_date: date | None,
        value_date: date | None,
    ) -> tuple[BankEntry | None, Decimal | None]:
        """The transaction as an entry and its signed amount (negative for a debit).

        The entry is ``None`` for a debit or a transaction with a problem; the
        amount is ``None`` when it could not be read.
        """
        # The transaction's children, read once: most of what follows is one of them, and
        # every lookup by tag would otherwise walk them again.
        children = _first_children(tx)
        amount_element = children.get(self.tag("Amt"))
        if amount_element is None:
            amount_details = children.get(self.tag("AmtDtls"))
            amount_element = self.find(amount_details, "TxAmt/Amt")
            if amount_element is None:
                amount_element = self.find(amount_details, "InstdAmt/Amt")
        if amount_element is None and single:
            amount = entry_amount  # one transaction: the entry's amount is its amount
            if amount is None:
                return None, None
        else:
            where = _local(amount_element.tag) if amount_element is not None else "Amt"
            amount = self._amount(amount_element, step, where)
        indicator = _text(children.get(self.tag("CdtDbtInd"))) or "CRDT"
        if indicator not in ("CRDT", "DBIT"):
            self.report(
                self._position(step, "CdtDbtInd"),
                gettext_noop("%(value)s is not CRDT or DBIT."),
                value=indicator[:20],
            )
            return None, None

        tx_reference = _text(self.find(children.get(self.tag("Refs")), "AcctSvcrRef"))
        if len(tx_reference) > MAX_REFERENCE_LENGTH:
            self._too_long(self._position(step, "Refs/AcctSvcrRef"), tx_reference)
            return None, None
        if not tx_reference and entry_reference:
            tx_reference = entry_reference if single else f"{entry_reference}/{index}"
        if not tx_reference:
            self.report(self._position(step, "Refs/AcctSvcrRef"), _MISSING)

        if amount is None:
            return None, None
        if indicator == "DBIT":
            self.debit_count += 1
            return None, -amount
        reference, message = self._remittance(children.get(self.tag("RmtInf")), step)
        if reference is False or not tx_reference or booking_date is None:
            return None, amount
        debtor = self.find(children.get(self.tag("RltdPties")), "Dbtr")
        payer = _text(self.find(debtor, "Nm")) or _text(self.find(debtor, "Pty/Nm"))
        return (
            BankEntry(
                entry_reference=tx_reference,
                booking_date=booking_date,
                value_date=value_date,
                amount=amount,
                currency=CURRENCY,
                credit_debit="CRDT",
                reference=reference if isinstance(reference, str) else None,
                payer_name=payer[:200],
                position=self._position(step),
                account_iban=self.account_iban,
                message=message,
            ),
            amount,
        )

    def _remittance(
        self, remittance: etree._Element | None, step: str
    ) -> tuple[str | bool | None, str]:
        """The creditor reference (``None`` if none given, ``False`` if broken) and text."""
        if remittance is None:
            return None, ""
        texts = (_text(text) for text in remittance.iterchildren(self.tag("Ustrd")))
        message = " ".join(text for text in texts if text)[:500]
        creditor_ref = next(
            (
                found
                for structured in remittance.iterchildren(self.tag("Strd"))
                if (found := self.find(structured, "CdtrRefInf")) is not None
            ),
            None,
        )
        if creditor_ref is None:
            return None, message
        raw = _text(self.find(creditor_ref, "Ref"))
        if not raw:
            # A structured reference block without a reference is a broken file, not a
            # payment without a reference.
            self.report(self._position(step, "RmtInf/Strd/CdtrRefInf/Ref"), _MISSING)
            return False, message
        try:
            return validate_reference(raw), message
        except InvalidReference:
            self.report(
                self._position(step, "RmtInf/Strd/CdtrRefInf/Ref"),
                gettext_noop("%(value)s is not a valid reference number."),
                value=raw[:40],
            )
            return False, message

    def _add(self, entry: BankEntry) -> None:
        first = self.seen_references.get(entry.entry_reference)
        if first is not None:
            self.report(
                entry.position,
                gettext_noop("The archive reference %(reference)s is already used at %(first)s."),
                reference=entry.entry_reference[:40],
                first=first,
            )
            return
        self.seen_references[entry.entry_reference] = entry.position
        self.entries.append(entry)
