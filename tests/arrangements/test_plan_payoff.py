"""Issue 10, item 4 for plans: a plan never "completes" while its invoice is open.

Late-payment interest keeps running on the unpaid principal during the plan; the last
installment absorbs it (`arrangements.selectors.plan_progress`). Installments are paid as a
bank pays them (camt.054 with the installment's reference, on its date), followed by the real
daily plan check and collection cycle (Celery tasks).
"""

from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from arrangements.models import PlanState
from arrangements.pdf import plan_pdf_bytes
from arrangements.selectors import plan_progress
from arrangements.services import plan_create, plan_preview
from arrangements.tasks import check_plans
from collection.models import CollectionStep, ReferenceRate
from collection.payoff import payoff_for
from collection.tasks import run_collection_cycle
from invoices.models import Invoice, Stage
from invoices.selectors import with_balance
from myropo.templatetags.money import format_euros
from payments.models import BankFileImport, Overpayment
from payments.services import bank_file_import
from tests.payments.test_payoff import bank_file

D = Decimal


@pytest.fixture(autouse=True)
def rates(db):
    ReferenceRate.objects.all().delete()
    year = timezone.localdate().year
    for y in range(year - 2, year + 3):
        ReferenceRate.objects.create(start=date(y, 1, 1), end=date(y, 6, 30), rate=D("2.5"))
        ReferenceRate.objects.create(start=date(y, 7, 1), end=date(y, 12, 31), rate=D("2.5"))


@pytest.fixture
def plan(own_invoice, acting, today):
    invoice = own_invoice(
        principal=D("600.00"),
        due_date=today - timedelta(days=30),
        issue_date=today - timedelta(days=50),
    )
    invoice.original_due_date = invoice.due_date
    invoice.save(update_fields=["original_due_date"])
    current = with_balance(Invoice.objects.filter(pk=invoice.pk)).select_related("creditor").get()
    made = plan_create(
        invoices=[current],
        start=today + timedelta(days=7),
        installments=3,
        acting=acting,
        today=today,
    )
    # The plan starts from the payoff of the day, interest accrued so far included (its fee
    # is booked on the invoice with it).
    assert made.balance + made.fee == payoff_for(invoice, today).total
    assert payoff_for(invoice, today).interest_accrued > 0
    return made, invoice


def pay_installment(plan, installment, amount: Decimal, on: date, capture) -> None:
    with time_machine.travel(on, tick=False), capture(execute=True):
        bank_file_import(
            data=bank_file(
                account=plan.creditor.iban,
                reference=installment.reference,
                amount=amount,
                paid_on=on,
                key=f"{installment.pk}-{on.isoformat()}-{amount}",
            ),
            filename="plan.xml",
            source=BankFileImport.Source.COMMAND,
        )
        check_plans.delay()
        run_collection_cycle.delay(day=on.isoformat())


def test_plan_completes_only_when_its_invoice_is_paid_the_last_installment_taking_the_interest(
    plan, django_capture_on_commit_callbacks
):
    plan, invoice = plan
    first, second, last = plan.installments.order_by("number")
    for installment in (first, second):
        pay_installment(
            plan,
            installment,
            installment.amount,
            installment.due_date,
            django_capture_on_commit_callbacks,
        )
    # The scheduled amounts alone do not cover the interest of the plan's months.
    pay_installment(plan, last, last.amount, last.due_date, django_capture_on_commit_callbacks)
    plan.refresh_from_db()
    invoice.refresh_from_db()
    assert invoice.stage != Stage.PAID
    assert plan.state == PlanState.ACTIVE  # never "completed" while its invoice is open

    # The last installment now asks for exactly what closes the invoice on that day.
    with time_machine.travel(last.due_date, tick=False):
        row = plan_progress(plan, today=last.due_date, with_codes=True).rows[-1]
    assert not row.paid
    assert row.codes.amount == payoff_for(invoice, last.due_date).total > 0
    pay_installment(plan, last, row.codes.amount, last.due_date, django_capture_on_commit_callbacks)

    plan.refresh_from_db()
    invoice.refresh_from_db()
    assert invoice.stage == Stage.PAID
    assert plan.state == PlanState.COMPLETED
    assert not Overpayment.objects.filter(invoice=invoice).exists()
    # And the cycle leaves it alone afterwards.
    for offset in (1, 15, 30, 60):
        with django_capture_on_commit_callbacks(execute=True):
            run_collection_cycle.delay(day=(last.due_date + timedelta(days=offset)).isoformat())
    assert not CollectionStep.objects.filter(invoice=invoice).exists()


def _compact(text: str) -> str:
    return "".join(text.split())


def test_the_plan_page_and_pdf_show_the_last_installment_with_the_plans_interest(
    plan, alice_client
):
    plan, invoice = plan
    first, second, last = plan.installments.order_by("number")
    charged = payoff_for(invoice, last.due_date).total - first.amount - second.amount
    assert charged > last.amount  # the late-payment interest of the plan's months is in it

    page = alice_client.get(reverse("arrangements:plan_detail", args=[plan.pk]))
    row = page.context["progress"].rows[-1]
    assert row.installment == last
    assert row.amount == row.codes.amount == charged
    html = _compact(page.content.decode())
    assert (
        _compact(format_euros(charged, "en")) in html
        or _compact(format_euros(charged, "fi")) in html
    )

    text = _compact(
        "".join(page.extract_text() for page in PdfReader(BytesIO(plan_pdf_bytes(plan))).pages)
    )
    # The last installment's block: its amount stands just before its own reference.
    before_reference = text[: text.index(last.reference)][-60:]
    assert _compact(format_euros(charged, plan.language)) in before_reference
    assert _compact(format_euros(last.amount, plan.language)) not in before_reference


def test_paying_the_figures_the_preview_showed_closes_the_invoice(
    own_invoice, acting, today, django_capture_on_commit_callbacks
):
    invoice = own_invoice(
        principal=D("600.00"),
        due_date=today - timedelta(days=30),
        issue_date=today - timedelta(days=50),
    )
    current = with_balance(Invoice.objects.filter(pk=invoice.pk)).select_related("creditor").get()
    start = today + timedelta(days=7)
    preview = plan_preview(invoices=[current], start=start, installments=3, today=today)
    # The interest of the plan's months is in the last row and in the total the user accepts.
    assert preview.interest > 0
    assert preview.rows[-1].amount == preview.schedule.installments[-1].amount + preview.interest
    assert preview.total == preview.schedule.total + preview.interest

    plan = plan_create(invoices=[current], start=start, installments=3, acting=acting, today=today)
    # What the plan page asks on the day of acceptance is what the preview showed.
    assert [row.amount for row in plan_progress(plan, today=today).rows] == [
        row.amount for row in preview.rows
    ]
    installments = list(plan.installments.order_by("number"))
    for installment, row in zip(installments, preview.rows, strict=True):
        pay_installment(
            plan, installment, row.amount, installment.due_date, django_capture_on_commit_callbacks
        )
    plan.refresh_from_db()
    invoice.refresh_from_db()
    assert invoice.stage == Stage.PAID
    assert plan.state == PlanState.COMPLETED


def test_the_preview_page_shows_the_last_installment_with_the_interest(
    alice_client, own_invoice, today
):
    invoice = own_invoice(
        principal=D("600.00"),
        due_date=today - timedelta(days=30),
        issue_date=today - timedelta(days=50),
    )
    response = alice_client.get(
        reverse("arrangements:plan", kwargs={"pk": invoice.pk}),
        {
            "invoice": [invoice.pk],
            "start": (today + timedelta(days=7)).isoformat(),
            "installments": "3",
        },
    )
    preview = response.context["preview"]
    html = _compact(response.content.decode())
    assert (
        _compact(format_euros(preview.rows[-1].amount, "fi")) in html
        or _compact(format_euros(preview.rows[-1].amount, "en")) in html
    )
    assert preview.interest > 0
    assert "No interest is added" not in response.content.decode()
