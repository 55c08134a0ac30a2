"""The invoice PDF, rendered for real by WeasyPrint and read back with pypdf.

One Finnish invoice is rendered once for the module (rendering takes about a second); the
rows it needs are created inside a transaction that is rolled back when the PDF is done.
"""

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from pypdf import PdfReader
from weasyprint import HTML

from collection.models import ReferenceRate
from collection.payoff import payoff_for
from invoices.models import Charge, ChargeKind, Invoice, InvoiceAccess, InvoiceLine, Stage
from invoices.pdf import (
    STATIC_DIR,
    LocalOnlyURLFetcher,
    RefusedURL,
    invoice_pdf_bytes,
    invoice_pdf_filename,
    invoice_pdf_html,
    render_pdf,
)
from invoices.references import bank_barcode, national_reference_from_base
from myropo.templatetags.money import format_euros
from payments.models import Allocation, Payment
from tests.factories import CreditorFactory, InvoiceFactory

DUE = date(2026, 3, 5)
D25 = Decimal("2.50")
REFERENCE = national_reference_from_base("2026004217")


def make_invoice(**fields):
    creditor = CreditorFactory(
        name="Helsingin Energia Oy",
        business_id="2331972-7",
        street="Kampinkuja 2",
        postcode="00100",
        city="Helsinki",
    )
    defaults = {
        "creditor": creditor,
        "number": "2026-0042",
        "with_line": False,
        "debtor_name": "Alice Aaltonen",
        "issue_date": date(2026, 2, 19),
        "due_date": DUE,
        "original_due_date": DUE,
        "reference": REFERENCE,
        "principal": Decimal("1369.00"),
    }
    invoice = InvoiceFactory(**(defaults | fields))
    for position, (net, rate, vat) in enumerate(
        [("1000.00", "25.50", "255.00"), ("100.00", "14.00", "14.00")], start=1
    ):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            description=f"Rivi {position}",
            quantity=Decimal("1"),
            unit_price=Decimal(net),
            vat_rate=Decimal(rate),
            net_total=Decimal(net),
            vat_total=Decimal(vat),
            gross_total=Decimal(net) + Decimal(vat),
        )
    Charge.objects.create(
        invoice=invoice,
        kind=ChargeKind.REMINDER_FEE,
        amount=Decimal("5.00"),
        booked_on=date(2026, 3, 20),
        rule="consumer_reminder_fee",
        legal_cap=Decimal("5.00"),
        idempotency_key="reminder-1",
    )
    payment = Payment.objects.create(
        source="bank", external_id="bank-1", amount=Decimal("69.00"), paid_on=date(2026, 3, 1)
    )
    Allocation.objects.create(
        payment=payment, invoice=invoice, component="principal", amount=Decimal("69.00")
    )
    return invoice


def plain(text: str) -> str:
    # Money uses (narrow) no-break spaces and pypdf breaks lines; compare with plain spaces.
    return " ".join(text.split())


def pdf_text(pdf: bytes) -> str:
    return plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


@dataclass(frozen=True)
class Rendered:
    pdf: bytes
    html: str
    text: str
    myropo_id: str
    barcode: str
    amount: Decimal  # the payoff on the day of rendering (overdue: today's, interest included)
    on: date


# 1369.00 + 5.00 fee − 69.00 paid
OPEN_BALANCE = Decimal("1305.00")


@pytest.fixture(scope="module")
def finnish(django_db_setup, django_db_blocker) -> Rendered:
    with django_db_blocker.unblock(), transaction.atomic():
        # Its own rate table: a transactional test elsewhere may have flushed the seeded one.
        ReferenceRate.objects.all().delete()
        ReferenceRate.objects.create(
            start=date(2025, 1, 1), end=timezone.localdate() + timedelta(days=400), rate=D25
        )
        invoice = make_invoice(language="fi")
        on = timezone.localdate()
        amount = payoff_for(invoice, on).total
        pdf = invoice_pdf_bytes(invoice)
        rendered = Rendered(
            pdf=pdf,
            html=invoice_pdf_html(invoice),
            text=pdf_text(pdf),
            myropo_id=invoice.myropo_id_display,
            barcode=bank_barcode(invoice.creditor.iban, amount, REFERENCE, on),
            amount=amount,
            on=on,
        )
        transaction.set_rollback(True)
    return rendered


def test_pdf_is_one_a4_page(finnish):
    reader = PdfReader(io.BytesIO(finnish.pdf))

    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(595.3, abs=1)
    assert float(box.height) == pytest.approx(841.9, abs=1)


def test_pdf_prints_each_lines_vat_rate_with_a_percent_sign(finnish):
    # Issue 12 item 16: "25,5 %", not a bare "25,5" under the column heading.
    text = finnish.text.replace("\u00a0", " ")
    assert "Rivi 1 1 1 000,00 € 25,5 % 1 000,00 €" in text
    assert "Rivi 2 1 100,00 € 14 % 100,00 €" in text


def test_pdf_is_titled_in_finnish(finnish):
    assert "LASKU" in finnish.text


def test_pdf_shows_the_reference_in_groups_of_five(finnish):
    assert "2 02600 42176" in finnish.text


def test_pdf_shows_the_open_balance_formatted(finnish):
    assert plain(format_euros(OPEN_BALANCE, "fi")) in finnish.text  # "1 305,00 €"


def test_an_overdue_invoice_pdf_asks_for_todays_payoff_on_the_giro_form(finnish):
    # Issue 10, item 4: the giro form, its barcode and the page carry one figure, interest
    # through the day included, dated that day.
    assert finnish.amount > OPEN_BALANCE
    giro = plain(format_euros(finnish.amount, "fi")).removesuffix(" €")
    assert f"Euro {giro}" in finnish.text
    assert f"Eräpäivä Förfallodag {finnish.on.day}.{finnish.on.month}.{finnish.on.year}" in (
        finnish.text
    )


def test_pdf_shows_the_due_date_on_the_invoice_and_the_giro_form_in_one_format(finnish):
    assert "5.3.2026" in finnish.text  # the invoice's own due date, on the invoice
    assert "05.03.2026" not in finnish.text


def test_pdf_prints_the_myropo_id_and_how_to_use_it(finnish):
    assert finnish.myropo_id in finnish.text
    assert f"MyRopo-tunnuksella {finnish.myropo_id}" in finnish.text


def test_pdf_shows_the_invoice_number(finnish):
    assert "2026-0042" in finnish.text


def test_pdf_prints_the_54_barcode_digits_under_the_bars(finnish):
    assert len(finnish.barcode) == 54
    assert finnish.barcode in finnish.text


def test_pdf_giro_form_has_the_bilingual_bank_labels(finnish):
    for label in (
        "Saajan tilinumero Mottagarens kontonummer",
        "Saaja Mottagare",
        "Maksajan nimi ja osoite Betalarens namn och adress",
        "Viitenro Ref.nr",
        "TILISIIRTO GIRERING",
        "FI79 4405 2020 0360 82",
    ):
        assert label in finnish.text


def test_pdf_lists_lines_vat_summary_and_the_balance_breakdown(finnish):
    text = finnish.text
    assert "Rivi 1" in text and "Rivi 2" in text
    # VAT summary: one row per rate.
    assert "25,5 % 1 000,00 € 255,00 € 1 255,00 €" in text
    assert "14 % 100,00 € 14,00 € 114,00 €" in text
    assert "Pääoma 1 369,00 €" in text
    assert "Kulut 5,00 €" in text
    assert "Korko 0,00 €" in text
    assert "Vastaanotetut maksut −69,00 €" in text
    assert "Muistutusmaksu" in text


def test_pdf_embeds_the_barcode_and_the_qr_code(finnish):
    # The barcode SVG becomes vector paths in the PDF; the QR code stays a PNG image.
    assert 'src="data:image/svg+xml;base64,' in finnish.html
    assert len(PdfReader(io.BytesIO(finnish.pdf)).pages[0].images) == 1


@pytest.mark.parametrize(
    ("language", "title", "amount"),
    [("sv", "FAKTURA", "1 305,00 €"), ("en", "INVOICE", "€1,305.00")],
)
def test_invoice_in_another_language_gets_its_title(db, language, title, amount):
    text = pdf_text(invoice_pdf_bytes(make_invoice(language=language)))

    assert title in text
    assert "LASKU" not in text
    assert amount in text


def _in_collection(letter_due: date):
    from collection.models import Letter

    invoice = make_invoice(stage=Stage.COLLECTION)
    today = timezone.localdate()
    Letter.objects.create(
        invoice=invoice,
        step="demand_1",
        language="fi",
        letter_date=min(letter_due, today) - timedelta(days=14),
        due_date=letter_due,
        pdf=ContentFile(b"%PDF-1.7", name="letter.pdf"),
    )
    return invoice


def test_an_invoice_in_collection_prints_its_latest_letters_date_in_barcode_and_giro(db):
    # Issue 12 item 16: the letter's pay-by date, not the long-past 5.3.2026 of the invoice.
    letter_due = timezone.localdate() + timedelta(days=9)
    invoice = _in_collection(letter_due)

    text = pdf_text(invoice_pdf_bytes(invoice))

    giro_day = f"{letter_due.day}.{letter_due.month}.{letter_due.year}"
    assert f"Eräpäivä Förfallodag {giro_day}" in text
    barcode = next(word for word in text.split() if len(word) == 54 and word.isdigit())
    assert barcode.endswith(letter_due.strftime("%y%m%d"))
    assert barcode == bank_barcode(
        invoice.creditor.iban, payoff_for(invoice, letter_due).total, REFERENCE, letter_due
    )


def test_an_invoice_whose_last_letter_has_passed_prints_no_due_date_in_barcode_and_giro(db):
    invoice = _in_collection(timezone.localdate() - timedelta(days=3))

    text = pdf_text(invoice_pdf_bytes(invoice))

    barcode = next(word for word in text.split() if len(word) == 54 and word.isdigit())
    assert barcode.endswith("000000")
    assert "Eräpäivä Förfallodag Euro" in text
    assert "Eräpäivä Förfallodag 5.3.2026" not in text


def test_paid_invoice_has_no_barcode_and_no_qr_code(db):
    invoice = make_invoice(principal=Decimal("64.00"))  # 64 + 5 fee − 69 paid = 0

    html = invoice_pdf_html(invoice)

    assert "data:image/svg+xml" not in html
    assert "data:image/png" not in html
    assert "TILISIIRTO" in html


def test_credited_invoice_asks_for_nothing_even_with_a_balance_left(db):
    invoice = make_invoice(stage=Stage.CREDITED)

    html = invoice_pdf_html(invoice)

    assert "data:image/svg+xml" not in html
    assert plain(format_euros(OPEN_BALANCE, "fi")) in plain(html)  # still shown as the balance


def test_fetcher_refuses_the_network():
    fetcher = LocalOnlyURLFetcher()

    for url in ("http://example.test/logo.png", "https://example.test/x.css", "ftp://x/y"):
        with pytest.raises(RefusedURL):
            fetcher(url)


def test_weasyprint_with_the_fetcher_skips_a_remote_image(caplog):
    html = '<p>x</p><img src="http://192.0.2.1/tracker.png">'

    HTML(string=html, url_fetcher=LocalOnlyURLFetcher()).write_pdf()

    assert "RefusedURL" in caplog.text


def test_fetcher_refuses_files_outside_the_invoice_static_dir():
    fetcher = LocalOnlyURLFetcher()

    with pytest.raises(RefusedURL):
        fetcher("file:///etc/passwd")
    with pytest.raises(RefusedURL):
        fetcher((STATIC_DIR / ".." / ".." / "models.py").as_uri())
    with pytest.raises(RefusedURL):
        fetcher("file://elsewhere.test" + (STATIC_DIR / "pdf.css").as_posix())


def test_fetcher_serves_data_uris_and_the_print_stylesheet():
    fetcher = LocalOnlyURLFetcher()

    data = fetcher("data:text/plain;base64,aGVq")
    css = fetcher((STATIC_DIR / "pdf.css").as_uri())

    assert data.read() == b"hej"
    assert css.content_type == "text/css"
    assert b"@page" in css.read()


@pytest.mark.parametrize(
    ("language", "filename"),
    [
        ("fi", "lasku-saastopankki-aland-oy-2026-42.pdf"),
        ("sv", "faktura-saastopankki-aland-oy-2026-42.pdf"),
        ("en", "invoice-saastopankki-aland-oy-2026-42.pdf"),
    ],
)
def test_filename_is_ascii_and_in_the_invoices_language(language, filename):
    creditor = CreditorFactory.build(name="Säästöpankki Åland Oy")
    invoice = InvoiceFactory.build(creditor=creditor, number="2026/42", language=language)

    assert invoice_pdf_filename(invoice) == filename
    assert invoice_pdf_filename(invoice).isascii()


# --- The invoice page's codes are the PDF's (issue 12) ----------------------------------------


def _page_barcode(client, invoice) -> str:
    html = client.get(f"/invoices/{invoice.pk}/").content.decode()
    return re.search(r'data-copy="(\d{54})"', html).group(1)


def _pdf_barcode(invoice) -> str:
    text = pdf_text(invoice_pdf_bytes(invoice))
    return next(word for word in text.split() if len(word) == 54 and word.isdigit())


@pytest.mark.parametrize("days", [9, -3], ids=["letter-ahead", "letter-passed"])
def test_the_invoice_page_shows_the_barcode_of_the_pdfs_giro(alice, alice_client, days):
    letter_due = timezone.localdate() + timedelta(days=days)
    invoice = _in_collection(letter_due)
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")

    page_barcode = _page_barcode(alice_client, invoice)

    assert page_barcode == _pdf_barcode(invoice)
    assert page_barcode.endswith(letter_due.strftime("%y%m%d") if days > 0 else "000000")
    if days > 0:  # the figure is the payoff on that day, and the page says so
        day = f"{letter_due.day} {letter_due:%b} {letter_due.year}"  # alice reads English
        html = alice_client.get(f"/invoices/{invoice.pk}/").content.decode()
        assert f"The payment codes carry the amount to pay on {day}, their due date" in html


def test_an_overdue_invoice_without_letters_has_one_barcode_on_page_and_pdf(alice, alice_client):
    invoice = make_invoice()  # due 5.3.2026, long past on the suite's day, no letters
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")

    page_barcode = _page_barcode(alice_client, invoice)

    assert page_barcode == _pdf_barcode(invoice)
    assert page_barcode.endswith(timezone.localdate().strftime("%y%m%d"))


def test_the_english_pdfs_giro_writes_its_due_date_as_in_finland(db):
    letter_due = timezone.localdate() + timedelta(days=9)
    invoice = _in_collection(letter_due)
    Invoice.objects.filter(pk=invoice.pk).update(language="en")
    invoice.refresh_from_db()

    text = pdf_text(invoice_pdf_bytes(invoice))

    assert f"Eräpäivä Förfallodag {letter_due.day}.{letter_due.month}.{letter_due.year}" in text
    assert f"Eräpäivä Förfallodag {letter_due.day} {letter_due:%b}" not in text


def _page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_a_one_page_invoice_reads_as_with_the_giro_form_as_its_footnote(db):
    # invoices.pdf.render_giro_pdf places the form absolutely (laid out once, not twice):
    # the same text in the same order as the footnote layout.
    invoice = make_invoice()
    footnote = render_pdf(invoice_pdf_html(invoice))
    assert _page_texts(invoice_pdf_bytes(invoice)) == _page_texts(footnote)


def test_a_long_invoice_keeps_the_giro_form_on_page_one_and_runs_on_to_page_two(db):
    invoice = make_invoice()
    for position in range(3, 30):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=position,
            description=f"Rivi {position}",
            quantity=Decimal("1"),
            unit_price=Decimal("1.00"),
            vat_rate=Decimal("25.50"),
            net_total=Decimal("1.00"),
            vat_total=Decimal("0.26"),
            gross_total=Decimal("1.26"),
        )
    pages = _page_texts(invoice_pdf_bytes(invoice))
    assert len(pages) == 2
    assert "TILISIIRTO" in pages[0] and "TILISIIRTO" not in pages[1]
    assert pages == _page_texts(render_pdf(invoice_pdf_html(invoice)))
