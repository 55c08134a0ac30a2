"""A consumer moves a due date and makes a payment plan in a real browser, on a phone."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from arrangements.models import PaymentPlan
from invoices.models import Invoice
from tests.accounts.helpers import ALICE_HETU, verify_identity
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, CreditorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_moving_a_due_date_and_making_a_plan(page, alice, screenshot):
    creditor = CreditorFactory(name="Helsingin Energia Oy", business_id="2331972-7")
    today = timezone.localdate()
    # Alice is the debtor (her verified HETU): a claim alone gives view and pay only.
    verify_identity(alice, ALICE_HETU)
    moved = InvoiceFactory(
        creditor=creditor, number="E-1", due_date=today + timedelta(days=5), debtor_hetu=ALICE_HETU
    )
    planned = InvoiceFactory(
        creditor=creditor, number="E-2", principal=Decimal("300.00"), debtor_hetu=ALICE_HETU
    )
    page.set_viewport_size({"width": 390, "height": 844})

    log_in(page, alice.email, PASSWORD)
    page.wait_for_url("**/invoices/")
    page.goto(f"/invoices/{moved.pk}/")
    page.locator(f"main a[href='/arrangements/invoices/{moved.pk}/due-date/']").click()
    target = moved.due_date + timedelta(days=7)
    date_input = page.locator("input[name=to_date]")
    assert date_input.get_attribute("max") == (moved.due_date + timedelta(weeks=2)).isoformat()
    date_input.fill(target.isoformat())
    page.locator("main form button[type=submit]").click()
    page.locator("[data-testid=transfer-fee]").wait_for()
    screenshot(page, "arrangements-transfer-fee")
    page.locator("main form button[name=action][value=confirm]").click()
    page.wait_for_url(f"**/invoices/{moved.pk}/")
    moved.refresh_from_db()
    assert moved.due_date == target

    page.goto(f"/arrangements/invoices/{planned.pk}/plan/")
    page.fill("input[name=installments]", "3")
    page.locator("main form button[type=submit]").click()
    page.locator("[data-testid=plan-fee]").wait_for()
    screenshot(page, "arrangements-plan-preview")
    page.locator("main form button[name=action][value=accept]").click()
    page.wait_for_url("**/arrangements/plans/*/")
    page.locator("[data-testid=plan-state]").wait_for()
    screenshot(page, "arrangements-plan")
    plan = PaymentPlan.objects.get()
    assert plan.installments.count() == 3
    assert Invoice.objects.get(pk=planned.pk).plan_entries.filter(active=True).exists()
