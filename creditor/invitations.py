"""The creditor's side of accounts' invitations (registered in `CreditorConfig.ready()`):
accounts sends and checks the signed single-use link; what accepting means is decided here."""

from django.utils.translation import gettext as _

from accounts.models import Invitation, User
from creditor import services
from invoices.models import Creditor, CreditorRole, CreditorUser


def describe(invitation: Invitation) -> str:
    creditor = Creditor.objects.filter(pk=invitation.target_id).first()
    role = (
        CreditorRole(invitation.role).label
        if invitation.role in CreditorRole.values
        else CreditorRole.VIEWER.label
    )
    return _(
        "%(inviter)s invites you to work for %(name)s in Ropo One, the creditors' portal of "
        "MyRopo, as: %(role)s."
    ) % {
        "inviter": invitation.invited_by or _("MyRopo"),
        "name": creditor.name if creditor else "—",
        "role": role,
    }


def accept(*, invitation: Invitation, user: User) -> str:
    return services.creditor_invitation_accept(invitation=invitation, user=user)


def may_cancel(invitation: Invitation, actor: User) -> bool:
    return CreditorUser.objects.filter(
        creditor_id=invitation.target_id, user=actor, role=CreditorRole.ADMIN
    ).exists()
