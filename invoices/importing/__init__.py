"""Reading invoices from uploaded Finvoice 3.0 XML and CSV files.

Pure Python, no Django: :func:`parse_invoice_file` turns bytes into
:class:`ImportedInvoice` records or raises :class:`ImportFailed` listing every
problem; saving the records is the job of ``invoices.services``.
"""

from invoices.importing.csv_format import parse_csv
from invoices.importing.finvoice import parse_finvoice
from invoices.importing.records import (
    MAX_IMPORT_BYTES,
    ImportedInvoice,
    ImportedLine,
    ImportFailed,
    ImportProblem,
    parse_invoice_file,
)

__all__ = [
    "MAX_IMPORT_BYTES",
    "ImportFailed",
    "ImportProblem",
    "ImportedInvoice",
    "ImportedLine",
    "parse_csv",
    "parse_finvoice",
    "parse_invoice_file",
]
