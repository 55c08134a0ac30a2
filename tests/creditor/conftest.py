"""Creditor-portal personas: an admin and a viewer of creditor A (Helsingin Energia Oy, the
`creditor` fixture), and an admin of creditor B, each signed in with a second factor."""

import pytest
from django.test import Client

from invoices.models import CreditorRole, CreditorUser
from tests.factories import CreditorFactory, InvoiceFactory, UserFactory
from tests.invoices.test_admin import mfa_login


@pytest.fixture
def other_creditor(db):
    return CreditorFactory(name="Vesilaitos Oy", business_id="0737546-2")


def creditor_member(creditor, role=CreditorRole.ADMIN, **fields):
    user = UserFactory(**fields)
    CreditorUser.objects.create(creditor=creditor, user=user, role=role)
    return user


@pytest.fixture
def creditor_admin(creditor):
    return creditor_member(creditor, email="admin@energia.test", first_name="Aino")


@pytest.fixture
def creditor_viewer(creditor):
    return creditor_member(creditor, CreditorRole.VIEWER, email="viewer@energia.test")


@pytest.fixture
def other_admin(other_creditor):
    return creditor_member(other_creditor, email="admin@vesi.test")


@pytest.fixture
def admin_client(creditor_admin) -> Client:
    return mfa_login(Client(), creditor_admin)


@pytest.fixture
def viewer_client(creditor_viewer) -> Client:
    return mfa_login(Client(), creditor_viewer)


@pytest.fixture
def other_client(other_admin) -> Client:
    return mfa_login(Client(), other_admin)


@pytest.fixture
def invoice(creditor):
    return InvoiceFactory(creditor=creditor, number="A-1001", debtor_name="Maija Meikäläinen")


@pytest.fixture
def other_invoice(other_creditor):
    return InvoiceFactory(creditor=other_creditor, number="B-2002", debtor_name="Pekka Puup")
