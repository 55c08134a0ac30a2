"""The invoice list shows the party the user acts for; single invoices stay reachable."""

from django.urls import reverse

from tests.accounts.helpers import (
    ALICE_HETU,
    BOB_HETU,
    authorize,
    consumer_invoice,
    verify_identity,
)


def test_list_in_my_own_context_shows_only_my_invoices(alice, bob, bob_client):
    verify_identity(alice, ALICE_HETU)
    verify_identity(bob, BOB_HETU)
    alices = consumer_invoice(ALICE_HETU, number="A-1")
    bobs = consumer_invoice(BOB_HETU, number="B-1")
    authorize(alice, bob, scopes=("view", "pay"))

    page = bob_client.get(reverse("invoices:list")).content.decode()

    assert bobs.number in page
    assert alices.number not in page
    assert "Acting on behalf of" not in page


def test_acting_on_behalf_of_an_authorizer_lists_her_invoices_and_says_so(alice, bob, bob_client):
    verify_identity(alice, ALICE_HETU)
    verify_identity(bob, BOB_HETU)
    alices = consumer_invoice(ALICE_HETU, number="A-1")
    bobs = consumer_invoice(BOB_HETU, number="B-1")
    authorization = authorize(alice, bob, scopes=("view",))

    bob_client.post(reverse("accounts:acting_as"), {"context": f"auth:{authorization.pk}"})
    page = bob_client.get(reverse("invoices:list")).content.decode()

    assert alices.number in page
    assert bobs.number not in page
    assert "Acting on behalf of" in page


def test_a_revoked_authorization_empties_the_list_on_the_next_request(alice, bob, bob_client):
    from accounts.services import authorization_revoke

    verify_identity(alice, ALICE_HETU)
    alices = consumer_invoice(ALICE_HETU, number="A-1")
    authorization = authorize(alice, bob, scopes=("view",))
    bob_client.post(reverse("accounts:acting_as"), {"context": f"auth:{authorization.pk}"})

    authorization_revoke(actor=alice, authorization=authorization)
    page = bob_client.get(reverse("invoices:list")).content.decode()

    assert alices.number not in page
    assert bob_client.get(reverse("invoices:detail", args=[alices.pk])).status_code == 404
