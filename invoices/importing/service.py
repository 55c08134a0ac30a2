"""Saving imported invoices: one file, one transaction, all or nothing.

The parsers (``invoices.importing``) decide whether a file is well-formed; this
module decides whether its invoices fit the creditor and the database, then
writes them with their lines and an "imported" timeline event each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath

from django.db import IntegrityError, transaction

from accounts.models import User
from invoices.importing.dispatch import parse_invoice_file
from invoices.importing.records import (
    ImportedInvoice,
    ImportFailed,
    ImportProblem,
    ProblemList,
    gettext_noop,
)
from invoices.importing.values import round_cents, shown
from invoices.models import (
    Creditor,
    DeliveryChannel,
    EventKind,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
)
from invoices.references import is_installment_reference

__all__ = ["ImportResult", "invoices_import"]

# Rows per INSERT: large enough for speed, small enough to keep each statement's size sane.
BATCH_SIZE = 1000
# Called with (invoices written, invoices to write) after each batch, for a progress bar.
Progress = Callable[[int, int], None]

# Numbers per "already imported?" query, so a 100,000-invoice file does not build one vast IN list.
LOOKUP_CHUNK = 5000

# NUMERIC(12, 2) holds at most 9,999,999,999.99.
MAX_AMOUNT = Decimal("9999999999.99")
MAX_QUANTITY = Decimal("999999999.999")
QUANTITY_STEP = Decimal("0.001")

SELLER_ID_PATH = "/Finvoice/SellerPartyDetails/SellerPartyIdentifier"
_BUYER = "/Finvoice/BuyerPartyDetails"
# (ImportedInvoice attribute, Invoice field, CSV column, Finvoice element) for the texts whose
# length the parsers leave to the database.
_TEXT_FIELDS = (
    ("number", "number", "invoice_number", "/Finvoice/InvoiceDetails/InvoiceNumber"),
    ("debtor_name", "debtor_name", "debtor_name", f"{_BUYER}/BuyerOrganisationName"),
    (
        "debtor_address",
        "debtor_street",
        "debtor_street",
        f"{_BUYER}/BuyerPostalAddressDetails/BuyerStreetName",
    ),
    (
        "debtor_postcode",
        "debtor_postcode",
        "debtor_postcode",
        f"{_BUYER}/BuyerPostalAddressDetails/BuyerPostCodeIdentifier",
    ),
    (
        "debtor_city",
        "debtor_city",
        "debtor_city",
        f"{_BUYER}/BuyerPostalAddressDetails/BuyerTownName",
    ),
    (
        "debtor_email",
        "debtor_email",
        "debtor_email",
        "/Finvoice/BuyerCommunicationDetails/BuyerEmailaddressIdentifier",
    ),
    (
        "reference",
        "reference",
        "reference",
        "/Finvoice/EpiDetails/EpiPaymentInstructionDetails/EpiRemittanceInfoIdentifier",
    ),
)


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do).

    ``created`` are the saved invoices (unsaved, ``pk`` None, after a dry run);
    ``skipped`` the numbers the creditor already had; ``notices`` are things
    worth telling that did not stop the import (say, the Finvoice seller's own
    account differs from the creditor's collection account).
    """

    filename: str
    created: list[Invoice] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    notices: list[ImportProblem] = field(default_factory=list)
    dry_run: bool = False


def invoices_import(
    *,
    creditor: Creditor,
    data: bytes,
    filename: str,
    actor: User | None = None,
    dry_run: bool = False,
    on_progress: Progress | None = None,
) -> ImportResult:
    """Import every invoice of one Finvoice or CSV file for ``creditor``.

    Raises :class:`ImportFailed` listing every problem, having written nothing.
    Invoice numbers the creditor already has are skipped and listed, not refused,
    so that a file can be sent again after a partial delivery. ``on_progress`` hears how many
    of the new invoices are written after each batch of ``BATCH_SIZE``; the rows stay
    invisible to everyone else until the one transaction commits.
    """
    filename = PurePath(filename.replace("\\", "/")).name[:200] or "upload"
    imported = parse_invoice_file(data, filename)
    result = ImportResult(filename=filename, dry_run=dry_run)
    _check_against_creditor(imported, creditor, result)

    try:
        with transaction.atomic():
            # Serialises imports for one creditor, so that two uploads of the same file cannot
            # both decide that a number is new; the unique constraint still guards other paths.
            Creditor.objects.select_for_update().only("pk").get(pk=creditor.pk)
            existing = _existing_numbers(creditor, [invoice.number for invoice in imported])
            new = [invoice for invoice in imported if invoice.number not in existing]
            result.skipped = [invoice.number for invoice in imported if invoice.number in existing]
            result.created = _create(
                creditor, new, filename=filename, actor=actor, on_progress=on_progress
            )
            if dry_run:
                transaction.set_rollback(True)
    except IntegrityError as error:
        if _constraint_name(error) != "invoice_number_unique":
            raise
        raise ImportFailed(
            [
                ImportProblem(
                    "file",
                    gettext_noop(
                        "Some of these invoice numbers were saved for the creditor by someone "
                        "else while this file was being imported, so nothing was imported. "
                        "Import the file again: the invoices already saved will be skipped."
                    ),
                )
            ]
        ) from error
    if dry_run:
        for invoice in result.created:
            invoice.pk = None
            invoice._state.adding = True
    return result


def _check_against_creditor(
    imported: list[ImportedInvoice], creditor: Creditor, result: ImportResult
) -> None:
    """What the parsers cannot know: the creditor, and the limits of our columns."""
    problems = ProblemList()
    seen: dict[str, str] = {}
    noted_ibans: set[str] = set()
    for invoice in imported:
        finvoice = invoice.source_position.startswith("Finvoice")
        if invoice.number in seen:
            # The parsers already refuse this; kept here because the database would too,
            # less politely, whatever a future parser lets through.
            problems.add(
                invoice.source_position,
                gettext_noop("Invoice number %(number)s is already used at %(first)s."),
                number=shown(invoice.number),
                first=seen[invoice.number],
            )
        else:
            seen[invoice.number] = invoice.source_position
        if invoice.seller_ytunnus and invoice.seller_ytunnus != creditor.business_id:
            problems.add(
                f"{invoice.source_position}, {SELLER_ID_PATH}",
                gettext_noop(
                    "The seller's business ID %(seller)s is not the creditor's %(creditor)s; "
                    "was the file meant for another creditor?"
                ),
                seller=invoice.seller_ytunnus,
                creditor=creditor.business_id,
            )
        if (
            invoice.seller_iban
            and invoice.seller_iban != creditor.iban.replace(" ", "")
            and invoice.seller_iban not in noted_ibans
        ):
            # Once per account, not once per invoice: a bank file of a thousand messages
            # from one seller would otherwise bury everything else under the same notice.
            noted_ibans.add(invoice.seller_iban)
            result.notices.append(
                ImportProblem(
                    invoice.source_position,
                    gettext_noop(
                        "The seller's account %(iban)s in the file is not the creditor's "
                        "collection account; payments are asked to the collection account."
                    ),
                    {"iban": invoice.seller_iban},
                )
            )
        if invoice.reference and is_installment_reference(invoice.reference):
            # Payment-plan installments own this range: an invoice with such a reference
            # would take the payments meant for someone's installment, or give them its own.
            problems.add(
                invoice.source_position,
                gettext_noop(
                    "The reference %(reference)s is in the range MyRopo keeps for payment plan "
                    "installments (14 digits starting with 8). Give the invoice another reference."
                ),
                reference=invoice.reference,
            )
        _check_lengths(invoice, finvoice, problems)
        _check_amounts(invoice, problems)
    problems.raise_if_any()


def _check_lengths(invoice: ImportedInvoice, finvoice: bool, problems: ProblemList) -> None:
    for attribute, model_field, column, element in _TEXT_FIELDS:
        value = getattr(invoice, attribute) or ""
        limit = Invoice._meta.get_field(model_field).max_length
        if len(value) > limit:
            problems.add(
                f"{invoice.source_position}, {element}" if finvoice else invoice.source_position,
                gettext_noop("%(name)s is longer than %(limit)s characters: %(value)s"),
                name=element.rsplit("/", 1)[-1] if finvoice else column,
                limit=limit,
                value=shown(value),
            )
    limit = InvoiceLine._meta.get_field("description").max_length
    for row, line in enumerate(invoice.lines, start=1):
        if len(line.description) > limit:
            problems.add(
                invoice.source_position,
                gettext_noop(
                    "The description of row %(row)s is longer than %(limit)s characters: %(value)s"
                ),
                row=row,
                limit=limit,
                value=shown(line.description),
            )


def _check_amounts(invoice: ImportedInvoice, problems: ProblemList) -> None:
    too_large = gettext_noop("The amount %(value)s is too large to import.")
    if invoice.total > MAX_AMOUNT:
        problems.add(invoice.source_position, too_large, value=str(invoice.total))
    for row, line in enumerate(invoice.lines, start=1):
        amounts = (line.unit_price, line.net_total, line.vat_total, line.gross_total)
        if any(abs(amount) > MAX_AMOUNT for amount in amounts) or line.quantity > MAX_QUANTITY:
            problems.add(
                invoice.source_position,
                gettext_noop("Row %(row)s has an amount or quantity too large to import."),
                row=row,
            )
        if line.vat_rate != round_cents(line.vat_rate):
            problems.add(
                invoice.source_position,
                gettext_noop("Row %(row)s: the VAT rate %(value)s has more than two decimals."),
                row=row,
                value=str(line.vat_rate),
            )


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_numbers(creditor: Creditor, numbers: list[str]) -> set[str]:
    existing: set[str] = set()
    for chunk in _chunks(numbers, LOOKUP_CHUNK):
        existing.update(
            Invoice.objects.filter(creditor=creditor, number__in=chunk).values_list(
                "number", flat=True
            )
        )
    return existing


def _create(
    creditor: Creditor,
    imported: list[ImportedInvoice],
    *,
    filename: str,
    actor: User | None,
    on_progress: Progress | None = None,
) -> list[Invoice]:
    # Batch by batch (invoices, then their lines and events), so that progress can be told
    # between batches; the statements are the same ones the whole list would make.
    invoices: list[Invoice] = []
    total = len(imported)
    if on_progress is not None:
        on_progress(0, total)
    for start in range(0, total, BATCH_SIZE):
        records = imported[start : start + BATCH_SIZE]
        created = Invoice.objects.bulk_create(
            [_invoice(creditor, record) for record in records], batch_size=BATCH_SIZE
        )
        pairs = list(zip(created, records, strict=True))
        InvoiceLine.objects.bulk_create(_lines(pairs), batch_size=BATCH_SIZE)
        InvoiceEvent.objects.bulk_create(
            [
                InvoiceEvent(
                    invoice=invoice,
                    kind=EventKind.IMPORTED,
                    actor=actor,
                    detail=filename,
                    data=_event_data(record, filename),
                )
                for invoice, record in pairs
            ],
            batch_size=BATCH_SIZE,
        )
        invoices.extend(created)
        if on_progress is not None:
            on_progress(len(invoices), total)
    return invoices


def _channel(record: ImportedInvoice) -> str:
    """A Finvoice message is an e-invoice; a CSV row says nothing: letter post, the slowest."""
    if record.source_position.startswith("Finvoice"):
        return DeliveryChannel.E_INVOICE
    return DeliveryChannel.LETTER_POST


def _invoice(creditor: Creditor, record: ImportedInvoice) -> Invoice:
    return Invoice(
        creditor=creditor,
        number=record.number,
        debtor_type=record.debtor_kind,
        debtor_hetu=record.debtor_hetu or "",
        debtor_business_id=record.debtor_ytunnus or "",
        debtor_name=record.debtor_name,
        debtor_street=record.debtor_address,
        debtor_postcode=record.debtor_postcode,
        debtor_city=record.debtor_city,
        debtor_email=record.debtor_email,
        issue_date=record.issue_date,
        # 513/1999 10 b § 1 mom needs the sending day: the file's, else the issue date.
        sent_on=record.sent_on or record.issue_date,
        delivery_channel=_channel(record),
        due_date=record.due_date,
        original_due_date=record.due_date,
        reference=record.reference,
        language=record.language,
        currency=record.currency,
        principal=record.total,
    )


def _lines(pairs: Iterable[tuple[Invoice, ImportedInvoice]]) -> Iterator[InvoiceLine]:
    for invoice, record in pairs:
        for position, line in enumerate(record.lines, start=1):
            yield InvoiceLine(
                invoice=invoice,
                position=position,
                description=line.description,
                # Finvoice allows sub-cent unit prices (0,0734 €/kWh) and quantities with more
                # decimals than our columns; both are shown, never summed, so they are rounded
                # for display while the row totals, which are summed, are kept exact.
                quantity=line.quantity.quantize(QUANTITY_STEP),
                unit_price=round_cents(line.unit_price),
                vat_rate=line.vat_rate,
                net_total=line.net_total,
                vat_total=line.vat_total,
                gross_total=line.gross_total,
            )


def _event_data(record: ImportedInvoice, filename: str) -> dict[str, str]:
    data = {"file": filename, "position": record.source_position}
    if record.seller_iban:
        data["seller_iban"] = record.seller_iban
    if record.seller_name:
        data["seller_name"] = record.seller_name
    return data


def _constraint_name(error: IntegrityError) -> str | None:
    diagnostics = getattr(error.__cause__, "diag", None)
    return getattr(diagnostics, "constraint_name", None)
