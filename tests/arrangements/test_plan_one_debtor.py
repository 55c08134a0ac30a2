"""One payment plan, one debtor party and one creditor (issue 10, item 1)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from accounts.context import Acting
from arrangements.models import PaymentPlan
from arrangements.services import ArrangementError, plan_create
from invoices.models import InvoiceAccess, Stage
from tests.accounts.helpers import (
    ALICE_HETU,
    BOB_HETU,
    COMPANY_ID,
    company_invoice,
    consumer_invoice,
    organisation_with,
    verify_identity,
)
from tests.factories import InvoiceFactory

DAY = date(2026, 3, 2)
OTHER_COMPANY = "0737546-2"


@pytest.fixture(autouse=True)
def _fixed_day_in_english():
    # Services speak the active language; these tests read the English messages.
    with time_machine.travel(DAY, tick=False), translation.override("en"):
        yield


def invoice(creditor, make=consumer_invoice, **kwargs):
    defaults = {"principal": Decimal("300.00"), "due_date": DAY + timedelta(days=7)}
    return make(creditor=creditor, **{**defaults, **kwargs})


def make_plan(alice, invoices):
    return plan_create(
        invoices=invoices,
        start=DAY + timedelta(days=14),
        installments=3,
        acting=Acting(alice),
        today=DAY,
    )


def test_two_peoples_invoices_make_no_plan(alice, creditor):
    mine = invoice(creditor, hetu=ALICE_HETU)
    theirs = invoice(creditor, hetu=BOB_HETU)
    with pytest.raises(ArrangementError, match="one debtor"):
        make_plan(alice, [mine, theirs])
    assert not PaymentPlan.objects.exists()


def test_two_companies_invoices_make_no_plan(alice, creditor):
    first = invoice(creditor, company_invoice, business_id=COMPANY_ID)
    second = invoice(creditor, company_invoice, business_id=OTHER_COMPANY)
    with pytest.raises(ArrangementError, match="one debtor"):
        make_plan(alice, [first, second])


def test_one_persons_invoices_make_one_plan(alice, creditor):
    plan = make_plan(alice, [invoice(creditor, hetu=ALICE_HETU) for _ in range(2)])
    assert plan.plan_invoices.count() == 2


def test_invoices_without_an_identity_go_together_only_for_the_same_claimant(alice, bob, creditor):
    alices = [InvoiceFactory(creditor=creditor, principal=Decimal("300.00")) for _ in range(2)]
    bobs = InvoiceFactory(creditor=creditor, principal=Decimal("300.00"))
    for each in alices:
        InvoiceAccess.objects.create(invoice=each, user=alice, method="myropo_id")
    InvoiceAccess.objects.create(invoice=bobs, user=bob, method="myropo_id")
    with pytest.raises(ArrangementError, match="one debtor"):
        make_plan(alice, [alices[0], bobs])
    assert make_plan(alice, alices).plan_invoices.count() == 2


@pytest.fixture
def alice_with_her_company(alice, creditor):
    """Alice's own invoice (her HETU) and her company's (she is its admin), one creditor."""
    verify_identity(alice, ALICE_HETU)
    organisation_with(alice, business_id=COMPANY_ID)
    own = invoice(creditor, hetu=ALICE_HETU)
    other_own = invoice(creditor, hetu=ALICE_HETU)
    company = invoice(creditor, company_invoice, business_id=COMPANY_ID)
    return own, other_own, company


def test_the_plan_form_offers_only_the_same_debtors_invoices(alice_client, alice_with_her_company):
    own, other_own, company = alice_with_her_company
    page = alice_client.get(reverse("arrangements:plan", args=[own.pk])).content.decode()
    assert f'value="{own.pk}"' in page and f'value="{other_own.pk}"' in page
    assert f'value="{company.pk}"' not in page


def test_the_plan_form_refuses_an_invoice_it_did_not_offer(alice_client, alice_with_her_company):
    own, _other_own, company = alice_with_her_company
    response = alice_client.post(
        reverse("arrangements:plan", args=[own.pk]),
        {
            "invoice": [own.pk, company.pk],
            "start": (DAY + timedelta(days=14)).isoformat(),
            "installments": 3,
            "action": "accept",
        },
    )
    assert response.status_code == 400
    assert not PaymentPlan.objects.exists()


def test_without_a_first_invoice_the_form_groups_invoices_by_debtor(
    alice_client, alice_with_her_company
):
    own, _other_own, company = alice_with_her_company
    page = alice_client.get(reverse("arrangements:plan_new")).content.decode()
    assert own.debtor_name in page and company.debtor_name in page
    response = alice_client.post(
        reverse("arrangements:plan_new"),
        {
            "invoice": [own.pk, company.pk],
            "start": (DAY + timedelta(days=14)).isoformat(),
            "installments": 3,
            "action": "accept",
        },
    )
    assert response.status_code == 400
    assert "one debtor" in response.content.decode()
    assert not PaymentPlan.objects.exists()


def test_a_plan_holding_someone_elses_invoice_is_not_shown_or_cancelled_by_them(
    alice, bob, creditor, client
):
    """A plan made before this rule, mixing alice's invoice with bob's: bob sees his invoice
    but neither the plan (alice's invoice number on it) nor its cancel button."""
    mine = invoice(creditor, hetu=ALICE_HETU)
    plan = make_plan(alice, [mine])
    bobs = invoice(creditor, hetu=BOB_HETU)
    plan.plan_invoices.create(invoice=bobs, position=2, balance=bobs.principal)
    verify_identity(bob, BOB_HETU)
    client.force_login(bob)
    assert client.get(reverse("invoices:detail", args=[bobs.pk])).status_code == 200
    assert client.get(reverse("arrangements:plan_detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("arrangements:plan_pdf", args=[plan.pk])).status_code == 404
    assert client.post(reverse("arrangements:plan_cancel", args=[plan.pk])).status_code == 404
    plan.refresh_from_db()
    assert plan.state == "active"


def test_a_request_to_customer_service_covers_one_debtor_too(alice, creditor):
    from arrangements.models import ArrangementRequest
    from arrangements.services import arrangement_request_create

    mine = invoice(creditor, hetu=ALICE_HETU)
    theirs = invoice(creditor, hetu=BOB_HETU)
    with pytest.raises(ArrangementError, match="one debtor"):
        arrangement_request_create(
            kind="plan",
            invoices=[mine, theirs],
            terms={"installments": 12},
            why_outside="too many installments",
            acting=Acting(alice),
        )
    assert not ArrangementRequest.objects.exists()


def test_the_plan_form_tells_invoices_apart_and_shows_why_one_cannot_be_planned(
    alice, alice_client, alice_with_her_company
):
    """Each choice names the invoice's open amount and due date; one in legal collection is
    shown but cannot be ticked, with the reason beside it."""
    own, other_own, _company = alice_with_her_company
    other_own.stage = Stage.LEGAL
    other_own.save(update_fields=["stage"])
    alice.preferred_language = "en"
    alice.save(update_fields=["preferred_language"])

    page = alice_client.get(reverse("arrangements:plan", args=[own.pk])).content.decode()

    assert f"{own.number} · €300.00 open · due 9 Mar 2026" in page
    legal = page.split(f'value="{other_own.pk}"', 1)[1].split("</label>", 1)[0]
    assert "disabled" in legal and "legal collection" in legal
    mine = page.split(f'value="{own.pk}"', 1)[1].split("</label>", 1)[0]
    assert "disabled" not in mine
