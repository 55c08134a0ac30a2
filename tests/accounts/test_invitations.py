"""Invitation links: signed, single use, seven days, only for the invited email address."""

import time

import pytest
from django.core import signing

from accounts.models import Membership
from accounts.services import (
    AccountsError,
    InvitationInvalid,
    invitation_accept,
    invitation_token,
    membership_invite,
)
from tests.accounts.helpers import organisation_with


@pytest.fixture
def invitation(alice):
    organisation = organisation_with(alice)
    return membership_invite(
        organisation=organisation, invited_by=alice, email="bob@example.test", role="payer"
    )


def url(token: str) -> str:
    return f"/profile/invitations/{token}/"


def test_the_wrong_user_cannot_accept(invitation, client, alice, db):
    from tests.factories import UserFactory

    carol = UserFactory(email="carol@example.test")
    with pytest.raises(AccountsError, match="another email address"):
        invitation_accept(token=invitation_token(invitation), user=carol)
    client.force_login(carol)
    response = client.post(url(invitation_token(invitation)))
    assert response.status_code == 403
    assert not Membership.objects.filter(user=carol).exists()
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_a_link_works_once(invitation, bob, client):
    token = invitation_token(invitation)
    client.force_login(bob)
    assert client.post(url(token)).status_code == 302
    response = client.post(url(token))
    assert response.status_code == 400
    assert Membership.objects.filter(user=bob).count() == 1


def test_an_expired_link_is_refused(invitation, bob, monkeypatch):
    eight_days_ago = time.time() - 8 * 24 * 3600
    monkeypatch.setattr(signing.time, "time", lambda: eight_days_ago)
    token = invitation_token(invitation)
    monkeypatch.undo()
    with pytest.raises(InvitationInvalid, match="expired"):
        invitation_accept(token=token, user=bob)
    assert not Membership.objects.filter(user=bob).exists()


@pytest.mark.parametrize("tamper", ["swap_payload", "cut_signature", "garbage"])
def test_a_tampered_link_is_refused(invitation, bob, client, tamper):
    token = invitation_token(invitation)
    other = signing.dumps({"invitation": invitation.pk + 1}, salt="accounts.invitation")
    bad = {
        "swap_payload": other.split(":")[0] + ":" + ":".join(token.split(":")[1:]),
        "cut_signature": token[:-3],
        "garbage": "not-a-token",
    }[tamper]
    client.force_login(bob)
    response = client.post(url(bad))
    assert response.status_code == 400
    assert not Membership.objects.filter(user=bob).exists()


def test_a_cancelled_invitation_is_refused(invitation, alice, bob):
    from accounts.services import invitation_cancel

    invitation_cancel(actor=alice, invitation=invitation)
    with pytest.raises(InvitationInvalid, match="cancelled"):
        invitation_accept(token=invitation_token(invitation), user=bob)


def test_an_invitation_cancelled_while_the_link_is_being_accepted_is_refused(
    invitation, alice, bob, monkeypatch
):
    """Issue 10, item 11: the cancel commits between reading the link and locking the row."""
    import accounts.services as services

    read_link = services.invitation_from_token

    def read_then_cancelled_elsewhere(token):
        found = read_link(token)
        services.invitation_cancel(actor=alice, invitation=found)
        return found

    monkeypatch.setattr(services, "invitation_from_token", read_then_cancelled_elsewhere)
    with pytest.raises(InvitationInvalid, match="cancelled"):
        invitation_accept(token=invitation_token(invitation), user=bob)
    assert not Membership.objects.filter(user=bob).exists()
    invitation.refresh_from_db()
    assert invitation.used_at is None


def test_anonymous_is_sent_to_log_in_first(invitation, client):
    response = client.get(url(invitation_token(invitation)))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
