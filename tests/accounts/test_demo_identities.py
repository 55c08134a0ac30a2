"""The demo personas see their invoices through a verified HETU and a verified organisation."""

import io

from django.core.management.base import OutputWrapper

from accounts.models import Membership, Role, User, VerifiedIdentity
from invoices.models import InvoiceAccess
from invoices.selectors import invoices_visible_to
from payments import demo


def test_demo_personas_use_identity_and_organisation_not_claims(db):
    demo.seed(OutputWrapper(io.StringIO()))
    consumer = User.objects.get(email=demo.CONSUMER_EMAIL)
    company = User.objects.get(email=demo.COMPANY_EMAIL)
    assert VerifiedIdentity.objects.get(user=consumer).hetu == "131052-308T"
    membership = Membership.objects.get(user=company)
    assert membership.role == Role.ADMIN
    assert membership.organisation.business_id == "2874409-5"
    assert membership.organisation.verified
    assert not InvoiceAccess.objects.filter(user__in=[consumer, company]).exists()
    assert invoices_visible_to(consumer).count() == 30
    assert invoices_visible_to(company).count() == 30
