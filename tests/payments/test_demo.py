"""The demo data of `seed_demo`: idempotent, valid, and covering every stage of an invoice."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, OutputWrapper
from django.db.models import Sum
from django.utils import timezone
from schwifty import IBAN
from stdnum.fi import hetu, ytunnus

from accounts.demo import PERSONAS, persona_ensure
from accounts.models import User
from accounts.staff import STAFF_POWERS_ATTR
from creditor.selectors import creditor_invoices
from invoices.models import (
    Charge,
    ChargeKind,
    Creditor,
    CreditorSettings,
    CreditorUser,
    EventKind,
    Invoice,
    InvoiceAccess,
    InvoiceEvent,
    InvoiceLine,
    Stage,
)
from invoices.references import is_valid_national_reference, is_valid_reference
from invoices.selectors import invoices_visible_to, with_balance
from payments import demo
from payments.models import Allocation, Payment

MODELS = [
    User,
    Creditor,
    CreditorSettings,
    CreditorUser,
    Invoice,
    InvoiceLine,
    Charge,
    InvoiceEvent,
    InvoiceAccess,
    Payment,
    Allocation,
]


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The personas' Argon2 hashes would take most of each test's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def seeded(db) -> io.StringIO:
    out = io.StringIO()
    # seed_demo hands its OutputWrapper to each app's seed, which ends every write with a newline.
    demo.seed(OutputWrapper(out))
    return out


def persona(email: str) -> User:
    return User.objects.get(email=email)


def test_seed_twice_changes_nothing(seeded):
    before = counts()
    fingerprint = sorted(Invoice.objects.values_list("number", "reference", "principal", "stage"))

    demo.seed(OutputWrapper(io.StringIO()))

    assert counts() == before
    assert (
        sorted(Invoice.objects.values_list("number", "reference", "principal", "stage"))
        == fingerprint
    )
    assert before["Invoice"] == 60


def test_seed_prints_one_line_per_creditor(seeded):
    # After the reference-rate half-years it carried forward, if today lies past the entered
    # ones (how many depends on the day the suite runs: MYROPO_TEST_NOW).
    printed = seeded.getvalue().splitlines()
    rates = [line for line in printed if line.startswith("  reference rate ")]
    assert all(line.endswith("(demo value)") for line in rates)
    lines = printed[len(rates) :]
    assert len(lines) == len(demo.CREDITORS)
    for spec, line in zip(demo.CREDITORS, lines, strict=True):
        assert spec.name in line and spec.business_id in line


@pytest.mark.parametrize("email", [demo.CONSUMER_EMAIL, demo.COMPANY_EMAIL])
def test_each_debtor_persona_sees_about_thirty_invoices(seeded, email):
    assert invoices_visible_to(persona(email)).count() == 30


def test_creditor_persona_sees_only_its_creditors_invoices(seeded):
    user = persona(demo.CREDITOR_EMAIL)
    # A creditor's user is no debtor: the debtor portal shows it nothing, Ropo One shows the
    # creditor's invoices (issue 15, item 1).
    assert not invoices_visible_to(user).exists()
    memberships = CreditorUser.objects.filter(user=user).select_related("creditor")
    assert [m.creditor.business_id for m in memberships] == ["2914563-3"]
    assert creditor_invoices(memberships[0].creditor).count() > 0


def test_staff_persona_sees_every_invoice(db):
    demo.seed(OutputWrapper(io.StringIO()))
    staff, _ = persona_ensure(next(p for p in PERSONAS if p.is_staff))
    # Marked as the portal marks a request of staff who signed in with MFA (accounts.staff).
    setattr(staff, STAFF_POWERS_ATTR, True)
    assert invoices_visible_to(staff).count() == Invoice.objects.count()


def test_every_stage_is_present_for_each_debtor(seeded):
    for email in (demo.CONSUMER_EMAIL, demo.COMPANY_EMAIL):
        stages = set(invoices_visible_to(persona(email)).values_list("stage", flat=True))
        assert stages == set(Stage.values)


def test_paid_invoices_have_no_open_balance(seeded):
    paid = with_balance(Invoice.objects.filter(stage=Stage.PAID))
    assert paid.count() >= 2 * 9
    assert {invoice.open_balance for invoice in paid} == {Decimal("0.00")}
    assert all(invoice.paid_total > 0 for invoice in paid)


def test_credited_invoices_have_a_credit_note_and_no_open_balance(seeded):
    """Issue 10, item 9: a credited invoice no longer shows its principal as "Avoin saldo"."""
    credited = with_balance(Invoice.objects.filter(stage=Stage.CREDITED))
    assert credited.count() >= 2 * 2
    assert {invoice.open_balance for invoice in credited} == {Decimal("0.00")}
    assert all(invoice.credited_total > 0 for invoice in credited)
    assert all(invoice.events.filter(kind=EventKind.CREDIT).exists() for invoice in credited)


def test_a_partly_paid_invoice_keeps_a_balance_and_pays_costs_first(seeded):
    invoice = Invoice.objects.filter(stage=Stage.REMINDED, allocations__isnull=False).first()
    balance = with_balance(Invoice.objects.filter(pk=invoice.pk)).get()
    assert 0 < balance.open_balance < invoice.principal
    assert invoice.allocations.filter(component="costs").exists()


def test_open_invoices_are_not_yet_due_or_overdue(seeded):
    for invoice in Invoice.objects.filter(stage=Stage.OPEN):
        assert invoice.issue_date <= invoice.due_date
    overdue = Invoice.objects.filter(stage=Stage.OPEN, due_date__lt=timezone.localdate())
    not_due = Invoice.objects.filter(stage=Stage.OPEN, due_date__gte=timezone.localdate())
    assert overdue.exists() and not_due.exists()


def test_lines_add_up_to_the_principal_at_finnish_vat_rates(seeded):
    rates = {Decimal("25.5"), Decimal("14"), Decimal("10"), Decimal("0")}
    for invoice in Invoice.objects.prefetch_related("lines"):
        lines = list(invoice.lines.all())
        assert 1 <= len(lines) <= 3
        assert sum(line.gross_total for line in lines) == invoice.principal
        for line in lines:
            assert line.vat_rate in rates
            assert line.gross_total == line.net_total + line.vat_total
    used = set(InvoiceLine.objects.values_list("vat_rate", flat=True))
    assert used == rates


def test_references_are_valid_and_some_are_rf(seeded):
    references = list(Invoice.objects.values_list("reference", flat=True))
    assert all(is_valid_reference(reference) for reference in references)
    assert any(reference.startswith("RF") for reference in references)
    assert any(is_valid_national_reference(reference) for reference in references)


def test_creditors_have_valid_business_ids_ibans_and_settings(seeded):
    for creditor in Creditor.objects.all():
        assert ytunnus.is_valid(creditor.business_id)
        iban = IBAN(creditor.iban)
        assert iban.country_code == "FI"
        assert iban.bic == creditor.bic
        assert CreditorSettings.objects.filter(creditor=creditor).exists()


def test_debtor_identities_are_valid(seeded):
    assert hetu.is_valid(demo.CONSUMER_HETU)
    assert ytunnus.is_valid(demo.COMPANY_BUSINESS_ID)
    consumer = Invoice.objects.filter(debtor_type="consumer")
    assert set(consumer.values_list("debtor_hetu", flat=True)) == {demo.CONSUMER_HETU}
    company = Invoice.objects.filter(debtor_type="company")
    assert set(company.values_list("debtor_business_id", flat=True)) == {demo.COMPANY_BUSINESS_ID}


def test_fees_name_their_rule_and_stay_within_the_legal_cap(seeded):
    reminder_fees = Charge.objects.filter(kind=ChargeKind.REMINDER_FEE)
    assert set(
        reminder_fees.filter(invoice__debtor_type="consumer").values_list("amount", flat=True)
    ) == {Decimal("5.00")}
    assert set(
        reminder_fees.filter(invoice__debtor_type="company").values_list("amount", flat=True)
    ) == {Decimal("12.00")}
    for charge in Charge.objects.all():
        assert charge.rule and charge.explanation and charge.idempotency_key
        assert charge.legal_cap is not None and charge.amount <= charge.legal_cap
    in_collection = Invoice.objects.filter(stage__in=[Stage.COLLECTION, Stage.LEGAL])
    for invoice in in_collection:
        kinds = set(invoice.charges.values_list("kind", flat=True))
        # Never a payment demand without a prior reminder.
        assert kinds == {ChargeKind.REMINDER_FEE, ChargeKind.DEMAND_FEE}


def test_payments_allocate_exactly_what_they_received(seeded):
    for payment in Payment.objects.all():
        allocated = payment.allocations.aggregate(total=Sum("amount"))["total"]
        assert allocated == payment.amount


def test_timeline_follows_the_stage(seeded):
    def kinds(stage):
        invoice = Invoice.objects.filter(stage=stage).first()
        return list(invoice.events.values_list("kind", flat=True))

    assert kinds(Stage.OPEN)[:2] == [EventKind.IMPORTED, EventKind.DELIVERED]
    assert EventKind.REMINDER in kinds(Stage.REMINDED)
    assert kinds(Stage.COLLECTION).index(EventKind.REMINDER) < kinds(Stage.COLLECTION).index(
        EventKind.COLLECTION
    )
    assert EventKind.LEGAL in kinds(Stage.LEGAL)
    assert kinds(Stage.PAID)[-2:] == [EventKind.PAYMENT, EventKind.PAID]


def test_seed_demo_runs_twice_when_demo_data_is_allowed(db, settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo", stdout=io.StringIO())
    before = counts()
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts() == before
    assert "Pohjolan Sähkö Oy" in out.getvalue()


def test_seed_demo_is_refused_when_debug_is_off(db):
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=io.StringIO())
    assert not Invoice.objects.exists()


@pytest.mark.django_db
def test_demo_reference_rates_reach_today_and_say_they_are_demo_values():
    from datetime import date

    from collection.models import ReferenceRate

    real = ReferenceRate.objects.get()  # the migration's half-year, 1.1.–30.6.2026
    added = demo.ensure_demo_reference_rates(date(2027, 8, 1))
    assert [(rate.start, rate.end) for rate in added] == [
        (date(2026, 7, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 6, 30)),
        (date(2027, 7, 1), date(2027, 12, 31)),
    ]
    assert {rate.rate for rate in added} == {real.rate}
    assert all(rate.source.startswith("DEMO") for rate in added)
    # Idempotent: a second seed on the same day adds nothing and keeps the real row as it was.
    assert demo.ensure_demo_reference_rates(date(2027, 8, 1)) == []
    real.refresh_from_db()
    assert real.source != demo.DEMO_RATE_SOURCE
