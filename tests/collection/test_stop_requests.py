"""Perintälaki 4 c §: a consumer's request to stop voluntary collection (issue 11, item 11).

Recorded by the service (staff in the admin, the message centre from its form); from then on
the real daily cycle, plans and due-date transfers charge no collection cost, the next letter
says so in the debtor's language, and the invoice's timeline shows it.
"""

import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

import collection.cycle as cycle_module
from accounts.context import Acting
from arrangements.services import plan_create
from collection.cycle import run_collection_cycle
from collection.decision import FeeReason
from collection.letters import letter_html, letter_pdf_bytes
from collection.models import CollectionStep, Letter, StopRequest, StopRequestChannel
from collection.selectors import facts_for, next_step_for
from collection.services import CollectionError, collection_stop_request, costs_charged_after
from invoices.models import Charge, ChargeKind, EventKind, InvoiceAccess, InvoiceEvent, Stage
from tests.factories import InvoiceFactory
from tests.invoices.test_admin import mfa_login

D = Decimal
DUE = date(2026, 1, 31)


def day(n: int) -> date:
    return DUE + timedelta(days=n)


def moment(n: int, hour: int = 10) -> datetime:
    return datetime.combine(day(n), datetime.min.time(), tzinfo=UTC) + timedelta(hours=hour)


@pytest.fixture(autouse=True)
def _english():
    """The refusals below are read in English (the default language is Finnish)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _no_letters(monkeypatch):
    monkeypatch.setattr(cycle_module, "queue_letters", lambda ids: None)


@pytest.fixture
def overdue(creditor):
    return InvoiceFactory(
        creditor=creditor,
        issue_date=DUE - timedelta(days=14),
        due_date=DUE,
        principal=D("100.00"),
        language="fi",
    )


def stop(invoice, n: int, staff=None, channel=StopRequestChannel.LETTER):
    return collection_stop_request(
        invoice=invoice, requested_at=moment(n), channel=channel, actor=staff
    )


def costs(invoice) -> list[Charge]:
    return list(Charge.objects.filter(invoice=invoice).exclude(kind=ChargeKind.INTEREST))


def test_after_a_stop_request_the_real_cycle_takes_its_steps_without_a_cost(overdue, staff):
    run_collection_cycle(today=day(15))
    assert [c.amount for c in costs(overdue)] == [D("5.00")]  # the reminder, before the request

    request = stop(overdue, 20, staff)
    for n in range(16, 120):
        run_collection_cycle(today=day(n))

    steps = list(CollectionStep.objects.filter(invoice=overdue).order_by("taken_on"))
    assert [s.step for s in steps][:3] == ["reminder_1", "demand_1", "demand_2"]
    assert all(s.fee == 0 for s in steps[1:])
    assert [c.amount for c in costs(overdue)] == [D("5.00")]
    # Interest is no collection cost (4 c § 2 mom): it still accrues.
    assert Charge.objects.filter(invoice=overdue, kind=ChargeKind.INTEREST).count() > 1
    assert costs_charged_after(request) == []


def test_the_decision_names_the_section(overdue, staff):
    run_collection_cycle(today=day(15))
    stop(overdue, 20, staff)
    decision = next_step_for(overdue, day(40))
    assert decision.fee == 0 and decision.fee_reason is FeeReason.STOP_REQUESTED
    assert decision.rule_code == "consumer.stop_request"
    assert facts_for(overdue).situation.stop_requested_on == day(20)


def test_a_plan_after_the_request_costs_nothing(alice, overdue, staff):
    InvoiceAccess.objects.create(invoice=overdue, user=alice, method="myropo_id")
    run_collection_cycle(today=day(15))
    stop(overdue, 20, staff)
    plan = plan_create(
        invoices=[overdue], start=day(40), acting=Acting(alice), today=day(25), installments=3
    )
    assert plan.fee == 0
    assert not Charge.objects.filter(invoice=overdue, kind=ChargeKind.PLAN_FEE).exists()


def test_the_request_is_on_the_timeline_once_and_the_earliest_counts(overdue, staff):
    first = stop(overdue, 30, staff)
    again = stop(overdue, 25, staff)
    later = stop(overdue, 35, staff)
    assert first.pk == again.pk == later.pk
    first.refresh_from_db()
    assert first.requested_at == moment(25)
    [event] = InvoiceEvent.objects.filter(invoice=overdue, data__stop_request=True)
    assert event.kind == EventKind.NOTE and event.actor == staff
    assert "4 c §" in event.detail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"debtor_type": "company", "debtor_business_id": "2331972-7"}, "Only a consumer"),
        ({"stage": Stage.PAID}, "closed"),
    ],
)
def test_refused_for_a_company_or_a_closed_invoice(creditor, change, message):
    invoice = InvoiceFactory(
        creditor=creditor, issue_date=DUE - timedelta(days=14), due_date=DUE, **change
    )
    with pytest.raises(CollectionError, match=message):
        stop(invoice, 20)
    assert not StopRequest.objects.exists()


def test_refused_by_phone_or_in_the_future(overdue):
    with pytest.raises(CollectionError, match="in writing"):
        stop(overdue, 20, channel="phone")
    with pytest.raises(CollectionError, match="future"):
        collection_stop_request(
            invoice=overdue,
            requested_at=datetime(2030, 1, 1, tzinfo=UTC),
            channel=StopRequestChannel.EMAIL,
            actor=None,
        )
    assert not StopRequest.objects.exists()


def test_the_next_letter_says_so_in_the_debtors_language(overdue, staff):
    run_collection_cycle(today=day(15))
    stop(overdue, 20, staff)
    run_collection_cycle(today=day(33))
    letter = Letter.objects.get(invoice=overdue, step="demand_1")
    reminder = Letter.objects.get(invoice=overdue, step="reminder_1")
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(letter_pdf_bytes(letter))).pages
    )
    flat = " ".join(text.split())
    assert "20.02.2026" in flat and "4 c §" in flat
    assert "perintätoimista" in flat  # Finnish, the invoice's language
    assert "4 c §" not in letter_html(reminder)  # before the request, and not a demand
    letter.language = "sv"
    assert "indrivningsåtgärder" in letter_html(letter)
    letter.language = "en"
    assert "No costs are charged to you" in letter_html(letter)


def test_a_payment_demand_without_a_request_tells_of_the_right(overdue):
    """5 a § 2 mom: the demand tells the consumer of the 4 c § right and how to use it."""
    run_collection_cycle(today=day(15))
    run_collection_cycle(today=day(33))
    letter = Letter.objects.get(invoice=overdue, step="demand_1")
    letter.language = "en"
    html = letter_html(letter)
    assert "You have the right to ask that voluntary collection be stopped" in html


def test_staff_record_a_request_in_the_admin(client, staff, overdue):
    run_collection_cycle(today=day(15))
    staff_client = mfa_login(client, staff)
    with translation.override("en"):
        response = staff_client.post(
            reverse("admin:collection_stoprequest_add"),
            {
                "invoice": overdue.pk,
                "requested_at_0": day(10).isoformat(),
                "requested_at_1": "09:00:00",
                "channel": StopRequestChannel.LETTER,
                "note": "Kirje saapui postissa.",
            },
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    request = StopRequest.objects.get(invoice=overdue)
    assert request.recorded_by == staff and request.note == "Kirje saapui postissa."
    # Recorded days after it came: the reminder fee of day 15 is after it; staff are told.
    assert [c.amount for c in costs_charged_after(request)] == [D("5.00")]
    listing = staff_client.get(reverse("admin:collection_stoprequest_changelist"))
    assert "4 c § 2 mom" in listing.content.decode()


def test_the_admin_refuses_a_company_invoice_with_the_section(client, staff, creditor):
    company = InvoiceFactory(
        creditor=creditor,
        issue_date=DUE - timedelta(days=14),
        due_date=DUE,
        debtor_type="company",
        debtor_business_id="2331972-7",
    )
    staff_client = mfa_login(client, staff)
    response = staff_client.post(
        reverse("admin:collection_stoprequest_add"),
        {
            "invoice": company.pk,
            "requested_at_0": day(10).isoformat(),
            "requested_at_1": "09:00:00",
            "channel": StopRequestChannel.EMAIL,
        },
    )
    assert response.status_code == 200
    assert "4 c §" in response.content.decode()
    assert not StopRequest.objects.exists()


def test_the_invoice_page_says_no_costs_follow(alice_client, alice, overdue, staff):
    InvoiceAccess.objects.create(invoice=overdue, user=alice, method="myropo_id")
    stop(overdue, 20, staff)
    alice.preferred_language = "en"
    alice.save(update_fields=["preferred_language"])
    response = alice_client.get(reverse("invoices:detail", args=[overdue.pk]))
    assert response.status_code == 200
    assert "no collection costs are charged for anything done after your request" in (
        response.content.decode()
    )
