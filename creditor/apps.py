from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditorConfig(AppConfig):
    name = "creditor"
    verbose_name = _("Creditor portal (Ropo One)")

    def ready(self) -> None:
        from accounts.hooks import InvitationTarget, register_invitation_target
        from creditor import invitations
        from creditor.services import CreditorPortalError

        register_invitation_target(
            "creditor",
            InvitationTarget(
                describe=invitations.describe,
                accept=invitations.accept,
                may_cancel=invitations.may_cancel,
                refused=CreditorPortalError,
            ),
        )
