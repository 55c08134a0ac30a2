"""Payment reports ("Maksusta ilmoittaminen", issue 13 item 5) and stop requests from the form
(item 6) against the real collection cycle on PostgreSQL.

"I have paid" holds the next collection step for PAYMENT_REPORT_HOLD_DAYS (the rule table's
policy row by default) while staff look; found → the contact closes; not found → the customer
is told and collection resumes at once.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

import collection.cycle as cycle_module
from accounts.context import Acting
from collection.cycle import run_collection_cycle
from collection.decision import Reason
from collection.models import CollectionHold, CollectionStep, StopRequest
from collection.rules import payment_report_hold_days
from collection.selectors import next_step_for
from invoices.models import Charge, ChargeKind, InvoiceAccess, InvoiceEvent
from messaging.models import Channel, Classification, ContactState, Outcome, PaymentReport
from messaging.services import MessagingError, Owner, contact_create, payment_report_decide
from tests.factories import InvoiceFactory

D = Decimal


@pytest.fixture(autouse=True)
def _english():
    """The refusals below are read in English (the default language is Finnish)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _no_letters(monkeypatch):
    monkeypatch.setattr(cycle_module, "queue_letters", lambda ids: None)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def due_today(alice, creditor, today):
    """Due 15 days ago: its first reminder is due today (the Ombudsman's day 15)."""
    due = today - timedelta(days=15)
    invoice = InvoiceFactory(
        creditor=creditor, issue_date=due - timedelta(days=14), due_date=due, principal=D("80.00")
    )
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    return invoice


def report(alice, invoice, today, channel=Channel.PORTAL):
    return contact_create(
        owner=Owner(Acting(alice), user=alice),
        classification=Classification.PAYMENT_REPORT,
        body="Maksoin tämän verkkopankissa.",
        invoices=[invoice],
        paid_on=today - timedelta(days=2),
        amount=D("80.00"),
        channel=channel,
    )


def test_the_hold_days_are_the_rule_tables_and_a_setting(settings):
    assert payment_report_hold_days() == 14
    assert settings.PAYMENT_REPORT_HOLD_DAYS == 14


def test_a_report_holds_the_real_cycle_and_a_not_found_resumes_it(alice, staff, due_today, today):
    contact = report(alice, due_today, today)
    hold = CollectionHold.objects.get(invoice=due_today)
    assert hold.until == today + timedelta(days=14) == contact.payment_report.hold_until
    assert next_step_for(due_today, today).reason_code is Reason.HELD

    for n in range(5):
        run_collection_cycle(today=today + timedelta(days=n))
    assert not CollectionStep.objects.filter(invoice=due_today).exists()

    payment_report_decide(contact=contact, staff=staff, found=False)
    contact.refresh_from_db()
    assert (contact.state, contact.outcome) == (ContactState.RESOLVED, Outcome.PAYMENT_NOT_FOUND)
    told = contact.messages.filter(author_kind="staff").get()
    assert "80,00" in told.body  # the customer is told, in the contact's language
    hold.refresh_from_db()
    assert hold.released_at is not None

    run_collection_cycle(today=today + timedelta(days=5))
    step = CollectionStep.objects.get(invoice=due_today)
    assert (step.step, step.taken_on) == ("reminder_1", today + timedelta(days=5))
    assert InvoiceEvent.objects.filter(invoice=due_today, data__hold__isnull=False).count() == 2


def test_a_found_payment_closes_the_contact_and_ends_the_hold(alice, staff, due_today, today):
    contact = report(alice, due_today, today)
    payment_report_decide(contact=contact, staff=staff, found=True)
    contact.refresh_from_db()
    assert (contact.state, contact.outcome) == (ContactState.RESOLVED, Outcome.PAYMENT_FOUND)
    assert not CollectionHold.objects.filter(released_at__isnull=True).exists()


def test_an_undecided_report_holds_only_its_days(alice, due_today, today):
    report(alice, due_today, today)
    last = today + timedelta(days=payment_report_hold_days())
    run_collection_cycle(today=last)
    assert not CollectionStep.objects.exists()
    run_collection_cycle(today=last + timedelta(days=1))
    assert CollectionStep.objects.get(invoice=due_today).taken_on == last + timedelta(days=1)


def test_the_hold_days_follow_the_setting(alice, due_today, today, settings):
    settings.PAYMENT_REPORT_HOLD_DAYS = 3
    report(alice, due_today, today)
    run_collection_cycle(today=today + timedelta(days=4))
    assert CollectionStep.objects.filter(invoice=due_today).exists()
    assert PaymentReport.objects.get().hold_until == today + timedelta(days=3)


def test_a_stop_request_from_the_form_goes_to_the_engine(alice, due_today, today):
    contact = contact_create(
        owner=Owner(Acting(alice), user=alice),
        classification=Classification.STOP_COLLECTION,
        body="Pyydän keskeyttämään vapaaehtoisen perinnän.",
        invoices=[due_today],
    )
    request = StopRequest.objects.get(invoice=due_today)
    assert request.channel == "message" and request.source == f"contact:{contact.pk}"
    assert InvoiceEvent.objects.filter(invoice=due_today, data__stop_request=True).count() == 1
    run_collection_cycle(today=today + timedelta(days=1))
    assert CollectionStep.objects.get(invoice=due_today).fee == 0
    assert not Charge.objects.filter(invoice=due_today).exclude(kind=ChargeKind.INTEREST).exists()


def test_a_stop_request_logged_from_a_phone_call_is_refused(alice, due_today):
    with pytest.raises(MessagingError, match="in writing"):
        contact_create(
            owner=Owner(Acting(alice), user=alice),
            classification=Classification.STOP_COLLECTION,
            body="Soitti ja pyysi keskeyttämään perinnän.",
            invoices=[due_today],
            channel=Channel.PHONE,
        )
    assert not StopRequest.objects.exists()


def test_a_waiting_report_cannot_be_closed_by_a_plain_resolve(alice, staff, due_today, today):
    """Staff say found or not found: else collection stays held and nobody tells the customer."""
    from messaging.models import PaymentReportState
    from messaging.services import contact_resolve

    contact = report(alice, due_today, today)
    with pytest.raises(MessagingError, match="whether the reported payment was found"):
        contact_resolve(contact=contact, staff=staff, outcome=Outcome.ANSWERED)
    contact.refresh_from_db()
    assert contact.state != ContactState.RESOLVED
    assert PaymentReport.objects.get(contact=contact).state == PaymentReportState.WAITING
