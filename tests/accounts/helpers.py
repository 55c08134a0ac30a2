"""Shared data for the identity, organisation and authorization tests."""

from django.utils import timezone

from accounts.models import Membership, Organisation, Role, VerifiedIdentity
from accounts.services import authorization_grant, invitation_accept, invitation_token
from tests.factories import InvoiceFactory

ALICE_HETU = "131052-308T"
BOB_HETU = "010101-123N"
COMPANY_ID = "2874409-5"


def verify_identity(user, hetu: str = ALICE_HETU) -> VerifiedIdentity:
    return VerifiedIdentity.objects.create(
        user=user, hetu=hetu, full_name=str(user), provider="ftn", verified_at=timezone.now()
    )


def consumer_invoice(hetu: str = ALICE_HETU, **kwargs):
    return InvoiceFactory(debtor_type="consumer", debtor_hetu=hetu, **kwargs)


def company_invoice(business_id: str = COMPANY_ID, **kwargs):
    return InvoiceFactory(debtor_type="company", debtor_business_id=business_id, **kwargs)


def organisation_with(
    user, *, role: str = Role.ADMIN, verified: bool = True, business_id: str = COMPANY_ID
) -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        business_id=business_id, defaults={"name": "Kirjanpito Oy", "verified": verified}
    )
    Membership.objects.create(organisation=organisation, user=user, role=role)
    return organisation


def authorize(grantor, grantee, scopes=("view",), *, organisation=None, valid_until=None):
    """A granted and accepted authorization, through the services."""
    authorization = authorization_grant(
        granted_by=grantor,
        email=grantee.email,
        scopes=list(scopes),
        valid_until=valid_until,
        organisation=organisation,
    )
    invitation_accept(token=invitation_token(authorization.invitation), user=grantee)
    authorization.refresh_from_db()
    return authorization
