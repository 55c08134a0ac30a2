"""The Finnish legal caps and time limits for reminders and collection, as data.

One table, `LEGAL_RULES`, holds every rule the engine enforces, each row naming its source;
the decision function (`collection.decision`), the interest calculator (`collection.interest`)
and the public price list page all read it, so they cannot disagree. Pure domain code with no
Django imports.

Sources (as researched for DESIGN.md, "Finnish rules the engine enforces"):
- Laki saatavien perinnästä (513/1999), "the Collection Act": §10 a (consumer cost caps),
  §10 b (time limits in consumer collection), §10 c (how many demands, reminders and plans
  may be charged), §10 d (the consumer's total liability for collection costs), §10 e
  (business-to-business collection costs and the standard compensation, as amended by the
  2022 reform, HE 241/2021); §4 and §4 a (good collection practice, disputed debts).
- Laki kaupallisten sopimusten maksuehdoista (30/2013): the 40 € standard compensation
  ("vakiokorvaus") a business creditor may claim once per invoice.
- Korkolaki (633/1982) §4 and §12: late-payment interest = reference rate + 7 pp, or + 8 pp
  for a commercial debt under 30/2013 §1; the reference rate set per half-year.
- Laki velan vanhentumisesta (728/2003) §4, §10, §11: three-year limitation, interrupted by a
  reminder, a claim or an acknowledgement, after which a new period starts.
- Suomen Perimistoimistojen Liitto's code of good collection practice and the Finnish
  Competition and Consumer Authority (KKV) guidance on good collection practice: no
  collection of a disputed or statute-barred debt, no collection without a prior reminder,
  no marketing in collection letters, no phone contact 22–07.
Section numbers follow DESIGN.md's research; the 2022 reform renumbered the B2B rules, so
check each against the consolidated text in Finlex before going live.

Bracket boundaries follow the statute's wording "enintään 100 euroa / yli 100 mutta enintään
1 000 euroa / yli 1 000 euroa": a bracket excludes its lower bound and includes its upper
bound, so a principal of exactly 100.00 is in the "≤ 100" bracket and 1 000.00 in the
"100–1 000" bracket. The total-cost cap is the exception: DESIGN.md says "< 100" for its
lowest bracket (and for the one-plan limit), so exactly 100.00 falls in its middle bracket.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "ANY_PRINCIPAL",
    "LEGAL_RULES",
    "STEP_ORDER",
    "Bracket",
    "DebtorKind",
    "IntRange",
    "LegalRule",
    "PriceListRow",
    "Step",
    "Topic",
    "Unit",
    "demand_fee_cap",
    "interest_margin",
    "limitation_years",
    "min_days_after_previous",
    "phone_contact_allowed",
    "plan_fee_cap",
    "price_list_rows",
    "reminder_fee_cap",
    "rule",
    "rules_for",
    "standard_compensation_cap",
    "total_cost_cap",
    "transfer_fee_cap",
]

ZERO = Decimal("0.00")


class DebtorKind(StrEnum):
    CONSUMER = "consumer"
    BUSINESS = "business"

    @classmethod
    def from_debtor_type(cls, value: str) -> DebtorKind:
        """Map `invoices.models.DebtorType` ("consumer" / "company") onto the rule table's kinds."""
        if value == "company":
            return cls.BUSINESS
        return cls(value)


class Step(StrEnum):
    """The collection steps, in the only order they may happen."""

    REMINDER_1 = "reminder_1"
    REMINDER_2 = "reminder_2"
    DEMAND_1 = "demand_1"
    DEMAND_2 = "demand_2"
    LEGAL_NOTICE = "legal_notice"
    LEGAL = "legal"


STEP_ORDER: tuple[Step, ...] = tuple(Step)


class Topic(StrEnum):
    REMINDER_FEE = "reminder_fee"
    STANDARD_COMPENSATION = "standard_compensation"
    DEMAND_FEE = "demand_fee"
    TOTAL_COSTS = "total_costs"
    PLAN_FEE = "plan_fee"
    PLAN_COUNT = "plan_count"
    TRANSFER_FEE = "transfer_fee"
    INTEREST_MARGIN = "interest_margin"
    LIMITATION = "limitation"
    NEVER = "never"


class Unit(StrEnum):
    EUR = "eur"
    PERCENT_POINTS = "pp"
    YEARS = "years"
    NONE = ""


@dataclass(frozen=True)
class Bracket:
    """A principal range; `None` bounds are open-ended."""

    lower: Decimal | None = None
    upper: Decimal | None = None
    lower_inclusive: bool = False
    upper_inclusive: bool = True

    def contains(self, principal: Decimal) -> bool:
        above_lower = (
            self.lower is None
            or principal > self.lower
            or (principal == self.lower and self.lower_inclusive)
        )
        below_upper = (
            self.upper is None
            or principal < self.upper
            or (principal == self.upper and self.upper_inclusive)
        )
        return above_lower and below_upper

    def describe(self) -> str:
        """E.g. "principal > 100.00 and ≤ 1000.00"; empty for any principal."""
        parts = []
        if self.lower is not None:
            parts.append(f"{'≥' if self.lower_inclusive else '>'} {self.lower}")
        if self.upper is not None:
            parts.append(f"{'≤' if self.upper_inclusive else '<'} {self.upper}")
        return f"principal {' and '.join(parts)}" if parts else ""


ANY_PRINCIPAL = Bracket()


@dataclass(frozen=True)
class IntRange:
    """An inclusive range of whole numbers (installments, days); `None` bounds are open."""

    lower: int | None = None
    upper: int | None = None

    def contains(self, value: int) -> bool:
        return (self.lower is None or value >= self.lower) and (
            self.upper is None or value <= self.upper
        )


ANY_COUNT = IntRange()


@dataclass(frozen=True)
class LegalRule:
    """One row of the legal table.

    `cap` is in euros unless `unit` says otherwise (interest margin in percentage points,
    limitation in years). `kind` None means the rule binds for every debtor.
    """

    code: str
    topic: Topic
    kind: DebtorKind | None
    source: str
    step: Step | None = None
    cap: Decimal | None = None
    unit: Unit = Unit.EUR
    bracket: Bracket = ANY_PRINCIPAL
    installments: IntRange = ANY_COUNT
    transfer_days: IntRange = ANY_COUNT
    before_original_due: bool | None = None
    min_days_after_previous: int | None = None
    max_count: int | None = None
    label_key: str = ""
    note: str = field(default="", compare=False)

    def describe(self) -> str:
        """A one-line English description for explanations, e.g. "consumer, ≤ 5.00 €, …"."""
        bits = [self.kind.value if self.kind else "all debtors"]
        if self.cap is not None:
            bits.append(f"≤ {self.cap} {'€' if self.unit is Unit.EUR else self.unit.value}")
        if text := self.bracket.describe():
            bits.append(text)
        if self.min_days_after_previous is not None:
            bits.append(f"≥ {self.min_days_after_previous} days after the previous step")
        if self.max_count is not None:
            bits.append(f"at most {self.max_count} charged")
        return ", ".join(bits)


def _eur(value: str) -> Decimal:
    return Decimal(value)


C = DebtorKind.CONSUMER
B = DebtorKind.BUSINESS
ACT = "Laki saatavien perinnästä (513/1999)"
PAYMENT_TERMS_ACT = "Laki kaupallisten sopimusten maksuehdoista (30/2013)"
INTEREST_ACT = "Korkolaki (633/1982)"
# The act names an annual rate, no day count: actual/actual as the state debt-counselling
# service's worked example (collection.interest).
DAY_COUNT = "actual/actual: the days of delay over 365, or 366 in a leap year"
LIMITATION_ACT = "Laki velan vanhentumisesta (728/2003)"
ETHICS = "SPL code of good collection practice; KKV guidance on good collection practice"

# Consumer brackets (§10 a: "enintään 100 / yli 100 mutta enintään 1 000 / yli 1 000").
C_UP_TO_100 = Bracket(upper=Decimal(100))
C_100_TO_1000 = Bracket(lower=Decimal(100), upper=Decimal(1000))
C_OVER_1000 = Bracket(lower=Decimal(1000))
# Total-cost brackets (§10 d as DESIGN.md states them: "< 100 / 100–1 000 / > 1 000").
T_UNDER_100 = Bracket(upper=Decimal(100), upper_inclusive=False)
T_100_TO_1000 = Bracket(lower=Decimal(100), lower_inclusive=True, upper=Decimal(1000))
T_AT_LEAST_100 = Bracket(lower=Decimal(100), lower_inclusive=True)
# Business brackets (§10 e: "enintään 500 / yli 500–2 500 / yli 2 500–10 000 / yli 10 000").
B_UP_TO_500 = Bracket(upper=Decimal(500))
B_500_TO_2500 = Bracket(lower=Decimal(500), upper=Decimal(2500))
B_2500_TO_10000 = Bracket(lower=Decimal(2500), upper=Decimal(10000))
B_OVER_10000 = Bracket(lower=Decimal(10000))

_DEMAND_BRACKETS: dict[DebtorKind, tuple[tuple[Bracket, str], ...]] = {
    C: ((C_UP_TO_100, "14.00"), (C_100_TO_1000, "24.00"), (C_OVER_1000, "50.00")),
    B: (
        (B_UP_TO_500, "50.00"),
        (B_500_TO_2500, "70.00"),
        (B_2500_TO_10000, "90.00"),
        (B_OVER_10000, "110.00"),
    ),
}
_BRACKET_NAMES = {
    C_UP_TO_100: "le100",
    C_100_TO_1000: "100_1000",
    C_OVER_1000: "gt1000",
    B_UP_TO_500: "le500",
    B_500_TO_2500: "500_2500",
    B_2500_TO_10000: "2500_10000",
    B_OVER_10000: "gt10000",
}


def _demand_rows() -> Iterable[LegalRule]:
    for kind, brackets in _DEMAND_BRACKETS.items():
        if kind is C:
            source_first = f"{ACT} §10 a(1)(2); interval §10 b"
            # §10 a(1)(4): a new demand on the same debt may cost half of the first.
            source_second = f"{ACT} §10 a(1)(4) (half of the first); §10 b (≥ 14 days)"
            days = 14
        else:
            source_first = f"{ACT} §10 e (business collection costs)"
            source_second = f"{ACT} §10 e (half of the first; ≥ 10 days after the previous)"
            days = 10
        for bracket, cap in brackets:
            name = _BRACKET_NAMES[bracket]
            yield LegalRule(
                code=f"{kind}.demand_1.{name}",
                topic=Topic.DEMAND_FEE,
                kind=kind,
                step=Step.DEMAND_1,
                cap=_eur(cap),
                bracket=bracket,
                min_days_after_previous=days,
                label_key="demand_1",
                source=source_first,
                note="Interval: our conservative reading; DESIGN.md names it for the 2nd demand.",
            )
        for bracket, cap in brackets:
            name = _BRACKET_NAMES[bracket]
            yield LegalRule(
                code=f"{kind}.demand_2.{name}",
                topic=Topic.DEMAND_FEE,
                kind=kind,
                step=Step.DEMAND_2,
                cap=(_eur(cap) / 2).quantize(Decimal("0.01")),
                bracket=bracket,
                min_days_after_previous=days,
                label_key="demand_2",
                source=source_second,
            )


LEGAL_RULES: tuple[LegalRule, ...] = (
    # Payment reminders ("maksumuistutus").
    LegalRule(
        code="consumer.reminder_1",
        topic=Topic.REMINDER_FEE,
        kind=C,
        step=Step.REMINDER_1,
        cap=_eur("5.00"),
        min_days_after_previous=14,
        max_count=2,
        label_key="reminder",
        source=f"{ACT} §10 a(1)(1) (≤ 5 €); §10 b (≥ 14 days after the due date); §10 c (≤ 2)",
    ),
    LegalRule(
        code="consumer.reminder_2",
        topic=Topic.REMINDER_FEE,
        kind=C,
        step=Step.REMINDER_2,
        cap=_eur("5.00"),
        min_days_after_previous=14,
        max_count=2,
        label_key="reminder",
        source=f"{ACT} §10 a(1)(1); §10 b (≥ 14 days after the first reminder); §10 c (≤ 2)",
    ),
    LegalRule(
        code="business.reminder",
        topic=Topic.REMINDER_FEE,
        kind=B,
        cap=_eur("12.00"),
        label_key="reminder",
        source=f"{ACT} §10 e (business reminder ≤ 12 €; not together with the 40 € compensation)",
    ),
    LegalRule(
        code="business.standard_compensation",
        topic=Topic.STANDARD_COMPENSATION,
        kind=B,
        cap=_eur("40.00"),
        max_count=1,
        label_key="standard_compensation",
        source=f"{PAYMENT_TERMS_ACT} §10 a; {ACT} §10 e (instead of reminder fees, once)",
    ),
    # Payment demands ("maksuvaatimus"), first and second, per principal bracket.
    *_demand_rows(),
    # The consumer's total liability for collection costs on one debt.
    LegalRule(
        code="consumer.total.lt100",
        topic=Topic.TOTAL_COSTS,
        kind=C,
        cap=_eur("60.00"),
        bracket=T_UNDER_100,
        label_key="total_costs",
        source=f"{ACT} §10 d",
    ),
    LegalRule(
        code="consumer.total.100_1000",
        topic=Topic.TOTAL_COSTS,
        kind=C,
        cap=_eur("120.00"),
        bracket=T_100_TO_1000,
        label_key="total_costs",
        source=f"{ACT} §10 d",
    ),
    LegalRule(
        code="consumer.total.gt1000",
        topic=Topic.TOTAL_COSTS,
        kind=C,
        cap=_eur("210.00"),
        bracket=C_OVER_1000,
        label_key="total_costs",
        source=f"{ACT} §10 d",
    ),
    # Payment plans ("maksusuunnitelma"): the 20 € row is an "or", so it is two rows.
    LegalRule(
        code="consumer.plan.le100",
        topic=Topic.PLAN_FEE,
        kind=C,
        cap=_eur("20.00"),
        bracket=C_UP_TO_100,
        label_key="plan_fee",
        source=f"{ACT} §10 a(1)(7)(a) (principal ≤ 100 €)",
    ),
    LegalRule(
        code="consumer.plan.le4_installments",
        topic=Topic.PLAN_FEE,
        kind=C,
        cap=_eur("20.00"),
        installments=IntRange(upper=4),
        label_key="plan_fee",
        source=f"{ACT} §10 a(1)(7)(a) (≤ 4 installments)",
    ),
    LegalRule(
        code="consumer.plan.100_1000",
        topic=Topic.PLAN_FEE,
        kind=C,
        cap=_eur("30.00"),
        bracket=C_100_TO_1000,
        installments=IntRange(lower=5),
        label_key="plan_fee",
        source=f"{ACT} §10 a(1)(7)(b)",
    ),
    LegalRule(
        code="consumer.plan.gt1000",
        topic=Topic.PLAN_FEE,
        kind=C,
        cap=_eur("50.00"),
        bracket=C_OVER_1000,
        installments=IntRange(lower=5),
        label_key="plan_fee",
        source=f"{ACT} §10 a(1)(7)(c)",
    ),
    LegalRule(
        code="business.plan",
        topic=Topic.PLAN_FEE,
        kind=B,
        cap=None,
        label_key="plan_fee",
        source="No statutory cap for business debtors: the creditor's price list applies",
    ),
    LegalRule(
        code="consumer.plan_count.lt100",
        topic=Topic.PLAN_COUNT,
        kind=C,
        unit=Unit.NONE,
        bracket=T_UNDER_100,
        max_count=1,
        source=f"{ACT} §10 c (one charged plan if the principal is under 100 €)",
    ),
    LegalRule(
        code="consumer.plan_count.ge100",
        topic=Topic.PLAN_COUNT,
        kind=C,
        unit=Unit.NONE,
        bracket=T_AT_LEAST_100,
        max_count=2,
        source=f"{ACT} §10 c (at most two charged plans)",
    ),
    # Due-date transfers ("eräpäivän siirto" / "maksuajan pidennys").
    LegalRule(
        code="consumer.transfer.before_due",
        topic=Topic.TRANSFER_FEE,
        kind=C,
        cap=ZERO,
        before_original_due=True,
        label_key="transfer_before_due",
        source=f"{ACT} §10 a(1)(6); DESIGN.md: free when asked before the original due date",
    ),
    LegalRule(
        code="consumer.transfer.short",
        topic=Topic.TRANSFER_FEE,
        kind=C,
        cap=ZERO,
        before_original_due=False,
        transfer_days=IntRange(upper=13),
        label_key="transfer_short",
        source=f"{ACT} §10 a(1)(6); DESIGN.md: a fee only for a transfer of ≥ 14 days",
    ),
    LegalRule(
        code="consumer.transfer.long",
        topic=Topic.TRANSFER_FEE,
        kind=C,
        cap=_eur("5.00"),
        before_original_due=False,
        transfer_days=IntRange(lower=14),
        label_key="transfer_long",
        source=f"{ACT} §10 a(1)(6) (extension of payment time ≤ 5 €)",
    ),
    LegalRule(
        code="business.transfer.short",
        topic=Topic.TRANSFER_FEE,
        kind=B,
        cap=ZERO,
        transfer_days=IntRange(upper=13),
        label_key="transfer_short",
        source="Ropo price list (seed-era): the business fee applies to transfers ≥ 14 days",
    ),
    LegalRule(
        code="business.transfer.long",
        topic=Topic.TRANSFER_FEE,
        kind=B,
        cap=_eur("10.00"),
        transfer_days=IntRange(lower=14),
        label_key="transfer_long",
        source="Ropo price list (seed-era); no statutory cap for business debtors",
    ),
    # Late-payment interest margins over the reference rate.
    LegalRule(
        code="consumer.interest_margin",
        topic=Topic.INTEREST_MARGIN,
        kind=C,
        cap=Decimal("7.0"),
        unit=Unit.PERCENT_POINTS,
        label_key="interest",
        source=f"{INTEREST_ACT} §4 (reference rate + 7 pp); reference rate §12; {DAY_COUNT}",
    ),
    LegalRule(
        code="business.interest_margin",
        topic=Topic.INTEREST_MARGIN,
        kind=B,
        cap=Decimal("8.0"),
        unit=Unit.PERCENT_POINTS,
        label_key="interest",
        source=(
            f"{INTEREST_ACT} §4 (+ 8 pp for a payment under {PAYMENT_TERMS_ACT} §1); {DAY_COUNT}"
        ),
    ),
    # Limitation.
    LegalRule(
        code="limitation",
        topic=Topic.LIMITATION,
        kind=None,
        cap=Decimal(3),
        unit=Unit.YEARS,
        source=f"{LIMITATION_ACT} §4 (3 years from the due date), §10–§11 (renewal)",
    ),
    # The "never" rules: no cap, but each decision that stops on one names it.
    LegalRule(
        code="never.disputed",
        topic=Topic.NEVER,
        kind=None,
        unit=Unit.NONE,
        source=f"{ACT} §4 a (disputed with reasons: pause until resolved); {ETHICS}",
    ),
    LegalRule(
        code="never.statute_barred",
        topic=Topic.NEVER,
        kind=None,
        unit=Unit.NONE,
        source=f"{LIMITATION_ACT} §4; {ETHICS}",
    ),
    LegalRule(
        code="never.collection_without_reminder",
        topic=Topic.NEVER,
        kind=None,
        unit=Unit.NONE,
        source=f"{ETHICS}; Ropo's ethical principles (seed 004)",
    ),
    LegalRule(
        code="never.marketing_in_collection",
        topic=Topic.NEVER,
        kind=None,
        unit=Unit.NONE,
        source=f"{ACT} §4 (good collection practice); {ETHICS}",
    ),
    LegalRule(
        code="never.phone_22_07",
        topic=Topic.NEVER,
        kind=None,
        unit=Unit.NONE,
        source=f"{ACT} §4 (no undue inconvenience); {ETHICS}",
    ),
)

_BY_CODE: dict[str, LegalRule] = {row.code: row for row in LEGAL_RULES}

PHONE_CONTACT_FORBIDDEN_FROM = time(22, 0)
PHONE_CONTACT_FORBIDDEN_UNTIL = time(7, 0)


def rule(code: str) -> LegalRule:
    return _BY_CODE[code]


def rules_for(
    topic: Topic, kind: DebtorKind | None = None, step: Step | None = None
) -> tuple[LegalRule, ...]:
    """The rows of one topic binding on `kind` (rows for all debtors included)."""
    return tuple(
        row
        for row in LEGAL_RULES
        if row.topic is topic
        and (kind is None or row.kind is None or row.kind is kind)
        and (step is None or row.step is None or row.step is step)
    )


def _check_principal(principal: Decimal) -> None:
    if not isinstance(principal, Decimal) or principal < 0:
        raise ValueError(f"principal must be a non-negative Decimal, not {principal!r}")


def _only(rows: Iterable[LegalRule], what: str) -> LegalRule:
    found = tuple(rows)
    if len(found) != 1:
        raise LookupError(f"expected one rule for {what}, found {[r.code for r in found]}")
    return found[0]


def reminder_rule(kind: DebtorKind, reminder_number: int) -> LegalRule:
    if reminder_number not in (1, 2):
        raise ValueError("reminder_number must be 1 or 2")
    step = Step.REMINDER_1 if reminder_number == 1 else Step.REMINDER_2
    return _only(rules_for(Topic.REMINDER_FEE, kind, step), f"{kind} reminder {reminder_number}")


def reminder_fee_cap(kind: DebtorKind, reminder_number: int) -> Decimal:
    """The most a reminder may cost: 5.00 (consumer) / 12.00 (business).

    A consumer may be charged for at most two reminders (§10 c), so a third costs 0.00.
    """
    if reminder_number < 1:
        raise ValueError("reminder_number starts at 1")
    if reminder_number > 2:
        row = reminder_rule(kind, 2)
        if row.max_count is not None and reminder_number > row.max_count:
            return ZERO
        reminder_number = 2
    cap = reminder_rule(kind, reminder_number).cap
    assert cap is not None
    return cap


def standard_compensation_cap() -> Decimal:
    cap = rule("business.standard_compensation").cap
    assert cap is not None
    return cap


def demand_rule(kind: DebtorKind, principal: Decimal, demand_number: int) -> LegalRule:
    _check_principal(principal)
    if demand_number not in (1, 2):
        raise ValueError("demand_number must be 1 or 2")
    step = Step.DEMAND_1 if demand_number == 1 else Step.DEMAND_2
    rows = (r for r in rules_for(Topic.DEMAND_FEE, kind, step) if r.bracket.contains(principal))
    return _only(rows, f"{kind} demand {demand_number} at {principal}")


def demand_fee_cap(kind: DebtorKind, principal: Decimal, demand_number: int) -> Decimal:
    """The most a payment demand may cost for this principal (the second is half the first)."""
    cap = demand_rule(kind, principal, demand_number).cap
    assert cap is not None
    return cap


def total_cost_rule(kind: DebtorKind, principal: Decimal) -> LegalRule | None:
    _check_principal(principal)
    rows = [r for r in rules_for(Topic.TOTAL_COSTS, kind) if r.bracket.contains(principal)]
    return _only(rows, f"{kind} total costs at {principal}") if rows else None


def total_cost_cap(kind: DebtorKind, principal: Decimal) -> Decimal | None:
    """The consumer's total collection costs on one debt (§10 d); None: no cap (business)."""
    row = total_cost_rule(kind, principal)
    return row.cap if row else None


def plan_fee_cap(
    kind: DebtorKind, principal: Decimal, installments: int, plans_already_charged: int
) -> Decimal | None:
    """The most a payment plan may cost; 0.00 once the allowed number of plans was charged.

    Where two rows match (principal ≤ 100 and ≤ 4 installments) both say 20.00; taking the
    lowest matching cap keeps the lookup safe if the table ever grows an overlap.
    None: no statutory cap (business, the creditor's price list).
    """
    _check_principal(principal)
    if installments < 1 or plans_already_charged < 0:
        raise ValueError("installments ≥ 1 and plans_already_charged ≥ 0")
    rows = [
        r
        for r in rules_for(Topic.PLAN_FEE, kind)
        if r.bracket.contains(principal) and r.installments.contains(installments)
    ]
    if not rows:
        raise LookupError(f"no plan fee rule for {kind}, {principal}, {installments}")
    for count_rule in rules_for(Topic.PLAN_COUNT, kind):
        limit = count_rule.max_count
        in_bracket = count_rule.bracket.contains(principal)
        if in_bracket and limit is not None and plans_already_charged >= limit:
            return ZERO
    caps = [r.cap for r in rows]
    if any(cap is None for cap in caps):
        return None
    return min(cap for cap in caps if cap is not None)


def transfer_fee_cap(kind: DebtorKind, days: int, before_original_due: bool) -> Decimal:
    """The most a due-date transfer of `days` days may cost (0.00: it must be free)."""
    if days < 1:
        raise ValueError("a transfer moves the due date by at least one day")
    rows = [
        r
        for r in rules_for(Topic.TRANSFER_FEE, kind)
        if r.transfer_days.contains(days)
        and (r.before_original_due is None or r.before_original_due == before_original_due)
    ]
    caps = [r.cap for r in rows if r.cap is not None]
    if not caps:
        raise LookupError(f"no transfer fee rule for {kind}, {days} days")
    return min(caps)


def interest_margin(kind: DebtorKind) -> Decimal:
    """Percentage points over the reference rate (Korkolaki §4)."""
    cap = _only(rules_for(Topic.INTEREST_MARGIN, kind), f"{kind} interest margin").cap
    assert cap is not None
    return cap


def limitation_years() -> int:
    cap = rule("limitation").cap
    assert cap is not None
    return int(cap)


def min_days_after_previous(kind: DebtorKind, step: Step) -> int | None:
    """The legal minimum interval before a chargeable step, or None where the law sets none."""
    intervals = {
        r.min_days_after_previous
        for topic in (Topic.REMINDER_FEE, Topic.DEMAND_FEE)
        for r in rules_for(topic, kind)
        if r.step is step and r.min_days_after_previous is not None
    }
    return max(intervals) if intervals else None


def phone_contact_allowed(at: time) -> bool:
    """Collection calls never between 22:00 and 07:00 (local Finnish time)."""
    return PHONE_CONTACT_FORBIDDEN_UNTIL <= at < PHONE_CONTACT_FORBIDDEN_FROM


@dataclass(frozen=True)
class PriceListRow:
    """One line of the public price list: legal maxima for a consumer and a business.

    The page translates `label_key` and renders `condition` (the principal bracket, the
    installments or the transfer length) next to it; None in a value column means "not
    applicable" for that debtor (e.g. the standard compensation for consumers), and a row
    with both None (the business payment plan) has no statutory cap: the creditor's own
    price list applies.
    """

    label_key: str
    condition: str
    unit: Unit
    consumer: Decimal | None
    business: Decimal | None
    source: str


def _condition(row: LegalRule) -> str:
    bits = []
    if text := row.bracket.describe():
        bits.append(text)
    if row.installments != ANY_COUNT:
        lo, hi = row.installments.lower, row.installments.upper
        bits.append(f"installments ≤ {hi}" if hi is not None else f"installments ≥ {lo}")
    if row.before_original_due:
        bits.append("asked before the original due date")
    if row.transfer_days != ANY_COUNT:
        lo, hi = row.transfer_days.lower, row.transfer_days.upper
        bits.append(f"transfer ≤ {hi} days" if hi is not None else f"transfer ≥ {lo} days")
    return "; ".join(bits)


def price_list_rows() -> tuple[PriceListRow, ...]:
    """The price-list data, built from `LEGAL_RULES` so the page and the engine agree.

    Rows with the same label and condition for consumers and businesses (e.g. the reminder
    fee) merge into one line; the consumer's two reminder rows merge into one "reminder".
    """
    merged: dict[tuple[str, str, Unit], dict[str, object]] = {}
    for row in LEGAL_RULES:
        if not row.label_key or row.unit not in (Unit.EUR, Unit.PERCENT_POINTS):
            continue
        key = (row.label_key, _condition(row), row.unit)
        entry = merged.setdefault(key, {"consumer": None, "business": None, "sources": []})
        if row.kind is not None:
            entry[row.kind.value] = row.cap
        sources = entry["sources"]
        assert isinstance(sources, list)
        if row.source not in sources:
            sources.append(row.source)
    result = []
    for (label_key, condition, unit), entry in merged.items():
        consumer, business, sources = entry["consumer"], entry["business"], entry["sources"]
        assert isinstance(sources, list)
        result.append(
            PriceListRow(
                label_key=label_key,
                condition=condition,
                unit=unit,
                consumer=consumer if isinstance(consumer, Decimal) else None,
                business=business if isinstance(business, Decimal) else None,
                source="; ".join(sources),
            )
        )
    return tuple(result)
