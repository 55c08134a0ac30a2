"""Who sees an invoice: the visibility matrix through every invoice page."""

import pytest
from django.urls import reverse

from invoices.models import CreditorUser
from invoices.selectors import is_debtor_view
from tests.factories import CreditorFactory, InvoiceFactory, UserFactory
from tests.invoices.test_admin import mfa_login

LIST = reverse("invoices:list")


def page_urls(invoice) -> list[str]:
    return [
        reverse("invoices:detail", args=[invoice.pk]),
        reverse("invoices:pdf", args=[invoice.pk]),
    ]


def listed(client) -> set[int]:
    return {invoice.pk for invoice in client.get(LIST).context["invoices"]}


@pytest.fixture
def other_creditor(db):
    return CreditorFactory(name="Vesilaitos Oy", business_id="0737546-2")


@pytest.fixture
def unclaimed(other_creditor):
    return InvoiceFactory(creditor=other_creditor)


@pytest.fixture
def clerk(creditor):
    """A "Ropo One" user of alice's invoice's creditor."""
    user = UserFactory(email="clerk@example.test")
    CreditorUser.objects.create(creditor=creditor, user=user)
    return user


def test_bob_gets_404_on_alices_invoice_page_and_pdf(bob_client, alice_invoice):
    for url in page_urls(alice_invoice):
        assert bob_client.get(url).status_code == 404


def test_bob_does_not_see_alices_invoice_in_his_list(bob_client, alice_invoice):
    response = bob_client.get(LIST)
    assert listed(bob_client) == set()
    assert alice_invoice.number not in response.content.decode()
    assert alice_invoice.creditor.name not in response.content.decode()


def test_bob_cannot_find_alices_invoice_by_searching(bob_client, alice_invoice):
    response = bob_client.get(LIST, {"q": alice_invoice.number})
    assert list(response.context["invoices"]) == []


def test_alice_sees_her_own_invoice(alice_client, alice_invoice, unclaimed):
    assert listed(alice_client) == {alice_invoice.pk}
    for url in page_urls(alice_invoice):
        assert alice_client.get(url).status_code == 200
    for url in page_urls(unclaimed):
        assert alice_client.get(url).status_code == 404


def test_a_creditor_user_sees_none_of_the_creditors_invoices_in_the_debtor_portal(
    client, clerk, alice_invoice, unclaimed, creditor
):
    """The creditor's invoices are in the creditor portal, behind a second factor (issue 15,
    item 1): "Your invoices" is the user's own, never every debtor's."""
    InvoiceFactory(creditor=creditor)
    client.force_login(clerk)
    assert listed(client) == set()
    for invoice in (alice_invoice, unclaimed):
        for url in page_urls(invoice):
            assert client.get(url).status_code == 404


def test_creditor_filter_of_a_creditor_user_offers_no_creditor(
    client, clerk, alice_invoice, unclaimed
):
    client.force_login(clerk)
    choices = client.get(LIST).context["form"].fields["creditor"].choices
    assert [label for _, label in choices] == ["All creditors"]


def test_staff_with_mfa_see_every_invoice(client, staff, alice_invoice, unclaimed):
    mfa_login(client, staff)
    assert listed(client) == {alice_invoice.pk, unclaimed.pk}
    for invoice in (alice_invoice, unclaimed):
        for url in page_urls(invoice):
            assert client.get(url).status_code == 200


def test_staff_with_a_password_only_see_no_customers_invoice(
    client, staff, alice_invoice, unclaimed
):
    """Issue 10, item 2: the portal asks for the admin's second factor before staff powers."""
    client.force_login(staff)
    assert listed(client) == set()
    for invoice in (alice_invoice, unclaimed):
        for url in page_urls(invoice):
            assert client.get(url).status_code == 404


@pytest.mark.parametrize("name", ["invoices:detail", "invoices:pdf"])
def test_anonymous_is_sent_to_log_in(client, alice_invoice, name):
    response = client.get(reverse(name, args=[alice_invoice.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_inactive_user_sees_nothing(client, alice, alice_invoice):
    client.force_login(alice)
    alice.is_active = False
    alice.save()
    response = client.get(page_urls(alice_invoice)[0])
    assert response.status_code in (302, 404)


def test_is_debtor_view_only_for_the_invoices_own_people(alice, bob, staff, clerk, alice_invoice):
    assert is_debtor_view(alice, alice_invoice)
    assert not is_debtor_view(bob, alice_invoice)
    assert not is_debtor_view(staff, alice_invoice)
    assert not is_debtor_view(clerk, alice_invoice)
