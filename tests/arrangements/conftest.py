from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.context import Acting
from invoices.models import InvoiceAccess
from tests.factories import CreditorFactory, InvoiceFactory


@pytest.fixture
def today() -> date:
    return timezone.localdate()


@pytest.fixture
def acting(alice) -> Acting:
    return Acting(alice)


@pytest.fixture
def own_invoice(alice, creditor):
    def build(**kwargs):
        defaults = {"principal": Decimal("300.00"), "due_date": date.today() + timedelta(days=7)}
        invoice = InvoiceFactory(creditor=creditor, **{**defaults, **kwargs})
        InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
        return invoice

    return build


@pytest.fixture
def other_creditor(db):
    return CreditorFactory(name="Toinen Oy", business_id="0737546-2")
