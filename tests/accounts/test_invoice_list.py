"""The invoice list with identities, organisations and authorizations: still ≤ 8 queries."""

from django.urls import reverse

from accounts.selectors import ActingContext
from invoices.models import InvoiceAccess
from invoices.selectors import invoices_in_context
from tests.accounts.helpers import (
    ALICE_HETU,
    authorize,
    company_invoice,
    consumer_invoice,
    organisation_with,
    verify_identity,
)
from tests.factories import UserFactory

LIST = reverse("invoices:list")


def test_list_stays_within_eight_queries_with_every_kind_of_access(
    alice, client, django_assert_max_num_queries
):
    verify_identity(alice, ALICE_HETU)
    organisation_with(alice)
    grantor = UserFactory()
    verify_identity(grantor, "010101-123N")
    authorization = authorize(grantor, alice, ["pay"])
    for _ in range(5):
        consumer_invoice(ALICE_HETU)
        company_invoice()
        consumer_invoice("010101-123N")
    InvoiceAccess.objects.create(invoice=consumer_invoice(""), user=alice, method="myropo_id")
    client.force_login(alice)
    client.post(reverse("accounts:acting_as"), {"context": f"auth:{authorization.pk}"})
    # The session's first page also learns whether to show the "Ropo One" link (creditor
    # portal), once; the budget is for every page after it.
    client.get(LIST)
    with django_assert_max_num_queries(8):
        response = client.get(LIST)
    assert response.status_code == 200
    with django_assert_max_num_queries(8):
        client.get(LIST, {"state": "open"}, headers={"HX-Request": "true"})


def test_each_context_is_one_query(alice, django_assert_num_queries):
    verify_identity(alice, ALICE_HETU)
    organisation = organisation_with(alice)
    own, company = consumer_invoice(ALICE_HETU), company_invoice()
    with django_assert_num_queries(1):
        assert list(invoices_in_context(alice, ActingContext("self"))) == [own]
    with django_assert_num_queries(1):
        context = ActingContext("organisation", organisation.pk, organisation.name)
        assert list(invoices_in_context(alice, context)) == [company]


def test_a_context_of_someone_else_shows_nothing(alice, bob):
    organisation = organisation_with(alice)
    company_invoice()
    context = ActingContext("organisation", organisation.pk, organisation.name)
    assert list(invoices_in_context(bob, context)) == []
