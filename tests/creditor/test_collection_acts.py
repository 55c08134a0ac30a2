"""Pause, resume and recall of one invoice's collection by the creditor (issue 15, item 5),
through the real collection cycle: a paused invoice is skipped until resumed, a recalled one
leaves the cycle for good and is charged no more fees while its late-payment interest runs on;
each act audited and on the timeline;
bad input (no reason, a closed invoice, a viewer, another creditor) changes nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from collection.cycle import run_collection_cycle
from collection.models import CollectionHold, CollectionRecall, CollectionStep
from creditor.models import CreditorAuditAction, CreditorAuditEvent
from invoices.models import Charge, InvoiceAccess, InvoiceEvent, Stage
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

# Due 31.5.2026; on 30.6.2026 the first payment reminder is due (30 days past the due date).
DUE = date(2026, 5, 31)
CYCLE_DAY = date(2026, 6, 30)


def overdue(creditor, **fields):
    return InvoiceFactory(creditor=creditor, issue_date=date(2026, 5, 10), due_date=DUE, **fields)


def url(name, invoice):
    return reverse(f"creditor:invoice_{name}", args=[invoice.pk])


def steps(invoice) -> list[str]:
    return list(CollectionStep.objects.filter(invoice=invoice).values_list("step", flat=True))


@pytest.fixture
def due_invoice(creditor):
    return overdue(creditor, number="A-2001")


@pytest.fixture
def control(creditor):
    """The same invoice untouched: proves the cycle day really takes a step."""
    return overdue(creditor, number="A-2002")


def test_a_paused_invoice_is_skipped_by_the_cycle_until_it_is_resumed(
    admin_client, creditor_admin, due_invoice, control
):
    response = admin_client.post(url("pause", due_invoice), {"reason": "Asiakas neuvottelee"})
    assert response.status_code == 302
    run_collection_cycle(today=CYCLE_DAY)
    assert steps(control) == ["reminder_1"]
    assert steps(due_invoice) == []
    assert not Charge.objects.filter(invoice=due_invoice).exists()
    event = CreditorAuditEvent.objects.get(action=CreditorAuditAction.COLLECTION_PAUSED)
    assert (event.actor, event.invoice, event.data["reason"]) == (
        creditor_admin,
        due_invoice,
        "Asiakas neuvottelee",
    )
    page = admin_client.get(reverse("creditor:invoice", args=[due_invoice.pk])).content.decode()
    assert 'id="paused"' in page and "Asiakas neuvottelee" in page

    admin_client.post(url("resume", due_invoice), {"reason": "Neuvottelu päättyi"})
    assert CreditorAuditEvent.objects.filter(
        action=CreditorAuditAction.COLLECTION_RESUMED, invoice=due_invoice
    ).exists()
    run_collection_cycle(today=CYCLE_DAY)
    assert steps(due_invoice) == ["reminder_1"]
    # Both acts are on the invoice's timeline with who and why.
    notes = InvoiceEvent.objects.filter(invoice=due_invoice, kind="note").order_by("created_at")
    acts = [
        (e.actor, e.data.get("reason"), e.data.get("paused"), e.data.get("released")) for e in notes
    ]
    assert acts == [
        (creditor_admin, "Asiakas neuvottelee", True, None),
        (creditor_admin, "Neuvottelu päättyi", None, True),
    ]


def test_a_paused_invoice_can_be_paused_again_after_a_resume(admin_client, due_invoice):
    for reason in ("Eka", "Toka"):
        admin_client.post(url("pause", due_invoice), {"reason": reason})
        admin_client.post(url("resume", due_invoice), {"reason": reason})
    assert CollectionHold.objects.filter(invoice=due_invoice).count() == 2
    assert not CollectionHold.objects.filter(invoice=due_invoice, released_at=None).exists()


def test_a_recalled_invoice_leaves_the_cycle_for_good_and_the_debtor_is_told(
    admin_client, alice_client, alice, creditor_admin, due_invoice, control
):
    InvoiceAccess.objects.create(invoice=due_invoice, user=alice, method="myropo_id")
    response = admin_client.post(url("recall", due_invoice), {"reason": "Perimme itse"})
    assert response.status_code == 302
    recall = CollectionRecall.objects.get(invoice=due_invoice)
    assert (recall.recalled_by, recall.reason) == (creditor_admin, "Perimme itse")
    for day in (CYCLE_DAY, date(2026, 8, 31), date(2026, 12, 31)):
        run_collection_cycle(today=day)
    assert steps(due_invoice) == []
    assert not Charge.objects.filter(invoice=due_invoice).exists()
    assert len(steps(control)) >= 2
    assert InvoiceEvent.objects.filter(invoice=due_invoice, data__recalled=True).exists()
    assert CreditorAuditEvent.objects.filter(
        action=CreditorAuditAction.RECALLED, invoice=due_invoice, actor=creditor_admin
    ).exists()
    page = alice_client.get(reverse("invoices:detail", args=[due_invoice.pk])).content.decode()
    assert "recalled this invoice from collection" in page
    # The creditor's reason stays with the creditor.
    assert "Perimme itse" not in page
    # Recalled is final: no pause, no second recall.
    admin_client.post(url("pause", due_invoice), {"reason": "x"})
    admin_client.post(url("recall", due_invoice), {"reason": "x"})
    assert not CollectionHold.objects.filter(invoice=due_invoice).exists()
    assert CreditorAuditEvent.objects.filter(invoice=due_invoice).count() == 1


def test_a_recall_admits_no_plan_or_transfer_fee_either(creditor, due_invoice):
    from collection.decision import FeeReason, admit_cost
    from collection.selectors import facts_for
    from collection.services import collection_recall

    collection_recall(invoice=due_invoice, reason="Perimme itse", actor=None)
    verdict = admit_cost(
        facts_for(due_invoice).situation,
        wanted=Decimal("5.00"),
        cap=Decimal("5.00"),
        rule_code="consumer.due_date_fee",
        on=CYCLE_DAY,
    )
    assert (verdict.amount, verdict.reason) == (Decimal("0"), FeeReason.RECALLED)


@pytest.mark.parametrize("act", ["pause", "recall"])
def test_an_act_without_a_reason_changes_nothing(admin_client, due_invoice, act):
    response = admin_client.post(url(act, due_invoice), {"reason": "  "}, follow=True)
    assert "Give the reason." in response.content.decode()
    assert not CollectionHold.objects.exists() and not CollectionRecall.objects.exists()
    assert not CreditorAuditEvent.objects.exists()


@pytest.mark.parametrize("act", ["pause", "recall"])
def test_an_act_on_a_closed_invoice_changes_nothing(admin_client, creditor, act):
    paid = overdue(creditor, stage=Stage.PAID)
    response = admin_client.post(url(act, paid), {"reason": "Syy"}, follow=True)
    assert "The invoice is closed" in response.content.decode()
    assert not CollectionHold.objects.exists() and not CollectionRecall.objects.exists()
    assert not CreditorAuditEvent.objects.exists()


def test_resuming_an_invoice_that_is_not_paused_changes_nothing(admin_client, due_invoice):
    response = admin_client.post(url("resume", due_invoice), {"reason": "Syy"}, follow=True)
    assert "is not paused" in response.content.decode()
    assert not CreditorAuditEvent.objects.exists()


@pytest.mark.parametrize("act", ["pause", "resume", "recall"])
def test_a_viewer_gets_403_and_changes_nothing(viewer_client, due_invoice, act):
    assert viewer_client.post(url(act, due_invoice), {"reason": "Syy"}).status_code == 403
    assert not CollectionHold.objects.exists() and not CollectionRecall.objects.exists()
    assert not CreditorAuditEvent.objects.exists()


@pytest.mark.parametrize("act", ["pause", "resume", "recall"])
def test_another_creditor_gets_404(other_client, due_invoice, act):
    assert other_client.post(url(act, due_invoice), {"reason": "Syy"}).status_code == 404
    assert not CollectionHold.objects.exists() and not CollectionRecall.objects.exists()


@pytest.mark.parametrize("act", ["pause", "resume", "recall"])
def test_the_acts_answer_post_only(admin_client, due_invoice, act):
    assert admin_client.get(url(act, due_invoice)).status_code == 405


def test_the_refusals_are_in_the_admins_language(admin_client, creditor_admin, due_invoice):
    creditor_admin.preferred_language = "fi"
    creditor_admin.save(update_fields=["preferred_language"])
    page = admin_client.post(url("pause", due_invoice), {"reason": ""}, follow=True)
    assert "Kerro syy." in page.content.decode()
    admin_client.post(url("pause", due_invoice), {"reason": "Syy"})
    page = admin_client.post(url("pause", due_invoice), {"reason": "Syy"}, follow=True)
    assert "Tämän laskun perintä on jo keskeytetty." in page.content.decode()
    assert CollectionHold.objects.filter(invoice=due_invoice).count() == 1


def test_customer_service_sees_the_recall_and_its_reason_in_the_admin(
    admin_client, staff, due_invoice
):
    from django.test import Client

    from tests.invoices.test_admin import mfa_login

    admin_client.post(url("recall", due_invoice), {"reason": "Perimme itse"})
    staff_client = mfa_login(Client(), staff)
    page = staff_client.get(reverse("admin:invoices_invoice_change", args=[due_invoice.pk]))
    assert page.status_code == 200
    assert "Perimme itse" in page.content.decode()


def test_a_recall_stops_the_fees_while_the_creditors_own_interest_runs_on(
    creditor, due_invoice, control
):
    from collection.payoff import payoff_for
    from collection.services import collection_recall
    from invoices.models import ChargeKind
    from payments.allocation import allocate_payment
    from payments.models import Payment, PaymentSource

    collection_recall(invoice=due_invoice, reason="Perimme itse", actor=None)
    run_collection_cycle(today=CYCLE_DAY)

    # The control got its reminder and fee; the recalled invoice got neither.
    assert Charge.objects.filter(invoice=control, kind=ChargeKind.REMINDER_FEE).exists()
    assert not Charge.objects.filter(invoice=due_invoice).exists()
    # Late-payment interest is the creditor's own claim (korkolaki 633/1982 4 §), not a
    # collection cost: it accrues on the recalled invoice exactly as on the control.
    recalled, untouched = payoff_for(due_invoice, CYCLE_DAY), payoff_for(control, CYCLE_DAY)
    assert recalled.interest_accrued > 0
    # (The control's reminder booked its interest with the fee; the recalled one's is unbooked.)
    assert recalled.interest == untouched.interest
    assert recalled.costs == 0 and recalled.total == due_invoice.principal + recalled.interest

    # Paid in full on that day, the interest is booked and the invoice closes.
    payment = Payment.objects.create(
        source=PaymentSource.BANK, external_id="RECALL-1", amount=recalled.total, paid_on=CYCLE_DAY
    )
    result = allocate_payment(payment=payment, invoice=due_invoice, amount=recalled.total)
    assert result.paid
    assert {a.component for a in result.allocations} == {"interest", "principal"}
    interest = Charge.objects.get(invoice=due_invoice, kind=ChargeKind.INTEREST)
    assert interest.amount == recalled.interest_accrued
