"""The Finnish legal caps, intervals and orders for reminders and collection, as data.

One table, `LEGAL_RULES`, holds every rule the engine enforces, each row naming its exact
section; the decision function (`collection.decision`), the payment allocation, the plan and
transfer fees and the public price list page all read it, so they cannot disagree. Pure
domain code with no Django imports.

Sources, checked against the statute texts (Finlex, 2026-12):
- Laki saatavien perinnästä 513/1999 ("perintälaki") as amended by 31/2013 (consumer rules,
  in force 16.3.2013: 4 §, 4 b §, 4 c §, 5 §, 6 §, 10 §–10 d §, 11 a §) and 299/2022
  (business rules 10 e §–10 j §, in force 1.5.2022).
- Korkolaki 633/1982 4 § (reference rate + 7 pp), 4 a § (+ 8 pp for a commercial payment
  under 30/2013), 12 § (the reference rate).
- Laki velan vanhentumisesta 728/2003 4 § (three years), 5 § (from the due date), 10 §
  (interruption), 11 § (a new period of the same length).
- The Consumer Ombudsman's decision of 21.10.2024 on Ropo Suomi Oy (KKV/378/14.08.01.05/
  2022): at least 14 whole days between the due date or the previous letter and the next
  letter (so the earliest day is the 15th), and every letter gives at least 10 days to pay
  and object, counted from the day the debtor at the latest receives it.

Brackets: the statute's "enintään 100 / yli 100 mutta enintään 1 000 / yli 1 000" — a
bracket excludes its lower bound and includes its upper bound, so a principal of exactly
100.00 is in the lowest bracket everywhere (10 a §, 10 c §, 10 d §, 10 e §, 10 g §, 10 h §).
"Saatavan pääoma" is read as the capital still unpaid on the day of the act (never more than
the original capital): a part payment can only lower a bracket, never raise one, so this is
the stricter of the two readings for every cap and count (each row says so in
`principal_basis`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import time
from decimal import Decimal
from enum import StrEnum

__all__ = [
    "ANY_PRINCIPAL",
    "LEGAL_RULES",
    "MIN_LETTER_PAYMENT_DAYS",
    "STEP_ORDER",
    "Act",
    "Bracket",
    "Channel",
    "Cite",
    "DebtorKind",
    "IntRange",
    "LegalRule",
    "PriceListRow",
    "Step",
    "Topic",
    "Unit",
    "allocation_order_refusal",
    "default_allocation_order",
    "delivery_days",
    "demand_fee_cap",
    "interest_margin",
    "letter_interval_days",
    "limitation_years",
    "min_days_after_previous",
    "min_payment_days",
    "payment_report_hold_days",
    "phone_contact_allowed",
    "plan_count_limit",
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
    LETTER_INTERVAL = "letter_interval"
    PAYMENT_TIME = "payment_time"
    DELIVERY = "delivery"
    ALLOCATION = "allocation"
    STOP_REQUEST = "stop_request"
    LEGAL_HANDOVER = "legal_handover"
    INTEREST_MARGIN = "interest_margin"
    LIMITATION = "limitation"
    NEVER = "never"
    HOLD = "hold"


class Unit(StrEnum):
    EUR = "eur"
    PERCENT_POINTS = "pp"
    YEARS = "years"
    DAYS = "days"
    NONE = ""


class Channel(StrEnum):
    """How a letter reaches the debtor; each has a delivery time in the table."""

    E_INVOICE = "e_invoice"
    EMAIL = "email"
    LETTER_POST = "letter_post"


# The allocation components (values of `payments.models.Component`).
COSTS, INTEREST, PRINCIPAL = "costs", "interest", "principal"


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

# Why every bracket reads the unpaid capital (see the module docstring).
UNPAID = (
    "unpaid capital on the day of the act: never above the original, so a part payment can "
    "only lower the bracket (the stricter reading of 'saatavan pääoma')"
)


class Act(StrEnum):
    """The texts a rule row cites; `collection.citations` names each in the page's language."""

    DEBT_COLLECTION = "debt_collection"  # laki saatavien perinnästä 513/1999
    INTEREST = "interest"  # korkolaki 633/1982
    LIMITATION = "limitation"  # laki velan vanhentumisesta 728/2003
    E_SERVICES = "e_services"  # laki sähköisestä asioinnista viranomaistoiminnassa 13/2003
    ADMINISTRATIVE = "administrative"  # hallintolaki 434/2003
    OMBUDSMAN = "ombudsman"  # KKV/378/14.08.01.05/2022, 21.10.2024 (Ropo Suomi Oy)
    ETHICS = "ethics"  # the SPL code of good collection practice
    POLICY = "policy"  # our own policy, stricter than the law


@dataclass(frozen=True)
class Cite:
    """One exact place of a text: section ("10 a"), subsection (momentti), paragraph (kohta),
    subparagraph (alakohta, "b"), and the amending act that gave it its words."""

    act: Act
    section: str = ""
    subsection: int | None = None
    paragraph: int | None = None
    subparagraph: str = ""
    amended_by: str = ""


def _p13(section: str, subsection=None, paragraph=None, subparagraph="") -> Cite:
    """Perintälaki, in the words of 31/2013."""
    return Cite(Act.DEBT_COLLECTION, section, subsection, paragraph, subparagraph, "31/2013")


def _p22(section: str, subsection=None, paragraph=None, subparagraph="") -> Cite:
    """Perintälaki, in the words of 299/2022."""
    return Cite(Act.DEBT_COLLECTION, section, subsection, paragraph, subparagraph, "299/2022")


_OMBUDSMAN = Cite(Act.OMBUDSMAN)
_POLICY = Cite(Act.POLICY)
_ETHICS = Cite(Act.ETHICS)


@dataclass(frozen=True)
class LegalRule:
    """One row of the legal table.

    `cap` is in euros unless `unit` says otherwise (interest margin in percentage points,
    limitation in years, delivery and payment times in days). `kind` None means the rule
    binds for every debtor. `min_days_after_previous`: the least number of days between the
    previous letter (or the due date) and this step. `per_installment_fee` is added for each
    installment from `per_installment_from` on (10 e § 1 mom 6 k e). `order` is the default
    allocation order and `costs_last` forbids any order that pays costs before the principal
    and its interest (11 a § 2 mom).
    """

    code: str
    topic: Topic
    kind: DebtorKind | None
    source: str
    step: Step | None = None
    cap: Decimal | None = None
    unit: Unit = Unit.EUR
    bracket: Bracket = ANY_PRINCIPAL
    principal_basis: str = ""
    installments: IntRange = ANY_COUNT
    transfer_days: IntRange = ANY_COUNT
    before_original_due: bool | None = None
    min_days_after_previous: int | None = None
    sent_days_before_due: int | None = None
    max_count: int | None = None
    per_installment_fee: Decimal | None = None
    per_installment_from: int | None = None
    order: tuple[str, ...] = ()
    costs_last: bool = False
    label_key: str = ""
    note: str = field(default="", compare=False)
    cites: tuple[Cite, ...] = field(default=(), compare=False)

    def describe(self) -> str:
        """A one-line English description for explanations, e.g. "consumer, ≤ 5.00 €, …"."""
        bits = [self.kind.value if self.kind else "all debtors"]
        if self.cap is not None and self.unit in (Unit.EUR, Unit.PERCENT_POINTS):
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
ACT = "Perintälaki 513/1999"
AMENDED_2013 = "as amended by 31/2013"
AMENDED_2022 = "as amended by 299/2022"
INTEREST_ACT = "Korkolaki 633/1982"
LIMITATION_ACT = "Laki velan vanhentumisesta 728/2003"
OMBUDSMAN = "Consumer Ombudsman 21.10.2024, Ropo Suomi Oy (KKV/378/14.08.01.05/2022)"
DAY_COUNT = "actual/actual: the days of delay over 365, or 366 in a leap year"
ETHICS = "SPL code of good collection practice; Ropo's ethical principles"

# Consumer brackets (10 a §, 10 c §, 10 d §: "enintään 100 / yli 100 mutta enintään 1 000 /
# yli 1 000").
C_UP_TO_100 = Bracket(upper=Decimal(100))
C_100_TO_1000 = Bracket(lower=Decimal(100), upper=Decimal(1000))
C_OVER_1000 = Bracket(lower=Decimal(1000))
C_OVER_100 = Bracket(lower=Decimal(100))
# Business brackets (10 e §, 10 h §: "enintään 500 / yli 500–2 500 / yli 2 500–10 000 /
# yli 10 000"; 10 g § 2 mom: "yli 500").
B_UP_TO_500 = Bracket(upper=Decimal(500))
B_500_TO_2500 = Bracket(lower=Decimal(500), upper=Decimal(2500))
B_2500_TO_10000 = Bracket(lower=Decimal(2500), upper=Decimal(10000))
B_OVER_10000 = Bracket(lower=Decimal(10000))
B_OVER_500 = Bracket(lower=Decimal(500))

# The Ombudsman's 2024 reading of the 14-day limits: the letter may not go on the 14th day.
CONSUMER_LETTER_INTERVAL = 15
# 10 f § 1 mom: a new reminder or demand fee only ≥ 10 days after the previous one.
BUSINESS_LETTER_INTERVAL = 10

_BRACKET_NAMES = {
    C_UP_TO_100: "le100",
    C_100_TO_1000: "100_1000",
    C_OVER_1000: "gt1000",
    B_UP_TO_500: "le500",
    B_500_TO_2500: "500_2500",
    B_2500_TO_10000: "2500_10000",
    B_OVER_10000: "gt10000",
}
_LETTERS = "abcd"

_DEMAND_BRACKETS: dict[DebtorKind, tuple[tuple[Bracket, str], ...]] = {
    C: ((C_UP_TO_100, "14.00"), (C_100_TO_1000, "24.00"), (C_OVER_1000, "50.00")),
    B: (
        (B_UP_TO_500, "50.00"),
        (B_500_TO_2500, "70.00"),
        (B_2500_TO_10000, "90.00"),
        (B_OVER_10000, "110.00"),
    ),
}


def _demand_rows() -> Iterable[LegalRule]:
    for kind, brackets in _DEMAND_BRACKETS.items():
        for index, (bracket, cap) in enumerate(brackets):
            name, letter = _BRACKET_NAMES[bracket], _LETTERS[index]
            if kind is C:
                first = (
                    f"{ACT} 10 a § 1 mom 2 k {letter} ({AMENDED_2013}); not before a reminder "
                    f"+ 14 days (5 § 1 mom, {AMENDED_2022}); earliest day 15 ({OMBUDSMAN})"
                )
                second = (
                    f"{ACT} 10 a § 1 mom 4 k (half of the first); 10 b § 2 mom (14 days after "
                    f"the previous letter), earliest day 15 ({OMBUDSMAN}); at most two "
                    f"demands (10 c § 1 mom)"
                )
                days = CONSUMER_LETTER_INTERVAL
            else:
                first = (
                    f"{ACT} 10 e § 1 mom 2 k {letter} ({AMENDED_2022}); 10 f § 1 mom "
                    "(10 days after the previous reminder or demand)"
                )
                second = (
                    f"{ACT} 10 e § 1 mom 3 k (half of the first); 10 f § 1 mom (10 days); at "
                    f"most two demands (10 g § 1 mom) ({AMENDED_2022})"
                )
                days = BUSINESS_LETTER_INTERVAL
            yield LegalRule(
                code=f"{kind}.demand_1.{name}",
                topic=Topic.DEMAND_FEE,
                kind=kind,
                step=Step.DEMAND_1,
                cap=_eur(cap),
                bracket=bracket,
                principal_basis=UNPAID,
                min_days_after_previous=days,
                label_key="demand_1",
                source=first,
            )
        for bracket, cap in brackets:
            yield LegalRule(
                code=f"{kind}.demand_2.{_BRACKET_NAMES[bracket]}",
                topic=Topic.DEMAND_FEE,
                kind=kind,
                step=Step.DEMAND_2,
                cap=(_eur(cap) / 2).quantize(Decimal("0.01")),
                bracket=bracket,
                principal_basis=UNPAID,
                min_days_after_previous=days,
                max_count=2,
                label_key="demand_2",
                source=second,
            )


def _total_rows() -> Iterable[LegalRule]:
    consumer = ((C_UP_TO_100, "60.00"), (C_100_TO_1000, "120.00"), (C_OVER_1000, "210.00"))
    for index, (bracket, cap) in enumerate(consumer, start=1):
        yield LegalRule(
            code=f"consumer.total.{_BRACKET_NAMES[bracket]}",
            topic=Topic.TOTAL_COSTS,
            kind=C,
            cap=_eur(cap),
            bracket=bracket,
            principal_basis=UNPAID,
            label_key="total_costs",
            source=(
                f"{ACT} 10 d § 1 mom {index} k ({AMENDED_2013}): every collection cost, plan "
                "and due-date fees included"
            ),
        )
    business = (
        (B_UP_TO_500, "250.00"),
        (B_500_TO_2500, "470.00"),
        (B_2500_TO_10000, "550.00"),
        (B_OVER_10000, "620.00"),
    )
    for index, (bracket, cap) in enumerate(business, start=1):
        yield LegalRule(
            code=f"business.total.{_BRACKET_NAMES[bracket]}",
            topic=Topic.TOTAL_COSTS,
            kind=B,
            cap=_eur(cap),
            bracket=bracket,
            principal_basis=UNPAID,
            label_key="total_costs",
            source=(
                f"{ACT} 10 h § 1 mom {index} k ({AMENDED_2022}); the 40 € standard "
                "compensation is outside it (10 h § 3 mom)"
            ),
        )


def _plan_rows() -> Iterable[LegalRule]:
    # 10 a § 1 mom 7 k a: "≤ 100 or ≤ 4 installments" is an "or", so it is two rows.
    yield LegalRule(
        code="consumer.plan.le100",
        topic=Topic.PLAN_FEE,
        kind=C,
        cap=_eur("20.00"),
        bracket=C_UP_TO_100,
        principal_basis=UNPAID,
        label_key="plan_fee",
        source=f"{ACT} 10 a § 1 mom 7 k a ({AMENDED_2013}): principal ≤ 100 €",
    )
    yield LegalRule(
        code="consumer.plan.le4_installments",
        topic=Topic.PLAN_FEE,
        kind=C,
        cap=_eur("20.00"),
        installments=IntRange(upper=4),
        label_key="plan_fee",
        source=f"{ACT} 10 a § 1 mom 7 k a ({AMENDED_2013}): at most four installments",
    )
    for bracket, cap, letter in ((C_100_TO_1000, "30.00", "b"), (C_OVER_1000, "50.00", "c")):
        yield LegalRule(
            code=f"consumer.plan.{_BRACKET_NAMES[bracket]}",
            topic=Topic.PLAN_FEE,
            kind=C,
            cap=_eur(cap),
            bracket=bracket,
            principal_basis=UNPAID,
            installments=IntRange(lower=5),
            label_key="plan_fee",
            source=f"{ACT} 10 a § 1 mom 7 k {letter} ({AMENDED_2013})",
        )
    extra = {"per_installment_fee": _eur("5.00"), "per_installment_from": 7}
    extra_text = "; + 5 € for each installment from the 7th when more than six (10 e § 1 mom 6 k e)"
    yield LegalRule(
        code="business.plan.le500",
        topic=Topic.PLAN_FEE,
        kind=B,
        cap=_eur("30.00"),
        bracket=B_UP_TO_500,
        principal_basis=UNPAID,
        label_key="plan_fee",
        source=f"{ACT} 10 e § 1 mom 6 k a ({AMENDED_2022}): principal ≤ 500 €{extra_text}",
        **extra,
    )
    yield LegalRule(
        code="business.plan.le4_installments",
        topic=Topic.PLAN_FEE,
        kind=B,
        cap=_eur("30.00"),
        installments=IntRange(upper=4),
        label_key="plan_fee",
        source=f"{ACT} 10 e § 1 mom 6 k a ({AMENDED_2022}): at most four installments",
    )
    business = (
        (B_500_TO_2500, "45.00", "b"),
        (B_2500_TO_10000, "60.00", "c"),
        (B_OVER_10000, "75.00", "d"),
    )
    for bracket, cap, letter in business:
        yield LegalRule(
            code=f"business.plan.{_BRACKET_NAMES[bracket]}",
            topic=Topic.PLAN_FEE,
            kind=B,
            cap=_eur(cap),
            bracket=bracket,
            principal_basis=UNPAID,
            installments=IntRange(lower=5),
            label_key="plan_fee",
            source=f"{ACT} 10 e § 1 mom 6 k {letter} ({AMENDED_2022}){extra_text}",
            **extra,
        )
    yield LegalRule(
        code="consumer.plan_count.le100",
        topic=Topic.PLAN_COUNT,
        kind=C,
        unit=Unit.NONE,
        bracket=C_UP_TO_100,
        principal_basis=UNPAID,
        max_count=1,
        source=f"{ACT} 10 c § 1 mom ({AMENDED_2013}): fees for one plan",
    )
    yield LegalRule(
        code="consumer.plan_count.gt100",
        topic=Topic.PLAN_COUNT,
        kind=C,
        unit=Unit.NONE,
        bracket=C_OVER_100,
        principal_basis=UNPAID,
        max_count=2,
        source=f"{ACT} 10 c § 1 mom ({AMENDED_2013}): two plans only if the principal > 100 €",
    )
    yield LegalRule(
        code="business.plan_count.le500",
        topic=Topic.PLAN_COUNT,
        kind=B,
        unit=Unit.NONE,
        bracket=B_UP_TO_500,
        principal_basis=UNPAID,
        max_count=1,
        source=f"{ACT} 10 g § 2 mom ({AMENDED_2022}): fees for one plan",
    )
    yield LegalRule(
        code="business.plan_count.gt500",
        topic=Topic.PLAN_COUNT,
        kind=B,
        unit=Unit.NONE,
        bracket=B_OVER_500,
        principal_basis=UNPAID,
        max_count=2,
        source=f"{ACT} 10 g § 2 mom ({AMENDED_2022}): two plans only if the principal > 500 €",
    )


_TABLE: tuple[LegalRule, ...] = (
    # Payment reminders ("maksumuistutus").
    LegalRule(
        code="consumer.reminder_1",
        topic=Topic.REMINDER_FEE,
        kind=C,
        step=Step.REMINDER_1,
        cap=_eur("5.00"),
        min_days_after_previous=CONSUMER_LETTER_INTERVAL,
        sent_days_before_due=14,
        label_key="reminder",
        source=(
            f"{ACT} 10 a § 1 mom 1 k (≤ 5 €, {AMENDED_2022}); 10 b § 1 mom (the invoice sent "
            f"≥ 14 days before its due date, ≥ 14 days after the due date, {AMENDED_2013}); "
            f"earliest day 15 ({OMBUDSMAN})"
        ),
    ),
    LegalRule(
        code="consumer.reminder_2",
        topic=Topic.REMINDER_FEE,
        kind=C,
        step=Step.REMINDER_2,
        cap=_eur("5.00"),
        min_days_after_previous=CONSUMER_LETTER_INTERVAL,
        label_key="reminder",
        source=(
            f"{ACT} 10 a § 1 mom 1 k (≤ 5 €, {AMENDED_2022}); 10 b § 2 mom (≥ 14 days after "
            f"the previous letter, {AMENDED_2013}); earliest day 15 ({OMBUDSMAN})"
        ),
    ),
    LegalRule(
        code="business.reminder_1",
        topic=Topic.REMINDER_FEE,
        kind=B,
        step=Step.REMINDER_1,
        cap=_eur("12.00"),
        label_key="reminder",
        source=f"{ACT} 10 e § 1 mom 1 k ({AMENDED_2022})",
    ),
    LegalRule(
        code="business.reminder_2",
        topic=Topic.REMINDER_FEE,
        kind=B,
        step=Step.REMINDER_2,
        cap=_eur("12.00"),
        min_days_after_previous=BUSINESS_LETTER_INTERVAL,
        label_key="reminder",
        source=(
            f"{ACT} 10 e § 1 mom 1 k; 10 f § 1 mom (≥ 10 days after the previous reminder "
            f"or demand) ({AMENDED_2022})"
        ),
    ),
    LegalRule(
        code="business.standard_compensation",
        topic=Topic.STANDARD_COMPENSATION,
        kind=B,
        cap=_eur("40.00"),
        max_count=1,
        label_key="standard_compensation",
        source=(
            f"{ACT} 10 i § ({AMENDED_2022}): 40 € once when late-payment interest is due "
            "under 30/2013 1 §; other collection costs only beyond 40 €"
        ),
    ),
    # Payment demands ("maksuvaatimus"), first and second, per principal bracket.
    *_demand_rows(),
    # Total collection costs of one receivable.
    *_total_rows(),
    # Payment plans ("maksusuunnitelma") and how many may be charged.
    *_plan_rows(),
    # Due-date extensions at the debtor's request ("maksuajan pidennys").
    LegalRule(
        code="consumer.transfer.before_due",
        topic=Topic.TRANSFER_FEE,
        kind=C,
        cap=ZERO,
        before_original_due=True,
        label_key="transfer_before_due",
        source="Our policy: free when asked before the original due date",
    ),
    LegalRule(
        code="consumer.transfer.short",
        topic=Topic.TRANSFER_FEE,
        kind=C,
        cap=ZERO,
        before_original_due=False,
        transfer_days=IntRange(upper=13),
        label_key="transfer_short",
        source=f"{ACT} 10 b § 3 mom ({AMENDED_2013}): a fee only for ≥ 14 days",
    ),
    LegalRule(
        code="consumer.transfer.long",
        topic=Topic.TRANSFER_FEE,
        kind=C,
        cap=_eur("5.00"),
        before_original_due=False,
        transfer_days=IntRange(lower=14),
        label_key="transfer_long",
        source=f"{ACT} 10 a § 1 mom 6 k; 10 b § 3 mom ({AMENDED_2013})",
    ),
    LegalRule(
        code="business.transfer.short",
        topic=Topic.TRANSFER_FEE,
        kind=B,
        cap=ZERO,
        transfer_days=IntRange(upper=13),
        label_key="transfer_short",
        source=f"{ACT} 10 f § 2 mom ({AMENDED_2022}): a fee only for ≥ 14 days",
    ),
    LegalRule(
        code="business.transfer.long",
        topic=Topic.TRANSFER_FEE,
        kind=B,
        cap=_eur("10.00"),
        transfer_days=IntRange(lower=14),
        label_key="transfer_long",
        source=f"{ACT} 10 e § 1 mom 5 k; 10 f § 2 mom ({AMENDED_2022})",
    ),
    # Letters: intervals, payment time and delivery (the Ombudsman's 2024 decision).
    LegalRule(
        code="consumer.letter_interval",
        topic=Topic.LETTER_INTERVAL,
        kind=C,
        unit=Unit.DAYS,
        min_days_after_previous=CONSUMER_LETTER_INTERVAL,
        source=(
            f"{ACT} 5 § 1 mom, 10 b § 1–2 mom as read by the {OMBUDSMAN}: at least 14 whole "
            "days between the due date or the previous letter and the next letter"
        ),
    ),
    LegalRule(
        code="business.letter_interval",
        topic=Topic.LETTER_INTERVAL,
        kind=B,
        unit=Unit.DAYS,
        min_days_after_previous=BUSINESS_LETTER_INTERVAL,
        source=f"{ACT} 10 f § 1 mom ({AMENDED_2022})",
    ),
    LegalRule(
        code="payment_time",
        topic=Topic.PAYMENT_TIME,
        kind=None,
        cap=Decimal(10),
        unit=Unit.DAYS,
        source=(
            f"{OMBUDSMAN}: ≥ 10 days to pay and object, counted from the day the debtor at "
            "the latest receives the letter; we give every debtor the same"
        ),
    ),
    LegalRule(
        code="delivery.e_invoice",
        topic=Topic.DELIVERY,
        kind=None,
        cap=Decimal(3),
        unit=Unit.DAYS,
        source=(
            "Received at the latest on the 3rd day after sending: the presumption for an "
            "electronic message in Laki sähköisestä asioinnista viranomaistoiminnassa "
            "13/2003 19 § 2 mom, used as the conservative delivery time"
        ),
        note="e_invoice",
    ),
    LegalRule(
        code="delivery.email",
        topic=Topic.DELIVERY,
        kind=None,
        cap=Decimal(3),
        unit=Unit.DAYS,
        source=(
            "Received at the latest on the 3rd day after sending (Laki sähköisestä "
            "asioinnista viranomaistoiminnassa 13/2003 19 § 2 mom, as a conservative rule)"
        ),
        note="email",
    ),
    LegalRule(
        code="delivery.letter_post",
        topic=Topic.DELIVERY,
        kind=None,
        cap=Decimal(7),
        unit=Unit.DAYS,
        source=(
            "Received at the latest on the 7th day after posting: the presumption of "
            "Hallintolaki 434/2003 59 § 2 mom, longer than Posti's ordinary-letter delivery "
            "time, used as the conservative delivery time"
        ),
        note="letter_post",
    ),
    # Allocation of payments in collection.
    LegalRule(
        code="consumer.allocation",
        topic=Topic.ALLOCATION,
        kind=C,
        unit=Unit.NONE,
        order=(INTEREST, PRINCIPAL, COSTS),
        costs_last=True,
        source=(
            f"{ACT} 11 a § 2 mom ({AMENDED_2013}): costs only after the principal and its "
            "interest are paid; interest may go first (11 a § 1 mom)"
        ),
    ),
    LegalRule(
        code="business.allocation",
        topic=Topic.ALLOCATION,
        kind=B,
        unit=Unit.NONE,
        order=(COSTS, INTEREST, PRINCIPAL),
        source=f"{ACT} 11 a § 1 mom ({AMENDED_2013}): the creditor's order",
    ),
    # The consumer's right to stop voluntary collection.
    LegalRule(
        code="consumer.stop_request",
        topic=Topic.STOP_REQUEST,
        kind=C,
        cap=ZERO,
        source=(
            f"{ACT} 4 c § 1–2 mom ({AMENDED_2013}): after the request collection continues "
            "only without costs, and the debtor is told so"
        ),
    ),
    # Our own policy, not the law: a payment report holds the next step while staff look.
    LegalRule(
        code="policy.payment_report_hold",
        topic=Topic.HOLD,
        kind=None,
        cap=Decimal(14),
        unit=Unit.DAYS,
        source=(
            "Our policy: after a payment report the next collection step waits this many days "
            "while customer service looks for the payment (settings.PAYMENT_REPORT_HOLD_DAYS "
            "overrides it); a hold only delays, every legal interval still holds"
        ),
    ),
    # Legal collection.
    LegalRule(
        code="legal_handover",
        topic=Topic.LEGAL_HANDOVER,
        kind=None,
        unit=Unit.NONE,
        source=(
            f"{ACT} 6 § 1 mom ({AMENDED_2022}): not before the payment and objection dates of "
            "the last payment demand have passed; we wait for every letter's date"
        ),
    ),
    # Late-payment interest margins over the reference rate.
    LegalRule(
        code="consumer.interest_margin",
        topic=Topic.INTEREST_MARGIN,
        kind=C,
        cap=Decimal("7.0"),
        unit=Unit.PERCENT_POINTS,
        label_key="interest",
        source=(
            f"{INTEREST_ACT} 4 § 1 mom (reference rate + 7 pp); reference rate 12 §; {DAY_COUNT}"
        ),
    ),
    LegalRule(
        code="business.interest_margin",
        topic=Topic.INTEREST_MARGIN,
        kind=B,
        cap=Decimal("8.0"),
        unit=Unit.PERCENT_POINTS,
        label_key="interest",
        source=(
            f"{INTEREST_ACT} 4 a § (+ 8 pp for a commercial payment under 30/2013 1 §); {DAY_COUNT}"
        ),
    ),
    # Limitation.
    LegalRule(
        code="limitation",
        topic=Topic.LIMITATION,
        kind=None,
        cap=Decimal(3),
        unit=Unit.YEARS,
        source=(
            f"{LIMITATION_ACT} 4 § 1 mom (3 years), 5 § (from the due date), 10 § (interrupted "
            "by a payment, an acknowledgement or the creditor's reminder or demand), 11 § (a new "
            "period of 3 years); an interruption counts only while the debt is not yet barred. "
            "Stricter reading: the debt is barred from the anniversary day on"
        ),
    ),
    # The "never" rules: no cap, but each decision that stops on one names it.
    LegalRule(
        code="never.disputed",
        topic=Topic.NEVER,
        kind=None,
        unit=Unit.NONE,
        source=f"{ACT} 4 b § 1 mom ({AMENDED_2013}): not while the debtor disputes with a reason",
    ),
    LegalRule(
        code="never.statute_barred",
        topic=Topic.NEVER,
        kind=None,
        unit=Unit.NONE,
        source=f"{ACT} 4 § 3 mom ({AMENDED_2013}); {LIMITATION_ACT} 4 §",
    ),
    LegalRule(
        code="never.collection_without_reminder",
        topic=Topic.NEVER,
        kind=None,
        unit=Unit.NONE,
        source=f"{ACT} 5 § 1 mom ({AMENDED_2022}) for consumers; {ETHICS} for businesses",
    ),
    LegalRule(
        code="never.marketing_in_collection",
        topic=Topic.NEVER,
        kind=None,
        unit=Unit.NONE,
        source=f"{ACT} 4 § 1 mom (good collection practice); {ETHICS}",
    ),
    LegalRule(
        code="never.phone_22_07",
        topic=Topic.NEVER,
        kind=None,
        unit=Unit.NONE,
        source=f"{ACT} 4 § 2 mom 2 k (no undue inconvenience); {ETHICS}",
    ),
    LegalRule(
        code="never.costs_after_breach",
        topic=Topic.NEVER,
        kind=None,
        unit=Unit.NONE,
        source=f"{ACT} 10 § 3 mom: no costs at all if 4, 4 b, 4 c or 7 § was breached",
    ),
)

_BRACKET_LETTER = {
    "le100": "a",
    "100_1000": "b",
    "gt1000": "c",
    "le500": "a",
    "500_2500": "b",
    "2500_10000": "c",
    "gt10000": "d",
    "le4_installments": "a",
}
_BRACKET_POINT = {name: n for n, name in enumerate(("le100", "100_1000", "gt1000"), start=1)} | {
    name: n for n, name in enumerate(("le500", "500_2500", "2500_10000", "gt10000"), start=1)
}


def _cites_of(code: str) -> tuple[Cite, ...]:
    """The exact places of the texts each row rests on, checked against the statute texts
    (Finlex: 31/2013 and 299/2022 as enacted; 13/2003, 434/2003, 633/1982, 728/2003)."""
    fixed: dict[str, tuple[Cite, ...]] = {
        "consumer.reminder_1": (_p22("10 a", 1, 1), _p13("10 b", 1), _OMBUDSMAN),
        "consumer.reminder_2": (_p22("10 a", 1, 1), _p13("10 b", 2), _OMBUDSMAN),
        "business.reminder_1": (_p22("10 e", 1, 1),),
        "business.reminder_2": (_p22("10 e", 1, 1), _p22("10 f", 1)),
        "business.standard_compensation": (_p22("10 i"), _p22("10 h", 3)),
        "consumer.plan_count.le100": (_p13("10 c", 1),),
        "consumer.plan_count.gt100": (_p13("10 c", 1),),
        "business.plan_count.le500": (_p22("10 g", 2),),
        "business.plan_count.gt500": (_p22("10 g", 2),),
        "consumer.transfer.before_due": (_POLICY,),
        "consumer.transfer.short": (_p13("10 b", 3),),
        "consumer.transfer.long": (_p13("10 a", 1, 6), _p13("10 b", 3)),
        "business.transfer.short": (_p22("10 f", 2),),
        "business.transfer.long": (_p22("10 e", 1, 5), _p22("10 f", 2)),
        "consumer.letter_interval": (
            _p22("5", 1),
            _p13("10 b", 1),
            _p13("10 b", 2),
            _OMBUDSMAN,
        ),
        "business.letter_interval": (_p22("10 f", 1),),
        "payment_time": (_OMBUDSMAN,),
        "delivery.e_invoice": (Cite(Act.E_SERVICES, "19", 2),),
        "delivery.email": (Cite(Act.E_SERVICES, "19", 2),),
        "delivery.letter_post": (Cite(Act.ADMINISTRATIVE, "59", 2),),
        "consumer.allocation": (_p13("11 a", 2), _p13("11 a", 1)),
        "business.allocation": (_p13("11 a", 1),),
        "consumer.stop_request": (_p13("4 c", 1), _p13("4 c", 2)),
        "policy.payment_report_hold": (_POLICY,),
        "legal_handover": (_p22("6", 1),),
        "consumer.interest_margin": (Cite(Act.INTEREST, "4", 1), Cite(Act.INTEREST, "12")),
        "business.interest_margin": (Cite(Act.INTEREST, "4 a"), Cite(Act.INTEREST, "12")),
        "limitation": (
            Cite(Act.LIMITATION, "4", 1),
            Cite(Act.LIMITATION, "5"),
            Cite(Act.LIMITATION, "10"),
            Cite(Act.LIMITATION, "11"),
        ),
        "never.disputed": (_p13("4 b", 1),),
        "never.statute_barred": (_p13("4", 3), Cite(Act.LIMITATION, "4")),
        "never.collection_without_reminder": (_p22("5", 1), _ETHICS),
        "never.marketing_in_collection": (_p13("4", 1), _ETHICS),
        "never.phone_22_07": (_p13("4", 2, 2), _ETHICS),
        "never.costs_after_breach": (_p22("10", 3),),
    }
    if code in fixed:
        return fixed[code]
    kind, topic, bracket = code.split(".")
    letter, point = _BRACKET_LETTER.get(bracket, ""), _BRACKET_POINT.get(bracket)
    consumer = kind == "consumer"
    if topic == "demand_1":
        if consumer:
            return (_p13("10 a", 1, 2, letter), _p22("5", 1), _OMBUDSMAN)
        return (_p22("10 e", 1, 2, letter), _p22("10 f", 1))
    if topic == "demand_2":
        if consumer:
            return (_p13("10 a", 1, 4), _p13("10 b", 2), _p13("10 c", 1), _OMBUDSMAN)
        return (_p22("10 e", 1, 3), _p22("10 f", 1), _p22("10 g", 1))
    if topic == "total":
        if consumer:
            return (_p13("10 d", 1, point),)
        return (_p22("10 h", 1, point), _p22("10 h", 3))
    if topic == "plan":
        if consumer:
            return (_p13("10 a", 1, 7, letter),)
        return (_p22("10 e", 1, 6, letter), _p22("10 e", 1, 6, "e"))
    raise LookupError(f"no citation for the rule row {code}")


LEGAL_RULES: tuple[LegalRule, ...] = tuple(
    replace(row, cites=_cites_of(row.code)) for row in _TABLE
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

    The engine takes at most two reminders (`Step`); a third costs 0.00.
    """
    if reminder_number < 1:
        raise ValueError("reminder_number starts at 1")
    if reminder_number > 2:
        return ZERO
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


def total_cost_rule(kind: DebtorKind, principal: Decimal) -> LegalRule:
    _check_principal(principal)
    rows = [r for r in rules_for(Topic.TOTAL_COSTS, kind) if r.bracket.contains(principal)]
    return _only(rows, f"{kind} total costs at {principal}")


def total_cost_cap(kind: DebtorKind, principal: Decimal) -> Decimal:
    """All collection costs of one receivable: 10 d § (consumer), 10 h § (business)."""
    cap = total_cost_rule(kind, principal).cap
    assert cap is not None
    return cap


def plan_count_rule(kind: DebtorKind, principal: Decimal) -> LegalRule:
    _check_principal(principal)
    rows = [r for r in rules_for(Topic.PLAN_COUNT, kind) if r.bracket.contains(principal)]
    return _only(rows, f"{kind} plan count at {principal}")


def plan_count_limit(kind: DebtorKind, principal: Decimal) -> int:
    """How many payment plans may be charged on one receivable (10 c §, 10 g § 2 mom)."""
    limit = plan_count_rule(kind, principal).max_count
    assert limit is not None
    return limit


def plan_fee_rule(kind: DebtorKind, principal: Decimal, installments: int) -> LegalRule:
    """The plan-fee row with the lowest cap among those matching (the safe pick on overlap)."""
    _check_principal(principal)
    if installments < 1:
        raise ValueError("installments ≥ 1")
    rows = [
        r
        for r in rules_for(Topic.PLAN_FEE, kind)
        if r.bracket.contains(principal) and r.installments.contains(installments)
    ]
    if not rows:
        raise LookupError(f"no plan fee rule for {kind}, {principal}, {installments}")
    return min(rows, key=lambda r: _row_plan_cap(r, installments))


def _row_plan_cap(row: LegalRule, installments: int) -> Decimal:
    assert row.cap is not None
    extra = ZERO
    if row.per_installment_fee is not None and row.per_installment_from is not None:
        extra = row.per_installment_fee * max(0, installments - row.per_installment_from + 1)
    return row.cap + extra


def plan_fee_cap(
    kind: DebtorKind, principal: Decimal, installments: int, plans_already_charged: int
) -> Decimal:
    """The most a payment plan may cost; 0.00 once the allowed number of plans was charged.

    Consumer: 10 a § 1 mom 7 k and 10 c §; business: 10 e § 1 mom 6 k (with + 5 € for each
    installment from the 7th when more than six) and 10 g § 2 mom.
    """
    if plans_already_charged < 0:
        raise ValueError("plans_already_charged ≥ 0")
    row = plan_fee_rule(kind, principal, installments)
    if plans_already_charged >= plan_count_limit(kind, principal):
        return ZERO
    return _row_plan_cap(row, installments)


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
    """Percentage points over the reference rate (Korkolaki 4 §, 4 a §)."""
    cap = _only(rules_for(Topic.INTEREST_MARGIN, kind), f"{kind} interest margin").cap
    assert cap is not None
    return cap


def limitation_years() -> int:
    cap = rule("limitation").cap
    assert cap is not None
    return int(cap)


def letter_interval_days(kind: DebtorKind) -> int:
    """The least number of days between the due date or the previous letter and a letter."""
    days = _only(rules_for(Topic.LETTER_INTERVAL, kind), f"{kind} letter interval")
    assert days.min_days_after_previous is not None
    return days.min_days_after_previous


def min_days_after_previous(kind: DebtorKind, step: Step) -> int | None:
    """The legal minimum interval before a step, or None where the law sets none.

    Consumer: every letter, the Ombudsman's 15 days; business: 10 days before every letter
    but the first reminder (10 f § 1 mom).
    """
    if step is Step.LEGAL:
        return None
    if kind is DebtorKind.CONSUMER:
        return letter_interval_days(kind)
    if step is Step.REMINDER_1:
        return None
    return letter_interval_days(kind)


def delivery_days(channel: Channel) -> int:
    """The day (after sending) by which the debtor at the latest receives a letter."""
    days = rule(f"delivery.{Channel(channel).value}").cap
    assert days is not None
    return int(days)


def min_payment_days(channel: Channel) -> int:
    """Days from a letter's date to its pay-by date: delivery + the 10 days to pay."""
    payment = rule("payment_time").cap
    assert payment is not None
    return delivery_days(channel) + int(payment)


# A creditor's `letter_payment_days` is one number for every letter, so it must cover the
# slowest channel.
MIN_LETTER_PAYMENT_DAYS = max(min_payment_days(channel) for channel in Channel)


def payment_report_hold_days() -> int:
    """The default number of days a payment report holds collection (our policy row)."""
    days = rule("policy.payment_report_hold").cap
    assert days is not None
    return int(days)


def allocation_rule(kind: DebtorKind) -> LegalRule:
    return _only(rules_for(Topic.ALLOCATION, kind), f"{kind} allocation")


def default_allocation_order(kind: DebtorKind) -> tuple[str, ...]:
    return allocation_rule(kind).order


def allocation_order_refusal(kind: DebtorKind, order: Sequence[str]) -> LegalRule | None:
    """The rule an allocation order breaks for this debtor, or None when it is lawful."""
    row = allocation_rule(kind)
    if sorted(order) != sorted((COSTS, INTEREST, PRINCIPAL)):
        return row
    if row.costs_last and tuple(order)[-1] != COSTS:
        return row
    return None


def phone_contact_allowed(at: time) -> bool:
    """Collection calls never between 22:00 and 07:00 (local Finnish time)."""
    return PHONE_CONTACT_FORBIDDEN_UNTIL <= at < PHONE_CONTACT_FORBIDDEN_FROM


@dataclass(frozen=True)
class PriceListRow:
    """One line of the public price list: legal maxima for a consumer and a business.

    The page translates `label_key` and renders `condition` (the principal bracket, the
    installments or the transfer length) next to it; None in a value column means "not
    applicable" for that debtor (e.g. the standard compensation for consumers).
    """

    label_key: str
    condition: str
    unit: Unit
    consumer: Decimal | None
    business: Decimal | None
    source: str
    cites: tuple[Cite, ...] = ()


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
        entry = merged.setdefault(
            key, {"consumer": None, "business": None, "sources": [], "cites": []}
        )
        if row.kind is not None:
            entry[row.kind.value] = row.cap
        sources = entry["sources"]
        assert isinstance(sources, list)
        if row.source not in sources:
            sources.append(row.source)
        cites = entry["cites"]
        assert isinstance(cites, list)
        cites.extend(cite for cite in row.cites if cite not in cites)
    result = []
    for (label_key, condition, unit), entry in merged.items():
        consumer, business, sources = entry["consumer"], entry["business"], entry["sources"]
        cites = entry["cites"]
        assert isinstance(sources, list) and isinstance(cites, list)
        result.append(
            PriceListRow(
                label_key=label_key,
                condition=condition,
                unit=unit,
                consumer=consumer if isinstance(consumer, Decimal) else None,
                business=business if isinstance(business, Decimal) else None,
                source="; ".join(sources),
                cites=tuple(cites),
            )
        )
    return tuple(result)
