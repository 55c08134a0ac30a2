"""Years of collection, day by day, through the real services on the real database.

`simulate(seed=…, years=…, invoices=…)` creates creditors (one with the default settings, one
set as aggressively as its settings let it: two reminders, short intervals, standard
compensation, costs-first allocation), consumer and business invoices at the law's bracket
boundaries, and a debtor persona for each. Then, for every day, with the clock travelled
there by time_machine: at 06:00 the daily `run_collection_cycle` and the plans' daily check;
at noon what the debtors do that day — pay online (the sandbox provider's signed return) or by
bank (a camt.054 file), ask a due-date transfer or a payment plan, pay or miss instalments,
dispute and have the dispute resolved, ask to stop voluntary collection (4 c §). At the end
every invoice's history goes to the law checker.

The generator is seeded: the same seed gives the same invoices, personas and days.
"""

from __future__ import annotations

import importlib
import random
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction

from tests.lawcheck import loader
from tests.lawcheck.checker import check_all
from tests.lawcheck.history import InvoiceHistory, Violation, describe

HELSINKI = ZoneInfo("Europe/Helsinki")
D = Decimal
CENT = D("0.01")
BOUNDARY_PRINCIPALS = (
    "99.99",
    "100.00",
    "100.01",
    "500.00",
    "500.01",
    "1000.00",
    "1000.01",
    "2500.00",
    "2500.01",
    "10000.00",
    "10000.01",
)
PERSONAS = {
    "on_time": 3,
    "late": 4,
    "partial": 3,
    "never": 3,
    "transfer": 3,
    "plan": 4,
    "dispute": 2,
    "stop": 2,
    "old": 2,
    "report": 2,
}


def _first(*modules: str):
    for name in modules:
        try:
            return importlib.import_module(name)
        except ModuleNotFoundError:
            continue
    raise ModuleNotFoundError(modules[0])


@dataclass
class Result:
    seed: int
    days: int
    invoices: int
    violations: list[Violation]
    counts: Counter = field(default_factory=Counter)
    histories: dict[int, InvoiceHistory] = field(default_factory=dict)

    def summary(self, limit: int = 40) -> str:
        by_rule = Counter(v.rule for v in self.violations)
        lines = [
            f"seed {self.seed}: {self.days} days, {self.invoices} invoices, "
            f"{len(self.violations)} violations",
            "acts: " + ", ".join(f"{k} {n}" for k, n in sorted(self.counts.items())),
        ]
        lines += [f"  {rule}: {n}" for rule, n in by_rule.most_common()]
        lines += [f"  {v}" for v in self.violations[:limit]]
        return "\n".join(lines)

    def examples(self) -> str:
        """The first violation of each rule with the whole history of its invoice."""
        seen: dict[str, Violation] = {}
        for violation in self.violations:
            seen.setdefault(violation.rule, violation)
        parts = []
        for rule, violation in seen.items():
            history = self.histories.get(violation.invoice_id)
            parts.append(
                f"### {rule} ({sum(v.rule == rule for v in self.violations)} in seed "
                f"{self.seed})\n{violation}\n\n```\n"
                f"{describe(history) if history else ''}\n```\n"
            )
        return "\n".join(parts)


@dataclass
class _Debtor:
    invoice_id: int
    persona: str
    kind: str
    # day → list of (what, argument)
    plan: dict[date, list[tuple[str, object]]] = field(default_factory=lambda: defaultdict(list))


class _World:
    """The services the simulation drives, found where the engine keeps them."""

    def __init__(self) -> None:
        self.cycle = importlib.import_module("collection.cycle")
        self.arrangements = importlib.import_module("arrangements.services")
        self.payments = importlib.import_module("payments.services")
        self.selectors = importlib.import_module("invoices.selectors")
        self.invoice_services = importlib.import_module("invoices.services")
        self.collection_services = _first_or_none("collection.services")
        from accounts.context import Acting
        from payments.providers.base import PaymentResult
        from payments.providers.sandbox import SandboxProvider

        self.Acting = Acting
        self.PaymentResult = PaymentResult
        self.provider = SandboxProvider("law-simulation-secret")


def _first_or_none(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError:
        return None


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=HELSINKI)


def _money(value: float) -> Decimal:
    return D(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _half_years(first: date, last: date):
    start = date(first.year, 1 if first.month <= 6 else 7, 1)
    while start <= last:
        end = date(start.year, 6, 30) if start.month == 1 else date(start.year, 12, 31)
        yield start, end
        start = end + timedelta(days=1)


def _setup(rng: random.Random, start: date, end: date, count: int, world: _World):
    from accounts.models import User
    from arrangements.models import ArrangementRules

    Invoice = loader.model("Invoice", "invoices")
    Creditor = loader.model("Creditor", "invoices")
    CreditorSettings = loader.model("CreditorSettings", "invoices")
    ReferenceRate = loader.model("ReferenceRate")
    from invoices.references import national_reference_from_base

    # Reference rates for every half-year but one in the middle: staff forgot it, and nothing
    # may accrue at an invented rate (Korkolaki 12 §).
    halves = list(_half_years(start - timedelta(days=4 * 366), end))
    missing = halves[len(halves) * 3 // 4]
    for first, last in halves:
        if (first, last) == missing:
            continue
        ReferenceRate.objects.update_or_create(
            start=first,
            defaults={"end": last, "rate": D(rng.choice(["0.50", "2.00", "2.50", "3.50", "4.00"]))},
        )

    plain = Creditor.objects.create(
        name="Tavallinen Oy", business_id="2331972-7", iban="FI7944052020036082", bic="NDEAFIHH"
    )
    eager = Creditor.objects.create(
        name="Kiireinen Oy", business_id="0737546-2", iban="FI7944052020036082", bic="NDEAFIHH"
    )
    CreditorSettings.objects.get_or_create(creditor=plain)
    _aggressive_settings(CreditorSettings, eager)
    for creditor in (plain, eager):
        rules, _ = ArrangementRules.objects.get_or_create(creditor=creditor)
        rules.transfer_when_reminded = True
        rules.plan_when_collection = True
        rules.plan_fee_company = D("100.00") if creditor is eager else D("30.00")
        _save_valid(rules, fallback=ArrangementRules.objects.get(pk=rules.pk))
        settings = CreditorSettings.objects.get(creditor=creditor)
        settings.consumer_transfer_limit = 3
        settings.company_transfer_limit = 3
        settings.consumer_transfer_max_weeks = 4
        settings.company_transfer_max_weeks = 4
        _save_valid(settings, fallback=CreditorSettings.objects.get(pk=settings.pk))

    user = User.objects.create_user(email="debtor@example.test", password="x-Simulated-9")
    debtors: list[_Debtor] = []
    # Every persona for both kinds of debtor (4 c § is a consumer's right only), in
    # proportion to its weight, shuffled.
    deck = {
        kind: [
            name
            for name, weight in PERSONAS.items()
            for _ in range(weight)
            if kind == "consumer" or name != "stop"
        ]
        for kind in ("consumer", "business")
    }
    for cards in deck.values():
        rng.shuffle(cards)
    hetus = ("010190-123F", "131052-308T", "240147-632T", "290200A9018")
    ytunnukset = ("1572860-0", "0109862-8", "2331972-7", "0737546-2")
    for n in range(count):
        kind = "consumer" if n % 2 == 0 else "business"
        boundary = n // 2 < len(BOUNDARY_PRINCIPALS)
        if boundary:
            principal = D(BOUNDARY_PRINCIPALS[n // 2])
        else:
            principal = _money(rng.choice([rng.uniform(5, 150), rng.uniform(150, 3000)]))
        cards = deck[kind]
        persona = cards[(n // 2) % len(cards)]
        if persona == "old":
            # Due about three years before the start: some barred on day one, some just not.
            # Barred from `start + k` (728/2003 4 §): k ≤ 0 is barred on the first day, k = 0
            # exactly on the anniversary; k > 0 can still be interrupted in time.
            k = rng.choice([-30, -1, 0, 0, 1, 2, 30])
            due = start.replace(year=start.year - 3) + timedelta(days=k)
            issue = due - timedelta(days=rng.choice([14, 21, 30]))
        else:
            issue = start + timedelta(days=rng.randint(0, max(1, (end - start).days // 3)))
            # Mostly 14–30 days to pay, sometimes less (10 b § 1 mom: no reminder fee then).
            due = issue + timedelta(days=rng.choice([7, 10, 13, 14, 14, 21, 30, 30]))
        values = {
            "creditor": eager if rng.random() < 0.5 else plain,
            "number": f"SIM-{n:05d}",
            "debtor_type": "consumer" if kind == "consumer" else "company",
            "debtor_name": f"Velallinen {n}",
            "issue_date": issue,
            "due_date": due,
            "original_due_date": due,
            "reference": national_reference_from_base(str(70000 + n)),
            "principal": principal,
        }
        if kind == "consumer":
            values["debtor_hetu"] = hetus[n % len(hetus)]
        else:
            values["debtor_business_id"] = ytunnukset[n % len(ytunnukset)]
        for name in ("sent_on", "sent_date"):
            if loader._has_field(Invoice, name):
                values[name] = issue
        for name in ("delivery_channel", "channel"):
            if loader._has_field(Invoice, name):
                field_ = Invoice._meta.get_field(name)
                choices = [c for c, _ in field_.choices] if field_.choices else []
                if choices:
                    values[name] = rng.choice(choices)
        invoice = Invoice.objects.create(**values)
        debtor = _Debtor(invoice.pk, persona, kind)
        _schedule(debtor, rng, invoice, start, end)
        debtors.append(debtor)
    return user, debtors


def _save_valid(obj, *, fallback) -> None:
    """Save a settings row if the model accepts it; a refused field keeps its stored value
    (a creditor may not set what the law forbids, and that refusal is the engine's to make)."""
    try:
        obj.full_clean()
    except ValidationError as error:
        for name in error.message_dict:
            if hasattr(fallback, name):
                setattr(obj, name, getattr(fallback, name))
    obj.save()


def _aggressive_settings(CreditorSettings, creditor) -> None:
    settings, _ = CreditorSettings.objects.get_or_create(creditor=creditor)
    fallback = CreditorSettings.objects.get(pk=settings.pk)
    wishes = {
        "reminder_count": 2,
        "first_reminder_days": 14,
        "reminder_interval_days": 7,
        "days_to_collection": 10,
        "demand_interval_days": 14,
        "legal_notice_days": 7,
        "legal_days": 7,
        "letter_payment_days": 10,
        "use_standard_compensation": True,
        "allocation_order": "costs,interest,principal",
    }
    for name, value in wishes.items():
        if hasattr(settings, name):
            setattr(settings, name, value)
    for name in (
        "reminder_fee_consumer",
        "reminder_fee_business",
        "demand_fee_first_consumer",
        "demand_fee_second_consumer",
        "demand_fee_first_business",
        "demand_fee_second_business",
    ):
        # The highest each fee field accepts.
        field_ = CreditorSettings._meta.get_field(name)
        caps = [v.limit_value for v in field_.validators if hasattr(v, "limit_value")]
        if caps:
            setattr(settings, name, max(caps))
    _save_valid(settings, fallback=fallback)


def _schedule(debtor: _Debtor, rng: random.Random, invoice, start: date, end: date) -> None:
    due = invoice.due_date
    act = debtor.plan
    first_day = max(start, invoice.issue_date)
    method = "online" if rng.random() < 0.5 else "bank"
    persona = debtor.persona

    def on(offset: int) -> date:
        return max(first_day, due + timedelta(days=offset))

    if persona == "on_time":
        act[on(-rng.randint(0, 5))].append((f"pay_{method}", "all"))
    elif persona == "late":
        act[on(rng.randint(1, 120))].append((f"pay_{method}", "all"))
    elif persona == "partial":
        act[on(rng.randint(3, 40))].append((f"pay_{method}", rng.choice(["principal", "half"])))
        if rng.random() < 0.6:
            act[on(rng.randint(41, 200))].append((f"pay_{method}", "all"))
    elif persona == "never":
        pass
    elif persona == "transfer":
        act[on(-rng.randint(1, 6))].append(("transfer", rng.choice([7, 13, 14, 15, 21, 28])))
        if rng.random() < 0.5:
            act[on(rng.randint(20, 60))].append(("transfer", rng.choice([10, 14, 20])))
        if rng.random() < 0.7:
            act[on(rng.randint(30, 100))].append((f"pay_{method}", "all"))
    elif persona == "plan":
        act[on(rng.randint(16, 70))].append(("plan", rng.choice([2, 3, 4, 5, 6, 7, 9, 12])))
        act[on(rng.randint(180, 400))].append(("plan", rng.choice([3, 6, 8])))
    elif persona == "dispute":
        opened = rng.randint(-3, 40)
        act[on(opened)].append(("dispute", True))
        act[on(opened + rng.choice([5, 30, 200, 1200]))].append(("dispute", False))
        if rng.random() < 0.5:
            act[on(opened + rng.randint(1, 20))].append((f"pay_{method}", "half"))
    elif persona == "stop":
        act[on(rng.randint(20, 70))].append(("stop", True))
        if rng.random() < 0.5:
            act[on(rng.randint(71, 150))].append((f"pay_{method}", "all"))
    elif persona == "report":
        # Reports a payment it never made: the hold waits, then collection resumes.
        reported = on(rng.randint(10, 60))
        act[reported].append(("report", rng.choice([7, 14, 21])))
        if rng.random() < 0.5:
            act[reported + timedelta(days=rng.randint(1, 6))].append(("report_decided", reported))
        if rng.random() < 0.4:
            act[on(rng.randint(61, 120))].append((f"pay_{method}", "all"))
    elif persona == "old":
        if rng.random() < 0.5:
            act[start + timedelta(days=rng.randint(1, 60))].append(("plan", 4))
        if rng.random() < 0.3:
            act[start + timedelta(days=rng.randint(1, 60))].append((f"pay_{method}", "half"))


# --- Acts ---------------------------------------------------------------------------------


class _Acts:
    def __init__(self, world: _World, user, counts: Counter) -> None:
        self.world = world
        self.user = user
        self.acting = world.Acting(user)
        self.counts = counts
        self.file_number = 0
        self.disputes: dict[int, object] = {}

    def _invoice(self, invoice_id: int):
        Invoice = loader.model("Invoice", "invoices")
        return self.world.selectors.with_balance(Invoice.objects.filter(pk=invoice_id)).get()

    def _amount(self, invoice, how: str) -> Decimal | None:
        balance = invoice.open_balance
        if how == "principal":
            amount = min(invoice.principal, balance)
        elif how == "half":
            amount = (balance / 2).quantize(CENT, rounding=ROUND_HALF_UP)
        else:
            amount = balance
        return amount if amount > 0 else None

    def pay_online(self, invoice_id: int, how: str, today: date) -> None:
        invoice = self._invoice(invoice_id)
        if invoice.stage in ("paid", "credited"):
            return
        amount = self._amount(invoice, how)
        if amount is None:
            return
        order, _url = self.world.payments.payment_order_create(
            user=self.user,
            lines=[(invoice, amount)],
            provider=self.world.provider,
            absolute_url=lambda path: f"https://myropo.test{path}",
        )
        result = self.world.PaymentResult(
            transaction_id=order.transaction_id,
            stamp=str(order.stamp),
            reference=invoice.reference,
            status="ok",
            amount=order.amount,
            provider="sandbox",
        )
        self.world.payments.payment_confirm(provider_name="sandbox", result=result)
        self.counts["online payment"] += 1

    def pay_bank(self, invoice_id: int, how: str, today: date, reference: str = "") -> None:
        invoice = self._invoice(invoice_id)
        if not reference:
            if invoice.stage in ("paid", "credited"):
                return
            amount = self._amount(invoice, how)
            reference = invoice.reference
        else:
            amount = D(how)
        if amount is None:
            return
        self.file_number += 1
        data = camt054_one(reference, amount, today, f"SIM{self.file_number:08d}")
        self.world.payments.bank_file_import(
            data=data, filename=f"sim-{self.file_number}.xml", source="command"
        )
        self.counts["bank payment"] += 1

    def transfer(self, invoice_id: int, days: int, today: date) -> None:
        invoice = self._invoice(invoice_id)
        try:
            self.world.arrangements.due_date_transfer(
                invoice=invoice,
                to_date=invoice.due_date + timedelta(days=days),
                acting=self.acting,
                today=today,
            )
            self.counts["due-date transfer"] += 1
        except self.world.arrangements.ArrangementError:
            self.counts["due-date transfer refused"] += 1

    def plan(self, invoice_id: int, installments: int, today: date, later: Callable) -> None:
        invoice = self._invoice(invoice_id)
        try:
            plan = self.world.arrangements.plan_create(
                invoices=[invoice],
                start=today + timedelta(days=14),
                acting=self.acting,
                today=today,
                installments=installments,
            )
        except self.world.arrangements.ArrangementError:
            self.counts["payment plan refused"] += 1
            return
        self.counts["payment plan"] += 1
        for row in plan.installments.order_by("number"):
            later(row, plan)

    def dispute(self, invoice_id: int, opened: bool, today: date) -> None:
        """Through the message centre: a dispute with a reason pauses collection at once
        (4 b §); staff reject it later and collection resumes."""
        from messaging import services as messaging

        invoice = self._invoice(invoice_id)
        if opened:
            if invoice.disputed or invoice.stage in ("paid", "credited", "legal"):
                return
            contact = messaging.contact_create(
                owner=messaging.Owner(self.acting, user=self.user),
                classification="dispute",
                body="Simuloitu kiista: tuotetta ei toimitettu.",
                invoices=[invoice],
                channel="email",
            )
            self.disputes[invoice_id] = contact
            self.counts["dispute"] += 1
            return
        contact = self.disputes.pop(invoice_id, None)
        if contact is None:
            return
        messaging.dispute_reject(
            contact=contact, staff=self.user, reason="Toimitus on kuitattu vastaanotetuksi."
        )
        self.counts["dispute resolved"] += 1

    def stop(self, invoice_id: int, _value: bool, today: date) -> None:
        """A consumer asks in writing to stop voluntary collection (4 c §), through the
        engine's service (what staff record in the admin and the message centre calls)."""
        from django.utils import timezone

        invoice = self._invoice(invoice_id)
        service = self.world.collection_services.collection_stop_request
        errors = self.world.collection_services.CollectionError
        try:
            service(
                invoice=invoice, requested_at=timezone.now(), channel="message", actor=self.user
            )
            self.counts["stop request"] += 1
        except errors:
            self.counts["stop request refused"] += 1

    def report(self, invoice_id: int, days: int, today: date) -> None:
        """ "I have paid": the next step waits while customer service looks (our policy)."""
        invoice = self._invoice(invoice_id)
        if invoice.stage in ("paid", "credited"):
            return
        self.world.collection_services.collection_hold(
            invoice=invoice,
            until=today + timedelta(days=days),
            reason="payment_report",
            source=f"sim:{invoice_id}:{today.isoformat()}",
            actor=self.user,
        )
        self.counts["payment report hold"] += 1

    def report_decided(self, invoice_id: int, source_day: date, today: date) -> None:
        released = self.world.collection_services.collection_hold_release(
            source=f"sim:{invoice_id}:{source_day.isoformat()}", actor=self.user
        )
        self.counts["payment report released"] += released


def camt054_one(reference: str, amount: Decimal, booked: date, archive: str) -> bytes:
    """A camt.054 notification of one reference payment booked on `booked`."""
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<Document xmlns="{ns}"><BkToCstmrDbtCdtNtfctn>'
        f"<GrpHdr><MsgId>{archive}</MsgId><CreDtTm>{booked}T06:00:00+02:00</CreDtTm></GrpHdr>"
        "<Ntfctn><Id>SIM</Id><Acct><Id><IBAN>FI7944052020036082</IBAN></Id></Acct>"
        f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        f"<BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{booked}</Dt></ValDt>"
        f"<AcctSvcrRef>B{archive}</AcctSvcrRef><NtryDtls>"
        f"<TxDtls><Refs><AcctSvcrRef>{archive}</AcctSvcrRef></Refs>"
        f'<AmtDtls><TxAmt><Amt Ccy="EUR">{amount}</Amt></TxAmt></AmtDtls>'
        "<RltdPties><Dbtr><Nm>Simulated Payer</Nm></Dbtr></RltdPties>"
        f"<RmtInf><Strd><CdtrRefInf><Ref>{reference}</Ref></CdtrRefInf></Strd></RmtInf>"
        "</TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


# --- The run ------------------------------------------------------------------------------


def simulate(
    *,
    seed: int,
    years: float = 3.5,
    invoices: int = 40,
    start: date = date(2024, 1, 1),
    progress: Callable[[date], None] | None = None,
) -> Result:
    rng = random.Random(seed)
    end = start + timedelta(days=round(365.25 * years))
    world = _World()
    counts: Counter = Counter()
    with time_machine.travel(_at(start, 5), tick=True) as traveller:
        with transaction.atomic():
            user, debtors = _setup(rng, start, end, invoices, world)
        acts = _Acts(world, user, counts)
        agenda: dict[date, list[tuple[_Debtor, str, object]]] = defaultdict(list)
        for debtor in debtors:
            for day, items in debtor.plan.items():
                for what, arg in items:
                    agenda[day].append((debtor, what, arg))
        installment_rng = random.Random(seed + 1)

        def pay_installment_later(row, plan) -> None:
            if installment_rng.random() < 0.12:
                return  # missed: the plan lapses after its grace days
            entry = plan.plan_invoices.first()
            agenda[row.due_date].append(
                (next(d for d in debtors if d.invoice_id == entry.invoice_id), "installment", row)
            )

        day = start
        days = 0
        plan_tasks = importlib.import_module("arrangements.tasks")
        while day <= end:
            traveller.move_to(_at(day, 6))
            world.cycle.run_collection_cycle(today=day)
            plan_tasks.check_plans()
            traveller.move_to(_at(day, 12))
            for debtor, what, arg in agenda.pop(day, []):
                invoice_id = debtor.invoice_id
                if what == "installment":
                    acts.pay_bank(invoice_id, str(arg.amount), day, reference=arg.reference)
                elif what == "plan":
                    acts.plan(invoice_id, arg, day, pay_installment_later)
                else:
                    getattr(acts, what)(invoice_id, arg, day)
            if progress:
                progress(day)
            day += timedelta(days=1)
            days += 1
    histories = loader.histories()
    counts.update(_engine_counts())
    counts.update(f"persona {d.persona}" for d in debtors)
    return Result(
        seed, days, len(histories), check_all(histories), counts, {h.id: h for h in histories}
    )


def _engine_counts() -> Counter:
    CollectionStep = loader.model("CollectionStep")
    Charge = loader.model("Charge")
    counts: Counter = Counter()
    for step in CollectionStep.objects.values_list("step", flat=True):
        counts[f"step {step}"] += 1
    for kind in Charge.objects.values_list("kind", flat=True):
        counts[f"charge {kind}"] += 1
    return counts
