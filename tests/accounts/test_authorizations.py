"""Authorizations: grant, accept, act on behalf, revoke (effective at once), expiry, history."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.context import SESSION_KEY
from accounts.models import AuditAction, AuditEvent, Authorization, Membership, Role
from accounts.selectors import ActingContext, acting_contexts_of
from accounts.services import AccountsError, authorization_grant, authorization_revoke
from invoices.selectors import acting_for, invoices_in_context
from tests.accounts.helpers import (
    ALICE_HETU,
    authorize,
    company_invoice,
    consumer_invoice,
    organisation_with,
    verify_identity,
)
from tests.factories import UserFactory

AUTHORIZATIONS = reverse("accounts:authorizations")


@pytest.fixture
def alices_bill(alice):
    verify_identity(alice, ALICE_HETU)
    return consumer_invoice(ALICE_HETU)


def detail(invoice) -> str:
    return reverse("invoices:detail", args=[invoice.pk])


def test_grant_by_form_sends_an_invitation_and_accepting_gives_access(
    alice_client, alice, bob, client, alices_bill, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            AUTHORIZATIONS, {"grantor": "self", "email": bob.email, "scopes": ["pay"]}
        )
    assert response.status_code == 302
    authorization = Authorization.objects.get()
    assert authorization.scopes == ["view", "pay"]
    assert authorization.status() == "pending"
    [mail] = mailoutbox
    link = next(line for line in mail.body.splitlines() if "/profile/invitations/" in line)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    client.force_login(bob)
    assert client.get(detail(alices_bill)).status_code == 404
    assert client.post(path).status_code == 302
    assert client.session[SESSION_KEY][0] == f"auth:{authorization.pk}"
    listed = client.get(reverse("invoices:list")).content.decode()
    assert "Alice" in listed  # the switcher says on whose behalf
    assert client.get(detail(alices_bill)).status_code == 200
    actions = {e.action for e in AuditEvent.objects.filter(authorization=authorization)}
    assert actions == {AuditAction.AUTHORIZATION_GRANTED, AuditAction.AUTHORIZATION_ACCEPTED}


def test_revocation_ends_access_on_the_next_request(alice, bob, client, alices_bill):
    authorization = authorize(alice, bob, ["pay"])
    client.force_login(bob)
    client.post(reverse("accounts:acting_as"), {"context": f"auth:{authorization.pk}"})
    assert client.get(detail(alices_bill)).status_code == 200
    authorization_revoke(actor=alice, authorization=authorization)
    assert client.get(detail(alices_bill)).status_code == 404
    context = ActingContext("authorization", authorization.pk, "Alice")
    assert list(invoices_in_context(bob, context)) == []
    switcher = client.get(reverse("accounts:acting_as"), headers={"HX-Request": "true"})
    assert "<html" not in switcher.content.decode()
    assert client.session[SESSION_KEY] == "self"


def test_an_expired_authorization_ends_by_itself(alice, bob, alices_bill):
    authorization = authorize(alice, bob, ["view"], valid_until=timezone.localdate())
    context = ActingContext("authorization", authorization.pk, "Alice")
    assert list(invoices_in_context(bob, context)) == [alices_bill]
    Authorization.objects.filter(pk=authorization.pk).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    assert list(invoices_in_context(bob, context)) == []
    assert acting_contexts_of(bob) == []
    authorization.refresh_from_db()
    assert authorization.status() == "expired"


def test_the_grantee_sees_only_the_grantors_invoices_in_that_context(alice, bob, alices_bill):
    bobs_own = consumer_invoice("010101-123N")
    verify_identity(bob, "010101-123N")
    authorization = authorize(alice, bob, ["view"])
    on_behalf = ActingContext("authorization", authorization.pk, "Alice")
    assert list(invoices_in_context(bob, on_behalf)) == [alices_bill]
    assert list(invoices_in_context(bob, ActingContext("self"))) == [bobs_own]


def test_an_organisation_admin_authorizes_an_accountant_for_the_company(alice, bob):
    organisation = organisation_with(alice)
    invoice = company_invoice()
    authorization = authorize(alice, bob, ["pay"], organisation=organisation)
    context = ActingContext("authorization", authorization.pk, organisation.name)
    assert list(invoices_in_context(bob, context)) == [invoice]


def test_acts_are_recorded_by_x_on_behalf_of_y(alice, bob, alices_bill):
    authorization = authorize(alice, bob, ["pay"])
    request = RequestFactory().get("/")
    request.user = bob
    request.session = {SESSION_KEY: [f"auth:{authorization.pk}", "Alice", "view,pay"]}
    acting = acting_for(request, alices_bill)
    assert acting.actor == bob and acting.on_behalf_of == alice
    request.session = {SESSION_KEY: "self"}
    assert acting_for(request, alices_bill).on_behalf_of == alice


def test_a_company_member_acts_on_behalf_of_the_company(alice):
    organisation = organisation_with(alice, role=Role.PAYER)
    invoice = company_invoice()
    request = RequestFactory().get("/")
    request.user = alice
    request.session = {}
    acting = acting_for(request, invoice)
    assert acting.on_behalf_of is None
    assert acting.on_behalf_of_organisation == organisation.name


def test_self_authorization_is_refused(alice_client, alice):
    response = alice_client.post(
        AUTHORIZATIONS, {"grantor": "self", "email": "ALICE@example.test", "scopes": ["pay"]}
    )
    assert response.status_code == 400
    assert "itseäsi" in response.content.decode() or "yourself" in response.content.decode()
    assert not Authorization.objects.exists()


def test_a_duplicate_authorization_is_refused(alice, bob):
    authorization_grant(granted_by=alice, email=bob.email, scopes=["view"])
    with pytest.raises(AccountsError, match="already been invited"):
        authorization_grant(granted_by=alice, email=bob.email, scopes=["pay"])
    Authorization.objects.update(grantee=bob, accepted_at=timezone.now())
    with pytest.raises(AccountsError, match="already has an authorization"):
        authorization_grant(granted_by=alice, email=bob.email, scopes=["pay"])
    assert Authorization.objects.count() == 1


def test_authorizing_a_member_of_the_organisation_is_refused(alice, bob):
    organisation = organisation_with(alice)
    Membership.objects.create(organisation=organisation, user=bob, role=Role.VIEWER)
    with pytest.raises(AccountsError, match="already a member"):
        authorization_grant(
            granted_by=alice, email=bob.email, scopes=["pay"], organisation=organisation
        )
    assert not Authorization.objects.exists()


def test_a_past_last_day_is_refused(alice_client, bob):
    response = alice_client.post(
        AUTHORIZATIONS,
        {
            "grantor": "self",
            "email": bob.email,
            "scopes": ["pay"],
            "valid_until": (timezone.localdate() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert not Authorization.objects.exists()


def test_both_sides_see_the_authorization_and_its_history(alice, bob, client):
    authorization = authorize(alice, bob, ["pay"])
    authorization_revoke(actor=alice, authorization=authorization)
    for user in (alice, bob):
        client.force_login(user)
        page = client.get(AUTHORIZATIONS)
        assert authorization in list(page.context["given"]) + list(page.context["received"])
        assert {e.action for e in page.context["history"]} == {
            AuditAction.AUTHORIZATION_GRANTED,
            AuditAction.AUTHORIZATION_ACCEPTED,
            AuditAction.AUTHORIZATION_REVOKED,
        }


def test_the_grantee_may_give_an_authorization_up(alice, bob, client):
    authorization = authorize(alice, bob, ["pay"])
    client.force_login(bob)
    response = client.post(reverse("accounts:authorization_revoke", args=[authorization.pk]))
    assert response.status_code == 302
    authorization.refresh_from_db()
    assert authorization.revoked_by == bob


def test_bob_gets_404_on_alices_authorizations(alice, bob_client):
    carol = UserFactory(email="carol@example.test")
    authorization = authorize(alice, carol, ["pay"])
    url = reverse("accounts:authorization_revoke", args=[authorization.pk])
    assert bob_client.post(url).status_code == 404
    assert bob_client.get(url).status_code == 405
    authorization.refresh_from_db()
    assert authorization.revoked_at is None
    assert authorization not in list(bob_client.get(AUTHORIZATIONS).context["given"])


def test_switching_to_a_context_one_does_not_have_is_refused(alice, bob, client):
    carol = UserFactory(email="carol@example.test")
    authorization = authorize(alice, carol, ["pay"])
    client.force_login(bob)
    response = client.post(reverse("accounts:acting_as"), {"context": f"auth:{authorization.pk}"})
    assert response.status_code == 302
    assert client.session.get(SESSION_KEY, "self") == "self"


def test_the_switch_page_works_without_javascript(alice, bob, client):
    authorization = authorize(alice, bob, ["pay"])
    client.force_login(bob)
    page = client.get(reverse("accounts:acting_as")).content.decode()
    assert f'value="auth:{authorization.pk}"' in page


def test_the_timeline_records_by_x_on_behalf_of_y(alice, bob, alices_bill):
    from invoices.services import invoice_record_event

    authorization = authorize(alice, bob, ["pay"])
    request = RequestFactory().get("/")
    request.user = bob
    request.session = {SESSION_KEY: [f"auth:{authorization.pk}", "Alice", "view,pay"]}
    event = invoice_record_event(
        invoice=alices_bill, kind="note", **acting_for(request, alices_bill).event_kwargs()
    )
    assert (event.actor, event.on_behalf_of) == (bob, alice)
