"""Reading invoices from uploaded Finvoice 3.0 XML and CSV files.

The parsers are pure Python, no Django: :func:`parse_invoice_file` turns bytes
into :class:`ImportedInvoice` records or raises :class:`ImportFailed` listing
every problem. Saving the records is the job of
``invoices.importing.service.invoices_import``, re-exported here lazily so that
importing the parsers still loads no Django models.
"""

from typing import TYPE_CHECKING

from invoices.importing.csv_format import parse_csv
from invoices.importing.dispatch import parse_invoice_file
from invoices.importing.finvoice import parse_finvoice
from invoices.importing.records import (
    MAX_IMPORT_BYTES,
    ImportedInvoice,
    ImportedLine,
    ImportFailed,
    ImportProblem,
)

if TYPE_CHECKING:
    from invoices.importing.service import ImportResult, invoices_import

_SERVICE_NAMES = ("ImportResult", "invoices_import")


def __getattr__(name: str) -> object:
    if name in _SERVICE_NAMES:
        from invoices.importing import service

        return getattr(service, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MAX_IMPORT_BYTES",
    "ImportFailed",
    "ImportProblem",
    "ImportResult",
    "ImportedInvoice",
    "ImportedLine",
    "invoices_import",
    "parse_csv",
    "parse_finvoice",
    "parse_invoice_file",
]
