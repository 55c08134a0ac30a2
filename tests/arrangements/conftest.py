from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.context import Acting
from tests.accounts.helpers import ALICE_HETU, verify_identity
from tests.factories import CreditorFactory, InvoiceFactory


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def acting(alice) -> Acting:
    return Acting(alice)


@pytest.fixture
def own_invoice(alice, creditor):
    """Alice's own invoices: addressed to her verified HETU (a claim would allow view and pay
    only, issue 10 item 14, and arranging needs the debtor or its authorization)."""
    verify_identity(alice, ALICE_HETU)

    def build(**kwargs):
        defaults = {
            "principal": Decimal("300.00"),
            "due_date": date.today() + timedelta(days=7),
            "debtor_hetu": ALICE_HETU,
        }
        if kwargs.get("debtor_type") == "company":
            defaults["debtor_hetu"] = ""
        return InvoiceFactory(creditor=creditor, **{**defaults, **kwargs})

    return build


@pytest.fixture
def other_creditor(db):
    return CreditorFactory(name="Toinen Oy", business_id="0737546-2")
