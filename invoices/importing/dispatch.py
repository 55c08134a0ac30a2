"""Which parser reads an uploaded file: above both parsers, so neither imports it back."""

from invoices.importing.csv_format import parse_csv
from invoices.importing.finvoice import parse_finvoice
from invoices.importing.records import ImportedInvoice, check_size, fail, gettext_noop

_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def parse_invoice_file(data: bytes, filename: str) -> list[ImportedInvoice]:
    """Parse an uploaded Finvoice XML or CSV file into invoices.

    The content decides, not the file name: a file whose first character after
    a byte-order mark and whitespace is ``<`` is Finvoice, anything else CSV.
    Raises :class:`ImportFailed` listing every problem found.
    """
    check_size(data)
    if data.startswith(_UTF16_BOMS):
        return parse_finvoice(data)
    head = data.removeprefix(_UTF8_BOM).lstrip(b" \t\r\n")[:1]
    if not head:
        raise fail("file", gettext_noop("The file %(filename)s is empty."), filename=filename)
    if head.startswith(b"<"):
        return parse_finvoice(data)
    return parse_csv(data)
