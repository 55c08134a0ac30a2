"""Payment plans: preview, accept, bad input, states, the cycle, bank payments, PDF, permissions."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from accounts.models import Role
from arrangements.models import (
    ArrangementRequest,
    PaymentPlan,
    PlanInvoice,
    PlanState,
    RequestState,
)
from arrangements.pdf import plan_pdf_bytes
from arrangements.services import (
    ArrangementError,
    PlanStateError,
    arrangement_request_decide,
    plan_check,
    plan_create,
    plan_transition,
)
from collection.selectors import active_plan_invoice_ids
from invoices.models import (
    Charge,
    ChargeKind,
    CreditorUser,
    EventKind,
    Invoice,
    InvoiceAccess,
    Stage,
)
from invoices.references import format_reference, is_valid_national_reference
from invoices.selectors import with_balance
from payments.models import Allocation
from payments.services import bank_file_import
from tests.accounts.helpers import (
    ALICE_HETU,
    authorize,
    company_invoice,
    organisation_with,
    verify_identity,
)
from tests.factories import InvoiceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _balanced(*invoices):
    return list(
        with_balance(Invoice.objects.filter(pk__in=[i.pk for i in invoices]))
        .select_related("creditor")
        .order_by("pk")
    )


def _plan(invoices, acting, today, **kwargs):
    return plan_create(
        invoices=_balanced(*invoices),
        start=today + timedelta(days=7),
        acting=acting,
        today=today,
        **({"installments": 3} | kwargs),
    )


def test_preview_then_accept_makes_plan_installments_fee_and_events(
    alice_client, own_invoice, today, django_capture_on_commit_callbacks
):
    first, second = own_invoice(), own_invoice(principal=Decimal("150.00"))
    url = reverse("arrangements:plan", kwargs={"pk": first.pk})
    form = {
        "invoice": [first.pk, second.pk],
        "start": (today + timedelta(days=7)).isoformat(),
        "installments": "6",
    }
    preview = alice_client.get(url, form)
    assert preview.status_code == 200
    assert 'data-testid="plan-fee"' in preview.content.decode()
    # Issue 12 item 14: the summary in one piece, the schedule a styled table.
    summary = preview.content.decode().split('id="plan-summary"')[1].split("</dl>")[0]
    assert all(word in summary for word in ("Balance", "Payment plan fee", "Total"))
    assert '<table class="table">' in preview.content.decode()
    assert not PaymentPlan.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(url, {**form, "action": "accept"})
    assert response.status_code == 302
    plan = PaymentPlan.objects.get()
    # 450 € in 6 installments: 100-1,000 and > 4 → the 30 € cap; the creditor's fee is 20 €.
    assert plan.fee == Decimal("20.00")
    installments = list(plan.installments.all())
    assert len(installments) == 6
    assert sum(i.amount for i in installments) == Decimal("470.00")
    references = {i.reference for i in installments}
    assert len(references) == 6 and all(is_valid_national_reference(r) for r in references)
    assert not Invoice.objects.filter(reference__in=references).exists()
    charge = Charge.objects.get(kind=ChargeKind.PLAN_FEE)
    assert charge.legal_cap == Decimal("30.00") and charge.idempotency_key == f"plan:{plan.pk}"
    assert first.events.filter(kind=EventKind.PLAN).exists()
    assert active_plan_invoice_ids([first.pk, second.pk]) == {first.pk, second.pk}
    detail = alice_client.get(response["Location"])
    assert detail.status_code == 200
    assert installments[0].reference[:5] in detail.content.decode().replace(" ", "")
    assert len(mail.outbox) == 1 and mail.outbox[0].attachments


def test_an_invoice_of_another_creditor_is_refused_and_nothing_changes(
    alice_client, own_invoice, other_creditor, alice, today
):
    mine = own_invoice()
    other = InvoiceFactory(creditor=other_creditor, debtor_hetu=ALICE_HETU)
    url = reverse("arrangements:plan", kwargs={"pk": mine.pk})
    response = alice_client.post(
        url,
        {
            "invoice": [mine.pk, other.pk],
            "start": (today + timedelta(days=7)).isoformat(),
            "installments": "3",
            "action": "accept",
        },
    )
    assert response.status_code == 400
    assert "one creditor" in response.content.decode()
    assert not PaymentPlan.objects.exists() and not Charge.objects.exists()


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"installments": "13"}, "At most 12 installments"),
        ({"installments": "12", "_principal": "100.00"}, "at least"),
        ({"monthly_amount": "5.00"}, "at least"),
    ],
)
def test_bad_plans_are_refused_with_a_reason(alice_client, own_invoice, today, fields, words):
    principal = fields.pop("_principal", "300.00")
    invoice = own_invoice(principal=Decimal(principal))
    url = reverse("arrangements:plan", kwargs={"pk": invoice.pk})
    response = alice_client.post(
        url,
        {
            "invoice": [invoice.pk],
            "start": (today + timedelta(days=7)).isoformat(),
            "action": "accept",
            **fields,
        },
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not PaymentPlan.objects.exists()


def test_a_plan_outside_the_rules_is_a_request_staff_approve(
    alice_client, own_invoice, today, staff
):
    invoice = own_invoice(principal=Decimal("3000.00"))
    url = reverse("arrangements:plan", kwargs={"pk": invoice.pk})
    response = alice_client.post(
        url,
        {
            "invoice": [invoice.pk],
            "start": (today + timedelta(days=7)).isoformat(),
            "installments": "24",
            "action": "request",
        },
    )
    assert response.status_code == 302
    request = ArrangementRequest.objects.get()
    assert not PaymentPlan.objects.exists()
    with pytest.raises(ArrangementError):
        arrangement_request_decide(
            request=request, approve=True, reason="  ", staff=staff, today=today
        )
    decided = arrangement_request_decide(
        request=request, approve=True, reason="Työttömyys", staff=staff, today=today
    )
    assert decided.state == RequestState.APPROVED
    assert decided.plan.installments.count() == 24
    with pytest.raises(ArrangementError):
        arrangement_request_decide(
            request=request, approve=False, reason="again", staff=staff, today=today
        )


def test_state_transitions_are_guarded(own_invoice, acting, today):
    plan = _plan([own_invoice()], acting, today)
    plan_transition(plan=plan, to=PlanState.CANCELLED, reason="test")
    assert not PlanInvoice.objects.filter(active=True).exists()
    for state in (PlanState.ACTIVE, PlanState.COMPLETED, PlanState.LAPSED):
        with pytest.raises(PlanStateError):
            plan_transition(plan=plan, to=state)
    second = _plan([own_invoice()], acting, today)
    plan_transition(plan=second, to=PlanState.COMPLETED)
    with pytest.raises(PlanStateError):
        plan_transition(plan=second, to=PlanState.LAPSED)


def test_a_missed_installment_sends_one_notice_then_the_plan_lapses(
    own_invoice, acting, today, django_capture_on_commit_callbacks
):
    invoice = own_invoice()
    plan = _plan([invoice], acting, today)
    mail.outbox.clear()
    first_due = plan.installments.first().due_date
    with django_capture_on_commit_callbacks(execute=True):
        assert plan_check(plan=plan, today=first_due + timedelta(days=1)) == PlanState.ACTIVE
        assert plan_check(plan=plan, today=first_due + timedelta(days=2)) == PlanState.ACTIVE
    assert len(mail.outbox) == 1
    assert active_plan_invoice_ids([invoice.pk]) == {invoice.pk}
    lapsed = plan_check(plan=plan, today=first_due + timedelta(days=plan.grace_days + 1))
    assert lapsed == PlanState.LAPSED
    assert active_plan_invoice_ids([invoice.pk]) == set()


def test_an_installment_paid_from_a_bank_file_allocates_to_the_plan(own_invoice, acting, today):
    first, second = own_invoice(principal=Decimal("50.00")), own_invoice()
    plan = _plan([first, second], acting, today, installments=2)
    installment = plan.installments.first()
    xml = _camt054(installment.reference, installment.amount)
    report = bank_file_import(data=xml, filename="plan.xml", source="upload")
    assert report.matched == 1 and report.unmatched == 0
    allocated = {
        pk: sum(a.amount for a in Allocation.objects.filter(invoice_id=pk))
        for pk in (first.pk, second.pk)
    }
    # The first invoice (50 € + the 20 € fee) is covered first, the rest goes to the second.
    assert sum(allocated.values()) == installment.amount
    first.refresh_from_db()
    assert first.stage == Stage.PAID
    assert allocated[second.pk] == installment.amount - Decimal("70.00")


def test_the_cycle_skips_invoices_in_an_active_plan(own_invoice, acting, today):
    from collection.decision import Reason
    from collection.selectors import next_step_for

    invoice = own_invoice(
        issue_date=today - timedelta(days=90), due_date=today - timedelta(days=60)
    )
    assert next_step_for(invoice, today).reason_code != Reason.ACTIVE_PLAN
    _plan([invoice], acting, today)
    assert next_step_for(invoice, today).reason_code == Reason.ACTIVE_PLAN


def test_the_pdf_confirmation_lists_the_installments(own_invoice, acting, today):
    plan = _plan([own_invoice()], acting, today, language="en")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(plan_pdf_bytes(plan))).pages)
    assert "Payment plan confirmation" in text
    for installment in plan.installments.all():
        assert format_reference(installment.reference) in text


def test_the_pdf_confirmation_names_the_debtor_and_spaces_the_references(
    own_invoice, acting, today
):
    # Issue 12 item 16: a reference in groups of five, as on every giro, and whose plan it is.
    plan = _plan([own_invoice(debtor_name="Alice Aaltonen")], acting, today, language="en")
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(plan_pdf_bytes(plan))).pages)
    assert "Debtor: Alice Aaltonen" in text
    for installment in plan.installments.all():
        spaced = format_reference(installment.reference)
        assert " " in spaced and f"Reference number: {spaced}" in text


def test_double_submission_returns_the_same_plan(own_invoice, acting, today):
    invoice = own_invoice()
    assert _plan([invoice], acting, today).pk == _plan([invoice], acting, today).pk
    assert PaymentPlan.objects.count() == 1


# --- Who may arrange -------------------------------------------------------------------


def _post_plan(client, invoice, today):
    return client.post(
        reverse("arrangements:plan", kwargs={"pk": invoice.pk}),
        {
            "invoice": [invoice.pk],
            "start": (today + timedelta(days=7)).isoformat(),
            "installments": "3",
            "action": "accept",
        },
    )


def test_permission_matrix(client, alice, bob, alice_invoice, today):
    # Alice is the debtor (her verified HETU), not only a claimer: her authorizations then
    # pass on arranging too (a claimer's stop at view and pay, issue 10 item 14).
    verify_identity(alice, ALICE_HETU)
    Invoice.objects.filter(pk=alice_invoice.pk).update(debtor_hetu=ALICE_HETU)
    client.force_login(bob)
    assert _post_plan(client, alice_invoice, today).status_code == 404
    viewer = UserFactory()
    organisation_with(viewer, role=Role.VIEWER)
    company = company_invoice()
    client.force_login(viewer)
    assert _post_plan(client, company, today).status_code == 403
    payer = UserFactory()
    organisation_with(payer, role=Role.PAYER)
    client.force_login(payer)
    assert _post_plan(client, company, today).status_code == 302
    view_only = UserFactory()
    authorize(alice, view_only, ("view",))
    InvoiceAccess.objects.get_or_create(invoice=alice_invoice, user=alice, method="myropo_id")
    client.force_login(view_only)
    response = _post_plan(client, alice_invoice, today)
    assert response.status_code in (403, 404)
    creditor_user = UserFactory()
    CreditorUser.objects.create(creditor=alice_invoice.creditor, user=creditor_user)
    client.force_login(creditor_user)
    assert _post_plan(client, alice_invoice, today).status_code == 404
    arranger = UserFactory()
    authorize(alice, arranger, ("view", "arrange"))
    client.force_login(arranger)
    assert _post_plan(client, alice_invoice, today).status_code == 302
    event = alice_invoice.events.filter(kind=EventKind.PLAN).last()
    assert event.actor == arranger and event.on_behalf_of == alice


def test_bob_cannot_see_or_cancel_alices_plan(bob_client, own_invoice, acting, today):
    plan = _plan([own_invoice()], acting, today)
    detail = reverse("arrangements:plan_detail", kwargs={"pk": plan.pk})
    assert bob_client.get(detail).status_code == 404
    cancel = reverse("arrangements:plan_cancel", kwargs={"pk": plan.pk})
    assert bob_client.post(cancel).status_code == 404
    plan.refresh_from_db()
    assert plan.state == PlanState.ACTIVE


def test_alice_cancels_her_plan_by_post_only(alice_client, own_invoice, acting, today):
    plan = _plan([own_invoice()], acting, today)
    url = reverse("arrangements:plan_cancel", kwargs={"pk": plan.pk})
    assert alice_client.get(url).status_code == 405
    assert alice_client.post(url).status_code == 302
    plan.refresh_from_db()
    assert plan.state == PlanState.CANCELLED


def _camt054(reference: str, amount: Decimal) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>PLAN-{reference}</MsgId><CreDtTm>2026-01-15T06:12:45+02:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N1</Id><Acct><Id><IBAN>FI7944052020036082</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><NtryRef>1</NtryRef><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2026-01-14</Dt></BookgDt><ValDt><Dt>2026-01-14</Dt></ValDt>
<AcctSvcrRef>ARCH{reference}</AcctSvcrRef><NtryDtls><TxDtls>
<Refs><AcctSvcrRef>ARCH{reference}</AcctSvcrRef></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>
<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{reference}</Ref>
</CdtrRefInf></Strd></RmtInf></TxDtls></NtryDtls></Ntry></Ntfctn>
</BkToCstmrDbtCdtNtfctn></Document>""".encode()
