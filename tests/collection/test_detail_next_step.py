"""The invoice page tells what happens next, the interest accrued, the letters and overpayments.

Issue 7 ("what happens next and when", interest in the balance, letters listed on the invoice
page) and issue 5 (the payer is told about an overpayment at once).
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from collection.models import Letter
from collection.next_step import next_step_text
from collection.selectors import accrued_interest, next_step_for
from invoices.models import Charge, ChargeKind, CreditorUser, EventKind, InvoiceLine, Stage
from invoices.selectors import with_balance
from invoices.services import invoice_record_event
from payments.allocation import allocate_payment
from payments.models import Allocation, Payment, PaymentSource
from tests.factories import UserFactory

D = Decimal


def today() -> date:
    return timezone.localdate()


def short(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def detail_url(invoice) -> str:
    return reverse("invoices:detail", args=[invoice.pk])


def page(client, invoice) -> str:
    response = client.get(detail_url(invoice))
    assert response.status_code == 200
    return response.content.decode()


def move_due_date(invoice, due: date) -> None:
    invoice.due_date = invoice.original_due_date = due
    invoice.issue_date = due - timedelta(days=14)
    invoice.save()


def with_balance_of(invoice):
    return with_balance(type(invoice).objects.filter(pk=invoice.pk)).get()


# --- What happens next ---------------------------------------------------------------------


def test_open_invoice_not_yet_due_says_when_the_first_reminder_comes(alice_client, alice_invoice):
    move_due_date(alice_invoice, today() + timedelta(days=10))
    html = page(alice_client, alice_invoice)
    reminder_day = short(today() + timedelta(days=10 + 15))
    expected = (
        f"If the invoice is not paid, a payment reminder is sent on {reminder_day} (fee €5.00)."
    )
    assert expected in html
    assert "What happens next" in html


def test_overdue_invoice_says_the_reminder_is_due_now_with_its_fee(alice_client, alice_invoice):
    move_due_date(alice_invoice, today() - timedelta(days=20))
    decision = next_step_for(alice_invoice, today())
    assert decision.on == today() and decision.fee == D("5.00")
    html = page(alice_client, alice_invoice)
    assert (
        f"If the invoice is not paid, a payment reminder is sent on {short(today())} "
        "(fee €5.00)." in html
    )


def test_full_schedule_lists_every_step_with_its_date_and_fee(alice_client, alice_invoice):
    move_due_date(alice_invoice, today() + timedelta(days=10))
    response = alice_client.get(detail_url(alice_invoice))
    schedule = response.context["outlook"].schedule
    assert [row.label for row in schedule] == [
        "Payment reminder",
        "Payment demand",
        "Second payment demand",
        "Legal-collection notice",
        "Legal collection",
    ]
    assert schedule[0].on == today() + timedelta(days=25)
    assert [row.fee for row in schedule][:3] == [D("5.00"), D("14.00"), D("7.00")]
    html = response.content.decode()
    assert "<details" in html and "Full schedule if unpaid" in html
    assert short(schedule[1].on) in html
    assert "€14.00" in html


def test_disputed_invoice_says_collection_is_paused(alice_client, alice_invoice):
    move_due_date(alice_invoice, today() - timedelta(days=20))
    alice_invoice.disputed = True
    alice_invoice.save()
    html = page(alice_client, alice_invoice)
    assert "Collection is paused while the invoice is disputed." in html
    assert "Full schedule if unpaid" not in html


def test_paid_invoice_says_nothing_more_happens(alice_client, alice_invoice):
    allocate_payment(
        payment=Payment.objects.create(
            source=PaymentSource.BANK, external_id="paid-1", amount=D("100.00"), paid_on=today()
        ),
        invoice=alice_invoice,
        amount=D("100.00"),
    )
    alice_invoice.refresh_from_db()
    assert alice_invoice.stage == Stage.PAID
    html = page(alice_client, alice_invoice)
    assert "Nothing more happens: the invoice is paid." in html
    assert "Interest accrued" not in html


def test_next_step_text_matches_the_engine_for_the_page(alice_client, alice_invoice):
    move_due_date(alice_invoice, today() - timedelta(days=3))
    html = page(alice_client, alice_invoice)
    assert next_step_text(next_step_for(alice_invoice, today())) in html


def test_creditor_users_see_the_next_step_too(client, alice_invoice):
    from tests.invoices.test_admin import mfa_login

    clerk = UserFactory()
    CreditorUser.objects.create(creditor=alice_invoice.creditor, user=clerk)
    mfa_login(client, clerk)
    response = client.get(reverse("creditor:invoice", args=[alice_invoice.pk]))
    assert "a payment reminder is sent on" in response.content.decode()


# --- Interest accrued until today ------------------------------------------------------------


@pytest.fixture
def overdue_since_march(alice_invoice):
    """Overdue from 1.3.2026, inside the half-year whose reference rate the migrations seed."""
    move_due_date(alice_invoice, date(2026, 3, 1))
    return alice_invoice


def test_overdue_invoice_shows_interest_accrued_and_the_amount_to_pay_today(
    alice_client, overdue_since_march
):
    accrued = accrued_interest(overdue_since_march, today())
    assert accrued > 0
    response = alice_client.get(detail_url(overdue_since_march))
    outlook = response.context["outlook"]
    assert outlook.accrued_interest == accrued
    assert response.context["payoff"].total == D("100.00") + accrued
    html = response.content.decode()
    assert "Interest accrued until" in html
    assert f"€{accrued}" in html
    assert "Amount to pay today" in html
    assert f"€{D('100.00') + accrued}" in html
    assert "accrues daily at the legal rate" in html


def test_payment_codes_carry_the_amount_to_pay_today_dated_today(alice_client, overdue_since_march):
    # Issue 10, item 4: the codes, the page and the allocation ask for one figure.
    response = alice_client.get(detail_url(overdue_since_march))
    codes = response.context["codes"]
    accrued = accrued_interest(overdue_since_march, today())
    assert accrued > 0
    assert codes.amount == D("100.00") + accrued == response.context["payoff"].total
    assert codes.due_date == today()
    assert codes.barcode.endswith(today().strftime("%y%m%d"))
    assert "late-payment interest until today included" in response.content.decode()


def test_interest_is_accrued_until_the_last_day_with_a_known_reference_rate(
    alice_client, overdue_since_march
):
    # The seeded table ends on 30.6.2026: later days accrue nothing until staff add the rate.
    outlook = alice_client.get(detail_url(overdue_since_march)).context["outlook"]
    if today() > date(2026, 6, 30):
        assert outlook.accrued_through == date(2026, 6, 30)
        assert f"Interest accrued until {short(date(2026, 6, 30))}" in page(
            alice_client, overdue_since_march
        )


def test_interest_accrued_until_today_when_the_rate_is_known(alice_client, overdue_since_march):
    from collection.models import ReferenceRate

    ReferenceRate.objects.create(
        start=date(2026, 7, 1), end=today() + timedelta(days=366), rate=D("2.00")
    )
    html = page(alice_client, overdue_since_march)
    assert "Interest accrued until today" in html
    assert f"€{accrued_interest(overdue_since_march, today())}" in html


def test_open_invoice_not_yet_due_shows_no_accrued_interest(alice_client, alice_invoice):
    html = page(alice_client, alice_invoice)
    assert "Interest accrued" not in html
    assert "Amount to pay today" not in html


# --- Letters ---------------------------------------------------------------------------------


@pytest.fixture
def reminder_letter(alice_invoice):
    return Letter.objects.create(
        invoice=alice_invoice,
        step="reminder_1",
        language="en",
        letter_date=date(2026, 3, 15),
        due_date=date(2026, 3, 29),
        pdf=ContentFile(b"%PDF-1.7 a reminder", name="letter.pdf"),
    )


def test_letters_are_listed_with_date_kind_and_a_working_pdf_link(
    alice_client, alice_invoice, reminder_letter
):
    html = page(alice_client, alice_invoice)
    letter_url = reverse("letters:pdf", args=[reminder_letter.pk])
    assert "Letters" in html
    assert short(date(2026, 3, 15)) in html
    assert "Payment reminder" in html
    assert f'href="{letter_url}"' in html
    response = alice_client.get(letter_url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_bob_gets_404_on_alices_letter(bob_client, reminder_letter):
    assert bob_client.get(reverse("letters:pdf", args=[reminder_letter.pk])).status_code == 404


def test_a_letter_not_rendered_yet_is_not_listed(alice_client, alice_invoice, reminder_letter):
    Letter.objects.filter(pk=reminder_letter.pk).update(pdf="")
    assert reverse("letters:pdf", args=[reminder_letter.pk]) not in page(
        alice_client, alice_invoice
    )


# --- Overpayments ----------------------------------------------------------------------------


def test_alice_is_told_about_her_overpayment_on_the_invoice_page(alice_client, alice_invoice):
    result = allocate_payment(
        payment=Payment.objects.create(
            source=PaymentSource.BANK, external_id="over-1", amount=D("130.00"), paid_on=today()
        ),
        invoice=alice_invoice,
        amount=D("130.00"),
    )
    html = page(alice_client, alice_invoice)
    assert "You paid €30.00 too much." in html
    assert reverse("payments:bank_account_notice", args=[result.overpayment.pk]) in html


def test_no_overpayment_notice_without_an_overpayment(alice_client, alice_invoice):
    assert "too much" not in page(alice_client, alice_invoice)


# --- Navigation ------------------------------------------------------------------------------


def test_nav_shows_payments_and_help_for_signed_in_users(alice_client, alice_invoice):
    html = page(alice_client, alice_invoice)
    nav = html[html.index('class="main-nav"') : html.index("</nav>")]
    assert f'href="{reverse("payments:list")}"' in nav and ">Payments<" in nav
    assert f'href="{reverse("help")}"' in nav and ">Help<" in nav
    assert f'href="{reverse("messaging:inbox")}"' in nav and ">Messages<" in nav


# --- Queries ---------------------------------------------------------------------------------


def test_invoice_page_needs_a_fixed_number_of_queries_however_long_its_history(
    alice_client, alice, alice_invoice, django_assert_max_num_queries
):
    invoice = alice_invoice
    move_due_date(invoice, date(2026, 3, 1))
    helpers = [UserFactory() for _ in range(5)]
    for n in range(2, 12):
        InvoiceLine.objects.create(
            invoice=invoice,
            position=n,
            description=f"Rivi {n}",
            quantity=1,
            unit_price=D("1.00"),
            vat_rate=D("25.50"),
            net_total=D("1.00"),
            vat_total=D("0.26"),
            gross_total=D("1.26"),
        )
    for n in range(10):
        Charge.objects.create(
            invoice=invoice,
            kind=ChargeKind.INTEREST if n % 2 else ChargeKind.REMINDER_FEE,
            amount=D("1.00"),
            booked_on=date(2026, 3, 2) + timedelta(days=n),
            rule="consumer.reminder_1" if n % 2 == 0 else "consumer.interest_margin",
            period_start=date(2026, 3, 2) if n % 2 else None,
            period_end=date(2026, 3, 2) + timedelta(days=n) if n % 2 else None,
            legal_cap=D("5.00"),
            creditor_setting=D("5.00"),
            explanation="Stored explanation.",
            idempotency_key=f"charge-{n}",
        )
    for n, step in enumerate(["reminder_1", "demand_1", "demand_2"]):
        Letter.objects.create(
            invoice=invoice,
            step=step,
            language="en",
            letter_date=date(2026, 3, 15) + timedelta(days=14 * n),
            due_date=date(2026, 3, 29) + timedelta(days=14 * n),
            pdf=ContentFile(b"%PDF-1.7", name="letter.pdf"),
        )
    for n in range(20):
        invoice_record_event(
            invoice=invoice,
            kind=EventKind.MESSAGE,
            actor=helpers[n % 5],
            on_behalf_of=alice if n % 2 else None,
        )
    payment = Payment.objects.create(
        source=PaymentSource.BANK, external_id="part-1", amount=D("10.00"), paid_on=today()
    )
    Allocation.objects.create(payment=payment, invoice=invoice, component="principal", amount=10)
    alice_client.get(detail_url(invoice))  # the day's "viewed" event is written once
    # 21: whether the viewer manages the claims comes with the permission query, and whether
    # they see it as its debtor from the visibility rule the invoice was loaded by (issue 16);
    # the open dispute and the viewer's overpayments are one query each (issue 13); none grows
    # with the history above; + 4 for the payoff (issue 10, item 4: its charges, the payments
    # per component, the credit notes and the rate table); + 1 for the invoice's active plan,
    # which the page shows instead of the pay buttons (issue 12, item 13).
    with django_assert_max_num_queries(26):
        response = alice_client.get(detail_url(invoice))
    assert response.status_code == 200
    assert len(response.context["letters"]) == 3
    assert len(response.context["charges"]) == 10
    assert with_balance_of(invoice).open_balance == response.context["invoice"].open_balance
