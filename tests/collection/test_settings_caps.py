"""The creditor settings' fee maxima (invoices) are the highest caps of the legal table."""

from decimal import Decimal

from collection.rules import DebtorKind, demand_fee_cap, reminder_fee_cap
from invoices.models import DEMAND_FEE_MAX, REMINDER_FEE_MAX


def test_the_settings_reminder_fee_maximum_is_the_tables_highest_cap():
    assert {kind.value: reminder_fee_cap(kind, 1) for kind in DebtorKind} == REMINDER_FEE_MAX


def test_the_settings_demand_fee_maxima_are_the_tables_highest_caps():
    assert {
        (kind.value, number): demand_fee_cap(kind, Decimal("1000000.00"), number)
        for kind in DebtorKind
        for number in (1, 2)
    } == DEMAND_FEE_MAX


def test_the_settings_letter_payment_minimum_is_the_tables():
    """Ombudsman 2024: 10 days after the slowest delivery; invoices keeps it as a literal."""
    from collection.rules import MIN_LETTER_PAYMENT_DAYS, Channel
    from invoices.models import MIN_LETTER_PAYMENT_DAYS as SETTINGS_MINIMUM
    from invoices.models import DeliveryChannel

    assert SETTINGS_MINIMUM == MIN_LETTER_PAYMENT_DAYS
    assert {choice.value for choice in DeliveryChannel} == {channel.value for channel in Channel}
