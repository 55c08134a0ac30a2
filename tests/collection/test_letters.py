"""Reminder and collection letters: the PDF's text, the notification mail and the archive.

Issue 7, "What must work" 5 and 7.
"""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from collection.cycle import run_collection_cycle
from collection.letters import explain_charge, letter_html, letter_pdf_bytes, letter_pdf_read
from collection.models import Letter
from collection.selectors import letters_for
from invoices.models import Charge, ChargeKind, CreditorSettings, InvoiceAccess
from invoices.pdf import render_pdf
from invoices.references import format_reference
from tests.factories import InvoiceFactory, UserFactory

D = Decimal
DUE = date(2026, 1, 31)
REMINDER_DAY = DUE + timedelta(days=15)  # Ombudsman 2024: day 15 at the earliest
MESSAGE = "Muistathan maksaa sähkölaskusi, kiitos!"


@pytest.fixture
def reminded(creditor, alice, django_capture_on_commit_callbacks):
    CreditorSettings.objects.filter(creditor=creditor).update(reminder_message=MESSAGE)
    invoice = InvoiceFactory(
        creditor=creditor,
        issue_date=DUE - timedelta(days=14),
        due_date=DUE,
        principal=D("100.00"),
        debtor_email="debtor@example.test",
        language="fi",
    )
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    muted = UserFactory(email="muted@example.test", notify_reminder=False)
    InvoiceAccess.objects.create(invoice=invoice, user=muted, method="myropo_id")
    with django_capture_on_commit_callbacks(execute=True):
        run_collection_cycle(today=REMINDER_DAY)
    return invoice


def pdf_text(letter: Letter) -> str:
    reader = PdfReader(io.BytesIO(letter_pdf_read(letter)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_reminder_letter_is_rendered_with_reference_amount_date_message_and_barcode(
    reminded,
):
    letter = Letter.objects.get(invoice=reminded)
    assert letter.rendered_at is not None and letter.sent_at is not None
    text = pdf_text(letter)
    assert "Maksumuistutus" in text or "Payment reminder" in text
    assert format_reference(reminded.reference) in text
    interest = Charge.objects.get(invoice=reminded, kind=ChargeKind.INTEREST).amount
    # The figure that pays the invoice off on the pay-by date (issue 10, item 4): the interest
    # booked with the reminder plus the interest until the pay-by date.
    from collection.payoff import payoff_for

    payoff = payoff_for(reminded, letter.due_date)
    assert payoff.interest_accrued > 0
    assert payoff.accrued_through == letter.due_date
    total = D("100.00") + D("5.00") + interest + payoff.interest_accrued
    assert total == payoff.total
    assert f"{total:.2f}".replace(".", ",") in text
    assert "4.3.2026" in text  # pay by: 10 days after the latest delivery by post (7 days)
    assert MESSAGE in text
    barcode = letter.invoice and _barcode(reminded, total, letter.due_date)
    assert barcode in text.replace(" ", "")


def _barcode(invoice, amount, due):
    from invoices.references import bank_barcode

    return bank_barcode(invoice.creditor.iban, amount, invoice.reference, due)


def test_a_letter_is_rendered_only_once(reminded):
    from collection.letters import letter_render

    letter = Letter.objects.get(invoice=reminded)
    first = (letter.pdf.name, letter_pdf_read(letter))
    assert letter_render(letter_id=letter.pk) is False
    letter.refresh_from_db()
    assert (letter.pdf.name, letter_pdf_read(letter)) == first


def _text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_a_one_page_letter_reads_as_with_the_giro_form_as_its_footnote(reminded):
    # The giro form placed absolutely instead of as a footnote (laid out once, not twice):
    # the same text in the same order as the footnote layout gives.
    letter = Letter.objects.get(invoice=reminded)
    footnote = render_pdf(letter_html(letter))
    assert _text(letter_pdf_bytes(letter)) == _text(footnote)
    assert len(_text(footnote)) == 1


def test_a_long_letter_keeps_the_giro_form_on_page_one_and_runs_on_to_page_two(reminded):
    for n in range(12):
        Charge.objects.create(
            invoice=reminded,
            kind=ChargeKind.REMINDER_FEE,
            amount=D("1.00"),
            booked_on=REMINDER_DAY,
            rule="consumer.reminder_1",
            idempotency_key=f"long-letter-{n}",
        )
    letter = Letter.objects.get(invoice=reminded)
    pages = _text(letter_pdf_bytes(letter))
    assert len(pages) == 2
    assert "TILISIIRTO" in pages[0] and "TILISIIRTO" not in pages[1]
    assert "2 / 2" in pages[1]
    assert pages == _text(render_pdf(letter_html(letter)))


def test_the_notification_goes_to_the_debtor_and_users_who_want_it_with_a_link(reminded):
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["alice@example.test", "debtor@example.test"]
    letter = Letter.objects.get(invoice=reminded)
    link = reverse("letters:pdf", args=[letter.pk])
    for message in mail.outbox:
        assert link in message.body
        assert not message.attachments
        assert reminded.number in message.subject


def test_sending_is_not_repeated(reminded):
    from collection.tasks import render_letter

    sent = len(mail.outbox)
    render_letter.delay(Letter.objects.get(invoice=reminded).pk)
    assert len(mail.outbox) == sent


def test_the_archive_lists_the_letter_and_alice_can_open_it(reminded, alice_client):
    letters = letters_for(reminded)
    assert [letter.step for letter in letters] == ["reminder_1"]
    response = alice_client.get(reverse("letters:pdf", args=[letters[0].pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_pdf_is_kept_in_the_private_letter_storage_not_the_database(reminded, letter_folder):
    letter = Letter.objects.get(invoice=reminded)
    # The month, the invoice, the step and a token of the render (collection.models.letter_path).
    assert re.search(
        rf"^\d{{4}}/\d{{2}}/{reminded.pk}-reminder_1-[0-9a-f]{{12}}\.pdf$", letter.pdf.name
    )
    assert (letter_folder / letter.pdf.name).read_bytes() == letter_pdf_read(letter)
    with pytest.raises(ValueError, match="no URL"):
        letter.pdf.url  # noqa: B018


def test_alice_gets_the_stored_pdf_inline_with_its_name_and_nosniff(reminded, alice_client):
    letter = Letter.objects.get(invoice=reminded)
    response = alice_client.get(reverse("letters:pdf", args=[letter.pk]))
    assert b"".join(response.streaming_content) == letter_pdf_read(letter)
    assert response["Content-Disposition"] == (
        f'inline; filename="reminder-1-{reminded.number}.pdf"'
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_an_unrendered_letter_is_404_even_for_alice(reminded, alice_client):
    letter = Letter.objects.get(invoice=reminded)
    Letter.objects.filter(pk=letter.pk).update(pdf="", rendered_at=None)
    assert alice_client.get(reverse("letters:pdf", args=[letter.pk])).status_code == 404
    assert letters_for(reminded) == []


def test_bob_gets_404_for_alices_letter(reminded, bob_client):
    letter = Letter.objects.get(invoice=reminded)
    assert bob_client.get(reverse("letters:pdf", args=[letter.pk])).status_code == 404


def test_the_letter_view_is_get_only_and_needs_a_login(reminded, client, alice_client):
    url = reverse("letters:pdf", args=[Letter.objects.get(invoice=reminded).pk])
    assert alice_client.post(url).status_code == 405
    client.logout()
    assert client.get(url).status_code == 302


def test_a_charge_explains_itself(reminded):
    fee = Charge.objects.get(invoice=reminded, kind=ChargeKind.REMINDER_FEE)
    with translation.override("en"):
        text = explain_charge(fee)
    assert text.startswith("Reminder fee €5.00 — creditor's fee €5.00, legal maximum €5.00")
    assert "consumer, first reminder on the 15th day after the due date at the earliest" in text


def test_a_demand_fee_names_its_bracket(creditor):
    charge = Charge(
        invoice=InvoiceFactory(creditor=creditor),
        kind=ChargeKind.DEMAND_FEE,
        amount=D("24.00"),
        booked_on=DUE,
        rule="consumer.demand_1.100_1000",
        creditor_setting=D("30.00"),
        legal_cap=D("24.00"),
    )
    with translation.override("en"):
        text = explain_charge(charge)
    assert "legal maximum €24.00" in text
    assert "1st payment demand, principal over €100.00 up to €1,000.00" in text


def test_an_old_charge_without_a_known_rule_is_explained_from_its_figures_not_its_stored_text(
    creditor,
):
    # Issue 12 item 4: the stored text is the language of the moment it was booked.
    charge = Charge(
        invoice=InvoiceFactory(creditor=creditor),
        kind=ChargeKind.DEMAND_FEE,
        amount=D("24.00"),
        booked_on=DUE,
        rule="demand_fee.first.consumer",
        legal_cap=D("24.00"),
        explanation="Ensimmäisen maksuvaatimuksen kulu enintään 24.00 € pääomalla 144.59 €",
    )
    with translation.override("en"):
        assert explain_charge(charge) == "Payment demand fee €24.00 — legal maximum €24.00"
