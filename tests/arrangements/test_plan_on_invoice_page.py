"""An invoice in an active plan shows the plan and its next installment (issue 12 item 13):
not Pay, Payment plan or Move the due date, nor the invoice's full-amount barcode."""

from datetime import timedelta

import pytest
from django.urls import reverse

from arrangements.models import PlanState
from arrangements.selectors import installment_codes
from invoices.payment_codes import payment_codes_for
from tests.arrangements.test_plans import _plan

pytestmark = pytest.mark.django_db


def _page(client, invoice) -> str:
    return client.get(reverse("invoices:detail", args=[invoice.pk])).content.decode()


def test_an_invoice_in_an_active_plan_shows_the_plan_and_its_next_installments_barcode(
    alice_client, own_invoice, acting, today
):
    invoice = own_invoice(
        issue_date=today - timedelta(days=40), due_date=today - timedelta(days=20)
    )
    plan = _plan([invoice], acting, today, language="en")
    first = plan.installments.order_by("number").first()

    html = _page(alice_client, invoice)

    assert reverse("arrangements:plan_detail", args=[plan.pk]) in html
    assert f"This invoice is paid in payment plan {plan.pk}." in html
    assert "Next installment: 1" in html
    assert installment_codes(plan, first, first.amount).barcode in html
    full = payment_codes_for(invoice, amount=invoice.principal, due_date=today).barcode
    assert full not in html
    for action in ("payments:pay", "arrangements:plan", "arrangements:due_date"):
        assert f'href="{reverse(action, args=[invoice.pk])}"' not in html
    assert "overdue-note" not in html


def test_a_cancelled_plan_gives_the_invoice_its_own_actions_back(
    alice_client, own_invoice, acting, today
):
    invoice = own_invoice()
    plan = _plan([invoice], acting, today)
    plan.state = PlanState.CANCELLED
    plan.save(update_fields=["state"])

    html = _page(alice_client, invoice)

    assert "plan-notice" not in html
    assert f'href="{reverse("payments:pay", args=[invoice.pk])}"' in html
