"""The legal cap of each fee a creditor sets, with the section that sets it.

Read from the one legal table (`collection.rules`): the highest cap over every principal
bracket, because a fee setting applies to every invoice and the engine charges at most each
invoice's own bracket's cap (collection.decision). A setting above this could never be charged
to anyone, so the settings page refuses it and names the section.
"""

import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from collection.rules import DebtorKind, LegalRule, Step, Topic, rules_for

C, B = DebtorKind.CONSUMER, DebtorKind.BUSINESS

# field name → (topic, debtor kind, step)
FEE_FIELDS: dict[str, tuple[Topic, DebtorKind, Step | None]] = {
    "reminder_fee_consumer": (Topic.REMINDER_FEE, C, Step.REMINDER_1),
    "reminder_fee_business": (Topic.REMINDER_FEE, B, Step.REMINDER_1),
    "demand_fee_first_consumer": (Topic.DEMAND_FEE, C, Step.DEMAND_1),
    "demand_fee_second_consumer": (Topic.DEMAND_FEE, C, Step.DEMAND_2),
    "demand_fee_first_business": (Topic.DEMAND_FEE, B, Step.DEMAND_1),
    "demand_fee_second_business": (Topic.DEMAND_FEE, B, Step.DEMAND_2),
    "transfer_fee_consumer": (Topic.TRANSFER_FEE, C, None),
    "transfer_fee_company": (Topic.TRANSFER_FEE, B, None),
    "plan_fee_consumer": (Topic.PLAN_FEE, C, None),
    "plan_fee_company": (Topic.PLAN_FEE, B, None),
}

# "Perintälaki 513/1999 10 a § 1 mom 2 k c (as amended …); …" → "Perintälaki 513/1999 10 a §
# 1 mom 2 k c": the act and the exact place, without the commentary.
_SECTION = re.compile(r"^(.*?§(?: \d+ mom)?(?: \d+ k)?(?: [a-e](?![\w]))?)")


@dataclass(frozen=True)
class FeeCap:
    cap: Decimal
    section: str
    rule_code: str


def section_of(row: LegalRule) -> str:
    match = _SECTION.match(row.source)
    return match.group(1) if match else row.source.split(";")[0]


@cache
def fee_cap(field: str) -> FeeCap:
    topic, kind, step = FEE_FIELDS[field]
    rows = [
        row
        for row in rules_for(topic, kind, step)
        if row.kind is kind and row.cap is not None and (step is None or row.step is step)
    ]
    top = max(rows, key=lambda row: row.cap)
    return FeeCap(cap=top.cap, section=section_of(top), rule_code=top.code)
