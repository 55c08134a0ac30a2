"""Fee explanations in the reader's language (issue 12 item 4).

A charge is explained from its rule code and figures, amounts in the locale's format: never
the text stored with it ("24.00 € pääomalla 144.59 €"), which is in the language of the
moment it was booked. Checked on the invoice page and in the PDF text (pypdf).
"""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from invoices.models import Charge, ChargeKind, InvoiceAccess
from invoices.pdf import invoice_pdf_bytes
from tests.factories import InvoiceFactory

STORED = "Ensimmäisen maksuvaatimuksen kulu enintään 24.00 € pääomalla 144.59 €"

# What each language must say about the 24,00 € demand fee on a 144,59 € principal.
EXPECTED = {
    "fi": [
        "Maksuvaatimuksen kulu 24,00 €",
        "lakisääteinen enimmäismäärä 24,00 €",
        "pääoma yli 100,00 €, enintään 1 000,00 €",
    ],
    "sv": [
        "Avgift för betalningskrav 24,00 €",
        "lagstadgat maximibelopp 24,00 €",
        "kapital över 100,00 € och högst 1 000,00 €",
    ],
    "en": [
        "Payment demand fee €24.00",
        "legal maximum €24.00",
        "principal over €100.00 up to €1,000.00",
    ],
}


def plain(text: str) -> str:
    # Money carries (narrow) no-break spaces and pypdf breaks lines: compare with spaces.
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


def _with_demand_fee(invoice, rule: str):
    Charge.objects.create(
        invoice=invoice,
        kind=ChargeKind.DEMAND_FEE,
        amount=Decimal("24.00"),
        booked_on=timezone.localdate() - timedelta(days=3),
        rule=rule,
        creditor_setting=Decimal("24.00"),
        legal_cap=Decimal("24.00"),
        explanation=STORED,
        idempotency_key="demand:1",
    )
    return invoice


RULE = "consumer.demand_1.100_1000"
# The demo data's code before it named the rule table's rows: explained from its figures.
LEGACY = "demand_fee.first.consumer"


def _invoice(creditor, language: str, rule: str = RULE):
    return _with_demand_fee(
        InvoiceFactory(
            creditor=creditor,
            language=language,
            principal=Decimal("144.59"),
            due_date=timezone.localdate() + timedelta(days=10),
            original_due_date=timezone.localdate() + timedelta(days=10),
        ),
        rule,
    )


@pytest.mark.parametrize("rule", [RULE, LEGACY])
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_invoice_page_explains_a_fee_in_the_readers_language(
    client, alice, creditor, language, rule
):
    alice.preferred_language = language
    alice.save(update_fields=["preferred_language"])
    invoice = _invoice(creditor, "fi", rule)
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    client.force_login(alice)

    html = plain(client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode())

    for fragment in EXPECTED[language][: 3 if rule == RULE else 2]:
        assert fragment in html
    assert "pääomalla" not in html
    assert "24.00 €" not in html


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_pdf_explains_a_fee_in_its_language_with_the_locales_numbers(creditor, language):
    invoice = _invoice(creditor, language)

    pdf = invoice_pdf_bytes(invoice)
    text = plain(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))

    for fragment in EXPECTED[language]:
        assert fragment in text
    assert "pääomalla" not in text
    assert "24.00 €" not in text
