"""Users of a creditor (issue 15, item 3): the admin invites through accounts' invitations,
sets roles and removes users; the last admin is neither removed nor demoted; every change is
in the creditor's audit (who, when, old → new); a viewer gets 403, another creditor 404."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation
from accounts.services import invitation_accept
from creditor import services
from creditor.models import CreditorAuditAction, CreditorAuditEvent
from invoices.models import CreditorRole, CreditorUser
from tests.creditor.conftest import creditor_member
from tests.factories import UserFactory
from tests.invoices.test_admin import mfa_login

pytestmark = pytest.mark.django_db

USERS = reverse("creditor:users")


def membership(creditor, user) -> CreditorUser:
    return CreditorUser.objects.get(creditor=creditor, user=user)


def test_an_admin_invites_a_user_who_accepts_the_emailed_link_and_works_as_a_viewer(
    admin_client, creditor, creditor_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(USERS, {"email": "New@Energia.test", "role": "viewer"})
    assert response.status_code == 302
    [mail] = mailoutbox
    assert mail.to == ["new@energia.test"]
    assert creditor.name in mail.body
    link = re.search(r"https?://\S+/profile/invitations/(\S+)/", mail.body)
    newcomer = UserFactory(email="new@energia.test")
    client = Client()
    client.force_login(newcomer)
    page = client.get(f"/profile/invitations/{link.group(1)}/")
    assert creditor.name in page.content.decode()
    response = client.post(f"/profile/invitations/{link.group(1)}/")
    assert response.status_code == 302 and response["Location"] == reverse("creditor:home")
    assert membership(creditor, newcomer).role == CreditorRole.VIEWER
    actions = list(
        CreditorAuditEvent.objects.filter(creditor=creditor)
        .order_by("id")
        .values_list("action", "actor")
    )
    assert actions == [
        (CreditorAuditAction.USER_INVITED, creditor_admin.pk),
        (CreditorAuditAction.USER_JOINED, newcomer.pk),
    ]
    # Single use: the link gives nothing a second time.
    assert client.post(f"/profile/invitations/{link.group(1)}/").status_code == 400


def test_the_invitation_is_only_for_the_invited_address(creditor, creditor_admin):
    invitation = services.creditor_user_invite(
        creditor=creditor, actor=creditor_admin, email="new@energia.test", role="admin"
    )
    from accounts.services import AccountsError, invitation_token

    with pytest.raises(AccountsError):
        invitation_accept(token=invitation_token(invitation), user=UserFactory())
    assert CreditorUser.objects.filter(creditor=creditor).count() == 1


def test_inviting_someone_who_already_works_for_the_creditor_is_refused(
    admin_client, creditor_viewer
):
    response = admin_client.post(USERS, {"email": creditor_viewer.email, "role": "admin"})
    assert response.status_code == 400
    assert "already works for this creditor" in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_admin_cancels_an_invitation(admin_client, creditor, creditor_admin):
    invitation = services.creditor_user_invite(
        creditor=creditor, actor=creditor_admin, email="new@energia.test", role="viewer"
    )
    url = reverse("creditor:invitation_cancel", args=[invitation.pk])
    assert admin_client.post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None
    assert CreditorAuditEvent.objects.filter(
        action=CreditorAuditAction.INVITATION_CANCELLED
    ).exists()


def test_an_admin_changes_a_role_and_the_audit_has_old_and_new(
    admin_client, creditor, creditor_admin, creditor_viewer
):
    target = membership(creditor, creditor_viewer)
    response = admin_client.post(reverse("creditor:user_role", args=[target.pk]), {"role": "admin"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == CreditorRole.ADMIN
    event = CreditorAuditEvent.objects.get(action=CreditorAuditAction.ROLE_CHANGED)
    assert event.actor == creditor_admin
    assert event.data == {"email": creditor_viewer.email, "changes": {"role": ["viewer", "admin"]}}
    page = admin_client.get(USERS).content.decode()
    assert "Viewer → Administrator" in page and "viewer → admin" not in page


@pytest.mark.parametrize(
    ("language", "changed", "invited", "removed"),
    [
        ("fi", "Katselija → Pääkäyttäjä", "(Katselija)", "Katselija → —"),
        ("sv", "Läsare → Administratör", "(Läsare)", "Läsare → —"),
        ("en", "Viewer → Administrator", "(Viewer)", "Viewer → —"),
    ],
)
def test_the_audit_log_shows_roles_in_the_users_language(
    creditor, creditor_admin, language, changed, invited, removed
):
    creditor_admin.preferred_language = language
    creditor_admin.save()
    first = creditor_member(creditor, CreditorRole.VIEWER, email="first@energia.test")
    second = creditor_member(creditor, CreditorRole.VIEWER, email="second@energia.test")
    services.creditor_user_set_role(
        creditor=creditor,
        actor=creditor_admin,
        membership=membership(creditor, first),
        role=CreditorRole.ADMIN,
    )
    services.creditor_user_remove(
        creditor=creditor, actor=creditor_admin, membership=membership(creditor, second)
    )
    services.creditor_user_invite(
        creditor=creditor, actor=creditor_admin, email="new@energia.test", role="viewer"
    )

    page = mfa_login(Client(), creditor_admin).get(USERS).content.decode()

    assert changed in page and invited in page and removed in page
    assert "viewer →" not in page and "(viewer)" not in page


def test_a_role_code_no_longer_known_is_shown_as_written(creditor, creditor_admin):
    event = CreditorAuditEvent.objects.create(
        creditor=creditor,
        actor=creditor_admin,
        action=CreditorAuditAction.ROLE_CHANGED,
        data={"email": "x@energia.test", "changes": {"role": ["owner", "viewer"]}},
    )
    assert event.role_change == ("owner", "Viewer")


def test_an_admin_removes_a_user(admin_client, creditor, creditor_viewer):
    target = membership(creditor, creditor_viewer)
    response = admin_client.post(reverse("creditor:user_remove", args=[target.pk]))
    assert response.status_code == 302
    assert not CreditorUser.objects.filter(pk=target.pk).exists()
    event = CreditorAuditEvent.objects.get(action=CreditorAuditAction.USER_REMOVED)
    assert event.data["changes"] == {"role": ["viewer", None]}
    # Their account stays; the portal no longer lets them in.
    creditor_viewer.refresh_from_db()
    assert creditor_viewer.is_active


def test_the_last_admin_cannot_be_demoted(admin_client, creditor, creditor_admin):
    own = membership(creditor, creditor_admin)
    response = admin_client.post(
        reverse("creditor:user_role", args=[own.pk]), {"role": "viewer"}, follow=True
    )
    assert "at least one administrator" in response.content.decode()
    own.refresh_from_db()
    assert own.role == CreditorRole.ADMIN
    assert not CreditorAuditEvent.objects.filter(action=CreditorAuditAction.ROLE_CHANGED).exists()


def test_the_last_admin_cannot_be_removed(admin_client, creditor, creditor_admin):
    own = membership(creditor, creditor_admin)
    response = admin_client.post(reverse("creditor:user_remove", args=[own.pk]), follow=True)
    assert "at least one administrator" in response.content.decode()
    assert CreditorUser.objects.filter(pk=own.pk).exists()
    assert not CreditorAuditEvent.objects.exists()


def test_with_a_second_admin_one_admin_may_step_down(admin_client, creditor, creditor_admin):
    creditor_member(creditor, email="second@energia.test")
    own = membership(creditor, creditor_admin)
    admin_client.post(reverse("creditor:user_role", args=[own.pk]), {"role": "viewer"})
    own.refresh_from_db()
    assert own.role == CreditorRole.VIEWER


def test_a_viewer_reads_the_users_but_every_change_is_forbidden(
    viewer_client, creditor, creditor_admin, creditor_viewer
):
    page = viewer_client.get(USERS)
    assert page.status_code == 200 and creditor_admin.email in page.content.decode()
    admin = membership(creditor, creditor_admin)
    assert viewer_client.post(USERS, {"email": "x@y.test", "role": "admin"}).status_code == 403
    own = membership(creditor, creditor_viewer)
    assert (
        viewer_client.post(
            reverse("creditor:user_role", args=[own.pk]), {"role": "admin"}
        ).status_code
        == 403
    )
    assert viewer_client.post(reverse("creditor:user_remove", args=[admin.pk])).status_code == 403
    assert not Invitation.objects.exists()
    own.refresh_from_db()
    assert own.role == CreditorRole.VIEWER
    assert CreditorUser.objects.filter(pk=admin.pk).exists()
    assert not CreditorAuditEvent.objects.exists()


def test_another_creditors_admin_gets_404_on_this_creditors_users(
    other_client, creditor, creditor_admin, creditor_viewer
):
    target = membership(creditor, creditor_viewer)
    assert (
        other_client.post(
            reverse("creditor:user_role", args=[target.pk]), {"role": "admin"}
        ).status_code
        == 404
    )
    assert other_client.post(reverse("creditor:user_remove", args=[target.pk])).status_code == 404
    invitation = services.creditor_user_invite(
        creditor=creditor, actor=creditor_admin, email="new@energia.test", role="viewer"
    )
    url = reverse("creditor:invitation_cancel", args=[invitation.pk])
    assert other_client.post(url).status_code == 404
    assert creditor_viewer.email not in other_client.get(USERS).content.decode()
    target.refresh_from_db()
    assert target.role == CreditorRole.VIEWER


def test_the_user_pages_answer_get_only_where_they_read(admin_client, creditor, creditor_viewer):
    target = membership(creditor, creditor_viewer)
    assert admin_client.get(reverse("creditor:user_remove", args=[target.pk])).status_code == 405
    assert admin_client.get(reverse("creditor:user_role", args=[target.pk])).status_code == 405


@pytest.mark.parametrize("change", ["role", "remove"])
def test_a_membership_of_another_creditor_is_refused_by_the_service_itself(
    creditor, creditor_admin, other_admin, other_creditor, change
):
    theirs = membership(other_creditor, other_admin)
    with pytest.raises(services.CreditorPortalError, match="does not work for this creditor"):
        if change == "role":
            services.creditor_user_set_role(
                creditor=creditor, actor=creditor_admin, membership=theirs, role="viewer"
            )
        else:
            services.creditor_user_remove(
                creditor=creditor, actor=creditor_admin, membership=theirs
            )
    assert membership(other_creditor, other_admin).role == CreditorRole.ADMIN
