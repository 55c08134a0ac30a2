"""CSV invoice import.

The format
==========

* **Encoding** UTF-8. A byte-order mark, as Excel's "CSV UTF-8" writes, is
  allowed. (Excel's plain "CSV" is Windows-1252 and is refused: save as
  "CSV UTF-8".)
* **Delimiter** ``;`` (what Excel writes in a Finnish locale) or ``,``,
  detected from the file. A field containing the delimiter, a quote or a line
  break is quoted with ``"``; a quote inside it is doubled.
* **Header** The first line names the columns, in any order, lower case. All
  sixteen are required, and one more, ``sent_date``, may be added; none other is
  allowed::

    invoice_number;issue_date;due_date;reference;amount;debtor_type;debtor_name;
    debtor_hetu;debtor_ytunnus;debtor_street;debtor_postcode;debtor_city;
    debtor_email;language;description;vat_rate

  (one line in the file).
* **One row is one invoice line.** Rows with the same ``invoice_number`` make
  one invoice, wherever they are in the file. All columns except ``amount``,
  ``description`` and ``vat_rate`` describe the invoice and must be the same on
  each of its rows (compared ignoring case and extra spaces).
* Empty lines are skipped. At most 100,000 rows and 10 MB per file.

=================  ==========  ==================================================
column             required    value
=================  ==========  ==================================================
invoice_number     yes         the creditor's invoice number
issue_date         yes         ``YYYY-MM-DD`` or ``D.M.YYYY`` (``5.3.2025``)
due_date           yes         as issue_date; not before it
reference          yes         Finnish reference (``12345 67890 12``) or RF
                               reference (``RF18 5390 0754 7034``), spaces free
amount             yes         the line's amount in euros **including VAT**; at
                               most two decimals; ``1234,50`` or ``1234.50``;
                               not negative
debtor_type        yes         ``consumer`` or ``company``
debtor_name        yes         person's or company's name
debtor_hetu        no          consumer only: personal identity code (HETU)
debtor_ytunnus     company     company only: business ID (Y-tunnus) ``1234567-8``
debtor_street      yes         street address
debtor_postcode    yes         five digits
debtor_city        yes         post office
debtor_email       no          email address
language           no          ``fi``, ``sv`` or ``en``; empty means ``fi``
description        yes         what the line is for
vat_rate           yes         VAT percent: ``25,5``, ``14``, ``10``, ``0``
sent_date          no          the day the invoice was sent to the debtor, as
                               issue_date, not before it; empty or absent means
                               the issue date
=================  ==========  ==================================================

The VAT-excluded amount of a line is ``amount / (1 + vat_rate / 100)`` rounded
half up to cents; the VAT is the rest, so the two always add up to ``amount``.
An invoice's total is the sum of its lines' amounts.

Problems name the physical line of the file, the header being line 1 (a quoted
field spanning lines counts every line).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from invoices.importing.records import (
    ImportedInvoice,
    ImportedLine,
    ProblemList,
    check_size,
    fail,
    gettext_noop,
)
from invoices.importing.values import (
    checked_email,
    checked_hetu,
    checked_language,
    checked_reference,
    checked_ytunnus,
    has_cents_only,
    looks_like_hetu,
    mask_hetu,
    parse_csv_date,
    parse_decimal,
    shown,
    split_gross,
)

__all__ = ["COLUMNS", "MAX_ROWS", "parse_csv"]

COLUMNS = (
    "invoice_number",
    "issue_date",
    "due_date",
    "reference",
    "amount",
    "debtor_type",
    "debtor_name",
    "debtor_hetu",
    "debtor_ytunnus",
    "debtor_street",
    "debtor_postcode",
    "debtor_city",
    "debtor_email",
    "language",
    "description",
    "vat_rate",
)
OPTIONAL_COLUMNS = ("sent_date",)
LINE_COLUMNS = ("amount", "description", "vat_rate")
INVOICE_COLUMNS = tuple(
    column for column in (*COLUMNS, *OPTIONAL_COLUMNS) if column not in LINE_COLUMNS
)
MAX_ROWS = 100_000

_SNIFF_CHARS = 64 * 1024
_MISSING = gettext_noop("Column %(column)s is empty; it needs a value.")


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, str]


def parse_csv(data: bytes) -> list[ImportedInvoice]:
    """Parse a CSV file in the format above; raise ``ImportFailed`` listing every problem."""
    check_size(data)
    text = _decode(data)
    records = _read_records(text, _detect_delimiter(text))
    if not records:
        raise fail("file", gettext_noop("The file is empty."))
    (header_line, header), rows = records[0], records[1:]
    columns = _check_header(header_line, header)
    if len(rows) > MAX_ROWS:
        raise fail(
            f"line {rows[MAX_ROWS][0]}",
            gettext_noop("The file has more than %(limit)s rows; split it into smaller files."),
            limit=MAX_ROWS,
        )

    problems = ProblemList()
    invoices_rows: dict[str, list[_Row]] = {}
    for line, cells in rows:
        if len(cells) != len(columns):
            problems.add(
                f"line {line}",
                gettext_noop("The row has %(found)s columns; the header has %(expected)s."),
                found=len(cells),
                expected=len(columns),
            )
            continue
        values = dict.fromkeys(OPTIONAL_COLUMNS, "")
        values.update(
            (column, " ".join(cell.split())) for column, cell in zip(columns, cells, strict=True)
        )
        # PostgreSQL text cannot hold a NUL byte: refused here, with its place, rather than
        # by the database halfway through saving.
        nul_columns = [column for column, value in values.items() if "\x00" in value]
        if nul_columns:
            for column in nul_columns:
                problems.add(
                    f"line {line}",
                    gettext_noop("Column %(column)s contains a NUL character (0x00)."),
                    column=column,
                )
            continue
        if not values["invoice_number"]:
            problems.add(f"line {line}", _MISSING, column="invoice_number")
            continue
        invoices_rows.setdefault(values["invoice_number"], []).append(_Row(line, values))

    invoices = []
    for invoice_rows in invoices_rows.values():
        invoice = _read_invoice(invoice_rows, problems)
        if invoice is not None:
            invoices.append(invoice)
    # Rows of one invoice are checked together, so problems arrive out of line order.
    problems.problems.sort(key=lambda problem: int(problem.position.removeprefix("line ")))
    problems.raise_if_any()
    return invoices


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise fail(
            f"line {data.count(b'\n', 0, error.start) + 1}",
            gettext_noop("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8”."),
        ) from None


def _detect_delimiter(text: str) -> str:
    sample = text[:_SNIFF_CHARS]
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    header = sample.partition("\n")[0]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=";,").delimiter
    except csv.Error:
        delimiter = ";"
    # Column names contain neither delimiter, so the header settles what the
    # sniffer could only guess from descriptions full of commas.
    other = "," if delimiter == ";" else ";"
    return other if header.count(other) > header.count(delimiter) else delimiter


def _read_records(text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Non-empty records, each with the physical line it starts on."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    last_line = 0
    try:
        for cells in reader:
            first_line, last_line = last_line + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                records.append((first_line, cells))
            if len(records) > MAX_ROWS + 1:
                break
    except csv.Error as error:
        raise fail(
            f"line {reader.line_num}",
            gettext_noop("The line cannot be read as CSV: %(detail)s."),
            detail=str(error),
        ) from None
    return records


def _check_header(line: int, header: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in header]
    if not set(names) & set(COLUMNS):
        raise fail(
            f"line {line}",
            gettext_noop("The first line must be a header naming the columns: %(columns)s."),
            columns=", ".join(COLUMNS),
        )
    allowed = (*COLUMNS, *OPTIONAL_COLUMNS)
    unknown = [shown(name) or "(empty)" for name in names if name not in allowed]
    missing = [column for column in COLUMNS if column not in names]
    repeated = sorted({name for name in names if name in allowed and names.count(name) > 1})
    problems = ProblemList()
    where = f"line {line}"
    if unknown and missing:
        problems.add(
            where,
            gettext_noop(
                "The header has unknown columns %(unknown)s and lacks columns %(missing)s."
            ),
            unknown=", ".join(unknown),
            missing=", ".join(missing),
        )
    elif unknown:
        problems.add(
            where,
            gettext_noop("The header has unknown columns: %(unknown)s."),
            unknown=", ".join(unknown),
        )
    elif missing:
        problems.add(
            where,
            gettext_noop("The header lacks columns: %(missing)s."),
            missing=", ".join(missing),
        )
    if repeated:
        problems.add(
            where,
            gettext_noop("The header repeats columns: %(columns)s."),
            columns=", ".join(repeated),
        )
    problems.raise_if_any()
    return names


def _same(value: str) -> str:
    return value.casefold()


class _RowReader:
    def __init__(self, row: _Row, problems: ProblemList) -> None:
        self.row = row
        self.problems = problems

    def report(self, message: str, **params: object) -> None:
        self.problems.add(f"line {self.row.line}", message, **params)

    def value(self, column: str, *, required: bool = False) -> str | None:
        value = self.row.values[column]
        if not value:
            if required:
                self.report(_MISSING, column=column)
            return None
        return value

    def date(self, column: str, *, required: bool = True) -> date | None:
        text = self.value(column, required=required)
        if text is None:
            return None
        value = parse_csv_date(text)
        if value is None:
            self.report(
                gettext_noop(
                    "Column %(column)s: %(value)s is not a date; use YYYY-MM-DD or D.M.YYYY."
                ),
                column=column,
                value=shown(text),
            )
        return value

    def amount(self) -> Decimal | None:
        text = self.value("amount", required=True)
        if text is None:
            return None
        value = parse_decimal(text)
        if value is None or value < 0 or not has_cents_only(value):
            self.report(
                gettext_noop(
                    "Column amount: %(value)s is not an amount in euros "
                    "(not negative, at most two decimals)."
                ),
                value=shown(text),
            )
            return None
        return value

    def vat_rate(self) -> Decimal | None:
        text = self.value("vat_rate", required=True)
        if text is None:
            return None
        value = parse_decimal(text.removesuffix("%").strip())
        if value is None or not 0 <= value < 100:
            self.report(
                gettext_noop("Column vat_rate: %(value)s is not a VAT percentage."),
                value=shown(text),
            )
            return None
        return value

    def reference(self) -> str | None:
        text = self.value("reference", required=True)
        if text is None:
            return None
        reference = checked_reference(text)
        if reference is None:
            self.report(
                gettext_noop("Column reference: %(value)s is not a valid reference number."),
                value=shown(text),
            )
        return reference

    def debtor_ids(self, kind: str | None) -> tuple[str | None, str | None]:
        hetu_text = self.value("debtor_hetu")
        ytunnus_text = self.value("debtor_ytunnus")
        hetu = checked_hetu(hetu_text) if hetu_text else None
        ytunnus = checked_ytunnus(ytunnus_text) if ytunnus_text else None
        if hetu_text and hetu is None:
            self.report(
                gettext_noop("Column debtor_hetu: %(hetu)s is not a valid personal identity code."),
                hetu=mask_hetu(hetu_text) if looks_like_hetu(hetu_text) else shown(hetu_text),
            )
        if ytunnus_text and ytunnus is None:
            self.report(
                gettext_noop("Column debtor_ytunnus: %(value)s is not a valid business ID."),
                value=shown(ytunnus_text),
            )
        if kind == "consumer" and ytunnus_text:
            self.report(gettext_noop("A consumer has no debtor_ytunnus; leave it empty."))
        if kind == "company" and hetu_text:
            self.report(gettext_noop("A company has no debtor_hetu; leave it empty."))
        if kind == "company" and not ytunnus_text:
            self.report(_MISSING, column="debtor_ytunnus")
        return hetu, ytunnus


def _read_invoice(rows: list[_Row], problems: ProblemList) -> ImportedInvoice | None:
    problems_before = len(problems)
    first = rows[0]
    number = first.values["invoice_number"]
    for row in rows[1:]:
        for column in INVOICE_COLUMNS:
            if _same(row.values[column]) != _same(first.values[column]):
                problems.add(
                    f"line {row.line}",
                    gettext_noop(
                        "Column %(column)s differs from line %(first)s; all rows of "
                        "invoice %(number)s must agree on it."
                    ),
                    column=column,
                    first=first.line,
                    number=shown(number),
                )

    reader = _RowReader(first, problems)
    issue_date = reader.date("issue_date")
    due_date = reader.date("due_date")
    if issue_date and due_date and due_date < issue_date:
        reader.report(
            gettext_noop("The due date %(due)s is before the issue date %(issued)s."),
            due=due_date.isoformat(),
            issued=issue_date.isoformat(),
        )
    sent_on = reader.date("sent_date", required=False)
    if sent_on and issue_date and sent_on < issue_date:
        reader.report(
            gettext_noop("The sending date %(sent)s is before the issue date %(issued)s."),
            sent=sent_on.isoformat(),
            issued=issue_date.isoformat(),
        )
    reference = reader.reference()
    kind = (reader.value("debtor_type", required=True) or "").lower() or None
    if kind is not None and kind not in ("consumer", "company"):
        reader.report(
            gettext_noop("Column debtor_type: %(value)s is neither consumer nor company."),
            value=shown(kind),
        )
        kind = None
    name = reader.value("debtor_name", required=True)
    hetu, ytunnus = reader.debtor_ids(kind)
    street = reader.value("debtor_street", required=True)
    postcode = reader.value("debtor_postcode", required=True)
    if postcode and not (postcode.isascii() and postcode.isdigit() and len(postcode) == 5):
        reader.report(
            gettext_noop("Column debtor_postcode: %(value)s is not a postcode of five digits."),
            value=shown(postcode),
        )
    city = reader.value("debtor_city", required=True)
    email = reader.value("debtor_email") or ""
    if email and checked_email(email) is None:
        reader.report(
            gettext_noop("Column debtor_email: %(value)s is not an email address."),
            value=shown(email),
        )
    language_code = reader.value("language")
    language = checked_language(language_code) if language_code else "fi"
    if language is None:
        reader.report(
            gettext_noop("Column language: %(value)s is not fi, sv or en."),
            value=shown(language_code or ""),
        )

    lines = [_read_line(row, problems) for row in rows]
    if len(problems) > problems_before:
        return None
    assert issue_date and due_date and reference and kind and name and street and city
    assert postcode and language
    complete_lines = tuple(line for line in lines if line is not None)
    return ImportedInvoice(
        number=number,
        issue_date=issue_date,
        sent_on=sent_on,
        due_date=due_date,
        reference=reference,
        currency="EUR",
        total=sum((line.gross_total for line in complete_lines), Decimal(0)),
        language=language,
        debtor_kind=kind,
        debtor_name=name,
        debtor_hetu=hetu,
        debtor_ytunnus=ytunnus,
        debtor_address=street,
        debtor_postcode=postcode,
        debtor_city=city,
        debtor_email=email,
        seller_ytunnus=None,
        seller_name=None,
        seller_iban=None,
        seller_bic=None,
        lines=complete_lines,
        source_position=_lines_label([row.line for row in rows]),
    )


def _read_line(row: _Row, problems: ProblemList) -> ImportedLine | None:
    reader = _RowReader(row, problems)
    gross = reader.amount()
    description = reader.value("description", required=True)
    vat_rate = reader.vat_rate()
    if gross is None or description is None or vat_rate is None:
        return None
    net, vat = split_gross(gross, vat_rate)
    return ImportedLine(
        description=description,
        quantity=Decimal(1),
        unit_price=net,
        vat_rate=vat_rate,
        net_total=net,
        vat_total=vat,
        gross_total=gross,
    )


def _lines_label(lines: list[int]) -> str:
    if len(lines) == 1:
        return f"line {lines[0]}"
    if lines == list(range(lines[0], lines[-1] + 1)):
        return f"lines {lines[0]}–{lines[-1]}"
    shown_lines = ", ".join(str(line) for line in lines[:10])
    return f"lines {shown_lines}" + (", …" if len(lines) > 10 else "")
