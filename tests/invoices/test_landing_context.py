"""Issue 12, item 11: a company admin's first screen shows the company's invoices, not "no
invoices yet"; with several places, the empty list says where the invoices are."""

import pytest
from django.urls import reverse

from accounts.models import Organisation, Role
from tests.accounts.helpers import company_invoice, organisation_with
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

LIST = reverse("invoices:list")


def test_a_user_with_only_a_company_lands_in_the_company(alice, alice_client):
    alice.preferred_language = "en"
    alice.save()
    organisation = organisation_with(alice, role=Role.ADMIN)
    mine = company_invoice(number="C-1")
    page = alice_client.get(LIST)
    assert page.context["acting"].key == f"org:{organisation.pk}"
    assert "C-1" in page.content.decode()
    assert alice_client.session["acting_context"][0] == f"org:{organisation.pk}"
    assert mine.pk in [row.pk for row in page.context["invoices"]]


def test_a_choice_made_later_wins(alice, alice_client):
    organisation_with(alice, role=Role.ADMIN)
    company_invoice(number="C-1")
    alice_client.get(LIST)
    alice_client.post(reverse("accounts:acting_as"), {"context": "self"})
    page = alice_client.get(LIST)
    assert page.context["acting"].is_self
    assert [place.count for place in page.context["elsewhere"]] == [1]


def test_own_invoices_keep_the_user_in_their_own_context(alice, alice_client, alice_invoice):
    organisation_with(alice, role=Role.ADMIN)
    company_invoice(number="C-1")
    page = alice_client.get(LIST)
    assert page.context["acting"].is_self
    assert page.context["elsewhere"] == []  # the list is not empty: nothing to point to


def test_with_two_companies_the_empty_list_says_where_the_invoices_are(alice, alice_client):
    alice.preferred_language = "en"
    alice.save()
    alpha = organisation_with(alice, role=Role.ADMIN, business_id="2874409-5")
    beta = organisation_with(alice, role=Role.VIEWER, business_id="0737546-2")
    Organisation.objects.filter(pk=alpha.pk).update(name="Alpha Oy")
    Organisation.objects.filter(pk=beta.pk).update(name="Beta Oy")
    company_invoice(business_id="2874409-5")
    company_invoice(business_id="2874409-5")
    company_invoice(business_id="0737546-2")
    InvoiceFactory()  # someone else's
    page = alice_client.get(LIST)
    assert page.context["acting"].is_self
    places = {place.context.label: place.count for place in page.context["elsewhere"]}
    assert places == {"Alpha Oy": 2, "Beta Oy": 1}
    html = page.content.decode()
    assert "Your invoices are here:" in html
    assert "You have no invoices in MyRopo yet." not in html
