"""Registering a company, staff verification, invitations, roles and the last-admin rule."""

import pytest
from django.urls import reverse

from accounts.models import (
    AuditAction,
    AuditEvent,
    Invitation,
    Membership,
    Organisation,
    OrganisationInvoice,
    Role,
)
from accounts.selectors import ActingContext
from accounts.services import (
    AccountsError,
    invitation_accept,
    invitation_token,
    membership_change_role,
    membership_invite,
    membership_remove,
    organisation_register,
    organisation_verify,
)
from invoices.selectors import invoices_in_context, invoices_visible_to
from tests.accounts.helpers import COMPANY_ID, company_invoice, organisation_with
from tests.factories import UserFactory

COMPANIES = reverse("accounts:companies")


def company_url(organisation, name="accounts:company", *args):
    return reverse(name, args=[organisation.pk, *args])


def test_registering_makes_the_user_its_first_admin(alice_client, alice):
    response = alice_client.post(COMPANIES, {"name": "Kirjanpito Oy", "business_id": "2874409-5"})
    organisation = Organisation.objects.get(business_id=COMPANY_ID)
    assert response.status_code == 302
    assert response["Location"] == company_url(organisation)
    assert Membership.objects.get(organisation=organisation).role == Role.ADMIN
    assert not organisation.verified
    assert AuditEvent.objects.filter(action=AuditAction.ORGANISATION_REGISTERED).exists()


@pytest.mark.parametrize("business_id", ["2874409-4", "abc", ""])
def test_an_invalid_business_id_is_refused_with_a_translated_message(alice_client, business_id):
    response = alice_client.post(COMPANIES, {"name": "Oy", "business_id": business_id})
    assert response.status_code == 200
    assert not Organisation.objects.exists()
    if business_id:
        assert "Anna kelvollinen" in response.content.decode() or "valid Finnish" in (
            response.content.decode()
        )


def test_a_business_id_registers_once(alice, bob):
    organisation_register(user=alice, name="Kirjanpito Oy", business_id=COMPANY_ID)
    with pytest.raises(AccountsError):
        organisation_register(user=bob, name="Toinen Oy", business_id=COMPANY_ID)
    assert Organisation.objects.count() == 1


def test_unverified_sees_only_claimed_invoices_verified_sees_its_business_ids(alice):
    organisation = organisation_register(user=alice, name="Kirjanpito Oy", business_id=COMPANY_ID)
    claimed, addressed = company_invoice(), company_invoice()
    OrganisationInvoice.objects.create(organisation=organisation, invoice=claimed)
    context = ActingContext("organisation", organisation.pk, organisation.name)
    assert set(invoices_in_context(alice, context)) == {claimed}
    assert set(invoices_visible_to(alice)) == {claimed}
    staff = UserFactory(is_staff=True)
    assert organisation_verify(organisation=organisation, staff_user=staff)
    assert set(invoices_in_context(alice, context)) == {claimed, addressed}
    assert set(invoices_visible_to(alice)) == {claimed, addressed}
    assert AuditEvent.objects.filter(action=AuditAction.ORGANISATION_VERIFIED, actor=staff).exists()


def test_claiming_for_the_company_by_number_and_reference(alice_client, alice):
    organisation = organisation_with(alice, verified=False)
    invoice = company_invoice()
    response = alice_client.post(
        company_url(organisation, "accounts:company_claim"),
        {"number": invoice.number, "reference": invoice.reference},
    )
    assert response.status_code == 302
    assert OrganisationInvoice.objects.filter(organisation=organisation, invoice=invoice).exists()
    assert not alice.invoice_accesses.exists()  # the company's, not alice's own


def test_admin_invites_by_email_and_the_invitee_joins(
    alice, bob, client, mailoutbox, django_capture_on_commit_callbacks
):
    organisation = organisation_with(alice)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            company_url(organisation, "accounts:company_invite"),
            {"email": "bob@example.test", "role": Role.PAYER},
        )
    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.to == ["bob@example.test"]
    link = next(line for line in mail.body.splitlines() if "/profile/invitations/" in line)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    client.force_login(bob)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    assert Membership.objects.get(organisation=organisation, user=bob).role == Role.PAYER


def test_inviting_an_existing_member_or_twice_is_refused(alice, bob):
    organisation = organisation_with(alice)
    membership_invite(
        organisation=organisation, invited_by=alice, email="new@example.test", role="viewer"
    )
    with pytest.raises(AccountsError, match="already been invited"):
        membership_invite(
            organisation=organisation, invited_by=alice, email="NEW@example.test", role="viewer"
        )
    Membership.objects.create(organisation=organisation, user=bob, role=Role.VIEWER)
    with pytest.raises(AccountsError, match="already a member"):
        membership_invite(
            organisation=organisation, invited_by=alice, email=bob.email, role="payer"
        )
    assert Invitation.objects.count() == 1


def test_only_admins_invite(alice, bob):
    organisation = organisation_with(alice)
    Membership.objects.create(organisation=organisation, user=bob, role=Role.PAYER)
    with pytest.raises(AccountsError):
        membership_invite(
            organisation=organisation, invited_by=bob, email="x@example.test", role="admin"
        )


def test_the_last_admin_cannot_be_demoted_or_removed(alice, bob):
    organisation = organisation_with(alice)
    mine = Membership.objects.get(user=alice)
    with pytest.raises(AccountsError, match="at least one administrator"):
        membership_change_role(actor=alice, membership=mine, role=Role.VIEWER)
    with pytest.raises(AccountsError, match="at least one administrator"):
        membership_remove(actor=alice, membership=mine)
    bobs = Membership.objects.create(organisation=organisation, user=bob, role=Role.VIEWER)
    membership_change_role(actor=alice, membership=bobs, role=Role.ADMIN)
    membership_change_role(actor=alice, membership=mine, role=Role.VIEWER)
    mine.refresh_from_db()
    assert mine.role == Role.VIEWER
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_CHANGED).count() == 2


def test_admin_changes_a_role_with_htmx_and_removes_a_member(alice, bob, client):
    organisation = organisation_with(alice)
    bobs = Membership.objects.create(organisation=organisation, user=bob, role=Role.VIEWER)
    client.force_login(alice)
    response = client.post(
        company_url(organisation, "accounts:member_role", bobs.pk),
        {"role": Role.PAYER},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert 'id="members"' in response.content.decode()
    bobs.refresh_from_db()
    assert bobs.role == Role.PAYER
    response = client.post(company_url(organisation, "accounts:member_remove", bobs.pk))
    assert response.status_code == 302
    assert not Membership.objects.filter(user=bob).exists()
    assert AuditEvent.objects.filter(action=AuditAction.MEMBER_REMOVED, subject=bob).exists()


def test_a_non_admin_member_gets_403_on_admin_actions(alice, bob, client):
    organisation = organisation_with(alice)
    Membership.objects.create(organisation=organisation, user=bob, role=Role.VIEWER)
    client.force_login(bob)
    assert client.get(company_url(organisation)).status_code == 200
    alices = Membership.objects.get(user=alice)
    assert (
        client.post(
            company_url(organisation, "accounts:member_role", alices.pk), {"role": "viewer"}
        )
    ).status_code == 403
    assert (
        client.post(
            company_url(organisation, "accounts:company_invite"),
            {"email": "x@example.test", "role": "admin"},
        )
    ).status_code == 403


def test_bob_gets_404_on_alices_company_everywhere(alice, bob_client):
    organisation = organisation_with(alice)
    alices = Membership.objects.get(user=alice)
    invitation = membership_invite(
        organisation=organisation, invited_by=alice, email="new@example.test", role="viewer"
    )
    assert bob_client.get(company_url(organisation)).status_code == 404
    for name, args in [
        ("accounts:company_invite", []),
        ("accounts:company_claim", []),
        ("accounts:member_role", [alices.pk]),
        ("accounts:member_remove", [alices.pk]),
        ("accounts:company_invitation_cancel", [invitation.pk]),
    ]:
        assert (
            bob_client.post(company_url(organisation, name, *args), {"role": "viewer"}).status_code
            == 404
        )
    assert Membership.objects.get(pk=alices.pk).role == Role.ADMIN


def test_state_changes_are_post_only(alice_client, alice):
    organisation = organisation_with(alice)
    alices = Membership.objects.get(user=alice)
    assert alice_client.get(company_url(organisation, "accounts:company_invite")).status_code == 405
    assert (
        alice_client.get(company_url(organisation, "accounts:member_remove", alices.pk)).status_code
        == 405
    )


def test_invitation_accept_joins_once(alice, bob):
    organisation = organisation_with(alice)
    invitation = membership_invite(
        organisation=organisation, invited_by=alice, email=bob.email, role="viewer"
    )
    invitation_accept(token=invitation_token(invitation), user=bob)
    assert AuditEvent.objects.filter(action=AuditAction.MEMBER_JOINED, subject=bob).exists()
