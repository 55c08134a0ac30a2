"""The invoice as a PDF: A4, in the invoice's language, with the Finnish giro form at its foot.

Rendered from a Django template by WeasyPrint. WeasyPrint would fetch any URL the HTML
names, so it gets a fetcher that reads only data: URIs and our own print stylesheet:
an invoice carries text that came from outside (Finvoice imports, debtor names), and a
PDF renderer must not become a way to reach the network or read the server's files.
"""

import base64
import mimetypes
import re
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from invoices import hooks
from invoices.models import Invoice
from invoices.payment_codes import invoice_payment_codes
from invoices.selectors import with_balance
from myropo.templatetags.money import format_euros

STATIC_DIR = Path(__file__).resolve().parent / "static" / "invoices"
PRINT_CSS = STATIC_DIR / "pdf.css"
ALLOWED_DIRS: tuple[Path, ...] = (STATIC_DIR, Path(settings.BASE_DIR) / "static" / "invoices")

# The document's name in each language, shared by the title and the file name so the two
# always agree; kept as data (not gettext) because a file name must be ASCII and must not
# change with the state of the translation catalogue.
DOCUMENT_WORD = {"fi": "lasku", "sv": "faktura", "en": "invoice"}
# Finnish and Finland-Swedish write 31.12.2026; English names the month, which avoids
# reading 5/3 the American way (the same formats as the pages, myropo/formats).
DATE_FORMAT = {"fi": "j.n.Y", "sv": "j.n.Y", "en": "j M Y"}
# The giro form (tilisiirtolomake) is the Finnish banks' standard form with its Finnish and
# Swedish labels, in every language of the document: its due date is written as in Finland,
# 31.12.2026, on an English invoice too (issue 12).
GIRO_DATE_FORMAT = "j.n.Y"

_NON_WORD = re.compile(r"[^\w]+")


class RefusedURL(ValueError):
    """WeasyPrint asked for a resource outside data: URIs and the allowed directories."""


_NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


class LocalOnlyURLFetcher(URLFetcher):
    """Serves data: URIs and files inside ``allowed_dirs``; refuses everything else."""

    def __init__(self, allowed_dirs: tuple[Path, ...] = ALLOWED_DIRS) -> None:
        # urllib's HTTPS handler would otherwise build a default SSL context, loading the
        # system's CA store (~50 ms, a tenth of a render) for a fetcher that never uses it.
        super().__init__(
            allowed_protocols={"data", "file"}, allow_redirects=False, ssl_context=_NO_TLS
        )
        self._allowed_dirs = tuple(Path(d).resolve() for d in allowed_dirs)

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and parts.netloc in ("", "localhost"):
            # resolve() follows symlinks and "..", so the check is made on the real file.
            path = Path(url2pathname(parts.path)).resolve()
            if path.is_file() and any(path.is_relative_to(d) for d in self._allowed_dirs):
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(
                    path.as_uri(), path.read_bytes(), {"Content-Type": content_type}
                )
        raise RefusedURL(f"The invoice PDF may not load {url[:200]!r}.")


class _Printer(threading.local):
    """One thread's WeasyPrint setup, kept for every PDF it renders.

    Building a FontConfiguration and parsing the print stylesheet cost about as much as
    laying out a page, and neither changes between documents. They are per thread because
    fontconfig's and Pango's objects are not meant to be shared between threads.
    """

    fonts: FontConfiguration | None = None
    stylesheet: CSS | None = None
    fetcher: LocalOnlyURLFetcher | None = None

    def setup(self) -> tuple[FontConfiguration, CSS, LocalOnlyURLFetcher]:
        if self.stylesheet is None:
            self.fetcher = LocalOnlyURLFetcher()
            self.fonts = FontConfiguration()
            self.stylesheet = CSS(
                filename=str(PRINT_CSS), font_config=self.fonts, url_fetcher=self.fetcher
            )
        return self.fonts, self.stylesheet, self.fetcher  # type: ignore[return-value]


_printer = _Printer()


def render_pdf(html: str, *, stylesheet: bool = True) -> bytes:
    """A PDF of our own HTML: fetches only data: URIs and the print directory.

    ``stylesheet`` adds the print stylesheet (``pdf.css``), parsed once per thread; the
    templates do not link it, so that WeasyPrint never parses it again.
    """
    return render_document(html, stylesheet=stylesheet).write_pdf()


def render_document(html: str, *, stylesheet: bool = True) -> Document:
    """The laid-out pages of our own HTML (``render_pdf`` before the writing), for a caller
    that looks at the layout before it writes the PDF."""
    fonts, css, fetcher = _printer.setup()
    source = HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=fetcher)
    return source.render(stylesheets=[css] if stylesheet else None, font_config=fonts)


@dataclass(frozen=True)
class VatRow:
    rate: str
    net: Decimal
    vat: Decimal
    gross: Decimal


def format_number(value: Decimal, language: str) -> str:
    """A quantity or a VAT rate without trailing zeros: 1.000 → '1', 25.50 → '25,5'."""
    text = f"{value.normalize():f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if language == "en" else text.replace(".", ",")


def _svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def _with_balance(invoice: Invoice) -> Invoice:
    if hasattr(invoice, "open_balance"):
        return invoice
    return with_balance(Invoice.objects.filter(pk=invoice.pk).select_related("creditor")).get()


def _context(invoice: Invoice, language: str) -> dict:
    lines = list(invoice.lines.all())
    rows = [
        {
            "line": line,
            "quantity": format_number(line.quantity, language),
            "vat_rate": format_number(line.vat_rate, language),
        }
        for line in lines
    ]
    vat: dict[Decimal, list[Decimal]] = {}
    for line in lines:
        sums = vat.setdefault(line.vat_rate, [Decimal("0.00")] * 3)
        sums[0] += line.net_total
        sums[1] += line.vat_total
        sums[2] += line.gross_total
    vat_rows = [
        VatRow(format_number(rate, language), *sums)
        for rate, sums in sorted(vat.items(), reverse=True)
    ]
    # The same codes as the invoice page (invoices.payment_codes.invoice_payment_codes).
    codes, payoff = invoice_payment_codes(invoice, timezone.localdate())
    amount = codes.amount
    title = DOCUMENT_WORD.get(language, DOCUMENT_WORD["en"])
    return {
        "invoice": invoice,
        "creditor": invoice.creditor,
        "title": title.capitalize(),
        "language": language,
        "date_format": DATE_FORMAT.get(language, DATE_FORMAT["en"]),
        "giro_date_format": GIRO_DATE_FORMAT,
        "rows": rows,
        "vat_rows": vat_rows,
        "vat_total": sum((line.vat_total for line in lines), Decimal("0.00")),
        "lines_total": sum((line.gross_total for line in lines), Decimal("0.00")),
        # Each in the invoice's language from its rule code (collection), never the stored note.
        "charges": [(charge, hooks.explain_charge(charge)) for charge in invoice.charges.all()],
        "amount": amount,
        "payoff": payoff,
        "giro_amount": format_euros(amount, "fi").removesuffix("\u00a0€"),
        "codes": codes,
        # An <img> of a data: URI is the one way of embedding SVG that WeasyPrint sizes by CSS.
        "barcode_src": _svg_data_uri(codes.barcode_svg) if codes.barcode_svg else None,
        "site": urlsplit(settings.SITE_URL).netloc or settings.SITE_URL,
    }


def invoice_pdf_html(invoice: Invoice, *, giro_last: bool = False) -> str:
    """The HTML that becomes the PDF, in the invoice's language (for previews and tests)."""
    return _invoice_template(invoice)(giro_last)


def _invoice_template(invoice: Invoice) -> Callable[[bool], str]:
    invoice = _with_balance(invoice)
    with translation.override(invoice.language):
        context = _context(invoice, invoice.language)

    def html(giro_last: bool) -> str:
        with translation.override(invoice.language):
            return render_to_string(
                "invoices/pdf/invoice.html", {**context, "giro_last": giro_last}
            )

    return html


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The invoice as an A4 PDF in its own language, with the giro form and payment codes."""
    return render_giro_pdf(_invoice_template(invoice))


# Where the first page's flow ends when the giro form is its footnote: the form's 101.6 mm and
# its 0.6pt dashed top border, and the footnote area's 5 mm top margin (pdf.css), in CSS px.
_FLOW_BOTTOM_PX = (297 - 101.6 - 5) * 96 / 25.4 - 0.6 * 96 / 72


def _fits_above_giro(document: Document) -> bool:
    """Whether the document's flow (head, lines, balance) ends above where the form sits."""
    if len(document.pages) != 1:
        return False
    boxes = [document.pages[0]._page_box]  # WeasyPrint's laid-out boxes (pinned version)
    while boxes:
        box = boxes.pop()
        if getattr(box, "element_tag", None) == "body":
            return box.position_y + box.margin_height() <= _FLOW_BOTTOM_PX
        boxes.extend(getattr(box, "children", ()))
    return False


def render_giro_pdf(html: Callable[[bool], str]) -> bytes:
    """A PDF of a document with the giro form (an invoice, a letter); ``html(giro_last)``.

    The form is the first page's footnote (pdf.css), so that a long table moves on to page 2
    above it; WeasyPrint lays a footnote out twice (once to measure the footnote area, once on
    the page), a sixth of a letter's time. A document that fits on one page, nearly all of
    them, is laid out with the form last in the body, placed absolutely where the footnote
    would put it and so painted last, as the footnote is: the same boxes at the same places
    and the same text in the same order. One whose flow would reach the form is laid out
    again as a footnote.
    """
    document = render_document(html(True))
    if not _fits_above_giro(document):
        document = render_document(html(False))
    return document.write_pdf()


def _ascii_slug(text: str) -> str:
    # slugify drops "/" and "." silently; invoice "2026/42" should become 2026-42, not 202642.
    return slugify(_NON_WORD.sub(" ", text))[:40].strip("-")


def invoice_pdf_filename(invoice: Invoice) -> str:
    """``lasku-helsingin-energia-oy-100042.pdf``: ASCII only, in the invoice's language."""
    word = DOCUMENT_WORD.get(invoice.language, DOCUMENT_WORD["en"])
    creditor = _ascii_slug(invoice.creditor.name) or "creditor"
    number = _ascii_slug(invoice.number) or str(invoice.pk)
    return f"{word}-{creditor}-{number}.pdf"
