"""The permission matrix: each way of reaching an invoice × each action × own / other's invoice."""

import pytest
from django.urls import reverse

from accounts.models import OrganisationInvoice, Role
from accounts.staff import STAFF_POWERS_ATTR
from invoices.models import CreditorUser, InvoiceAccess
from invoices.permissions import ALL_SCOPES, allowed_actions, can
from invoices.selectors import invoices_visible_to
from tests.accounts.helpers import (
    ALICE_HETU,
    BOB_HETU,
    authorize,
    company_invoice,
    consumer_invoice,
    organisation_with,
    verify_identity,
)
from tests.factories import CreditorFactory, UserFactory

ACTIONS = ["view", "pay", "arrange", "message"]
EVERYTHING = set(ACTIONS)


def _own_by_claim(user):
    invoice = consumer_invoice(hetu="")
    InvoiceAccess.objects.create(invoice=invoice, user=user, method="myropo_id")
    return invoice


def _claimed_for_an_unverified_company(role):
    """Issue 10, item 14: a company claimed the invoice with its number and reference."""

    def build(user):
        organisation = organisation_with(user, role=role, verified=False)
        invoice = company_invoice()
        OrganisationInvoice.objects.create(organisation=organisation, invoice=invoice)
        return invoice

    return build


def _authorized_by_a_claimer(*scopes):
    def build(user):
        claimer = UserFactory()
        invoice = consumer_invoice(hetu="")
        InvoiceAccess.objects.create(invoice=invoice, user=claimer, method="number_reference")
        authorize(claimer, user, scopes)
        return invoice

    return build


def _own_by_hetu(user):
    verify_identity(user, ALICE_HETU)
    return consumer_invoice(ALICE_HETU)


def _member(role):
    def build(user):
        organisation_with(user, role=role)
        return company_invoice()

    return build


def _authorized_by_person(*scopes):
    def build(user):
        owner = UserFactory()
        verify_identity(owner, ALICE_HETU)
        authorize(owner, user, scopes)
        return consumer_invoice(ALICE_HETU)

    return build


def _authorized_by_organisation(*scopes):
    def build(user):
        admin = UserFactory()
        organisation = organisation_with(admin, role=Role.ADMIN)
        authorize(admin, user, scopes, organisation=organisation)
        return company_invoice()

    return build


def _creditor_user(user):
    invoice = consumer_invoice(ALICE_HETU)
    CreditorUser.objects.create(creditor=invoice.creditor, user=user)
    return invoice


def _staff(user):
    """Staff whose request passed the admin's MFA check (as `StaffPowersMiddleware` marks it)."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    setattr(user, STAFF_POWERS_ATTR, True)
    return consumer_invoice(ALICE_HETU)


ROUTES = {
    # Knowing the MyRopo ID or number + reference is enough to see and pay (item 14).
    "own, claimed": (_own_by_claim, {"view", "pay"}),
    "company admin, claimed": (_claimed_for_an_unverified_company(Role.ADMIN), {"view", "pay"}),
    "company viewer, claimed": (_claimed_for_an_unverified_company(Role.VIEWER), {"view"}),
    "authorized by a claimer: pay, arrange, message": (
        _authorized_by_a_claimer("pay", "arrange", "message"),
        {"view", "pay"},
    ),
    "own, verified HETU": (_own_by_hetu, EVERYTHING),
    "company admin": (_member(Role.ADMIN), EVERYTHING),
    "company payer": (_member(Role.PAYER), EVERYTHING),
    "company viewer": (_member(Role.VIEWER), {"view"}),
    "authorized: view": (_authorized_by_person("view"), {"view"}),
    "authorized: pay": (_authorized_by_person("pay"), {"view", "pay"}),
    "authorized: arrange": (_authorized_by_person("arrange"), {"view", "arrange"}),
    "authorized: message": (_authorized_by_person("message"), {"view", "message"}),
    "authorized by a company: pay": (_authorized_by_organisation("pay"), {"view", "pay"}),
    "staff": (_staff, EVERYTHING),
}


@pytest.fixture
def others_invoice(db):
    """Somebody else's invoice, at a creditor of its own."""
    return consumer_invoice(BOB_HETU, creditor=CreditorFactory(business_id="7654321-2"))


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("route", list(ROUTES))
def test_permission_matrix(db, route, action, others_invoice):
    build, expected = ROUTES[route]
    user = UserFactory()
    invoice = build(user)
    assert can(user, action, invoice) is (action in expected)
    assert can(user, action, others_invoice) is (route == "staff")
    visible = set(invoices_visible_to(user).values_list("pk", flat=True))
    assert invoice.pk in visible
    assert (others_invoice.pk in visible) is (route == "staff")


@pytest.mark.parametrize("route", list(ROUTES))
def test_allowed_actions_is_one_query(db, route, django_assert_max_num_queries):
    build, expected = ROUTES[route]
    user = UserFactory()
    invoice = build(user)
    with django_assert_max_num_queries(1):
        assert allowed_actions(user, invoice) == expected


def test_routes_add_up(db):
    """A viewer of the company who is also authorized to pay by it may pay."""
    user = UserFactory()
    organisation = organisation_with(user, role=Role.VIEWER)
    invoice = company_invoice()
    admin = UserFactory()
    from accounts.models import Membership

    Membership.objects.create(organisation=organisation, user=admin, role=Role.ADMIN)
    assert allowed_actions(user, invoice) == {"view"}
    user.memberships.all().delete()
    authorize(admin, user, ["pay"], organisation=organisation)
    assert allowed_actions(user, invoice) == {"view", "pay"}


def test_anonymous_and_inactive_may_do_nothing(db, alice, alice_invoice):
    from django.contrib.auth.models import AnonymousUser

    assert allowed_actions(AnonymousUser(), alice_invoice) == frozenset()
    alice.is_active = False
    assert allowed_actions(alice, alice_invoice) == frozenset()
    assert ALL_SCOPES == EVERYTHING


def test_visible_invoice_without_the_scope_is_403_invisible_is_404(client, db):
    """The invoice page: a viewer sees it (200); a stranger gets 404."""
    viewer = UserFactory()
    invoice = _member(Role.VIEWER)(viewer)
    stranger = UserFactory()
    client.force_login(viewer)
    assert client.get(reverse("invoices:detail", args=[invoice.pk])).status_code == 200
    assert not can(viewer, "pay", invoice)
    client.force_login(stranger)
    assert client.get(reverse("invoices:detail", args=[invoice.pk])).status_code == 404


def test_a_creditor_user_has_no_debtor_rights_on_the_creditors_invoices(db):
    """The creditor portal has its own roles behind a second factor (issue 15, item 1)."""
    user = UserFactory()
    invoice = _creditor_user(user)
    assert allowed_actions(user, invoice) == frozenset()
    assert not invoices_visible_to(user).filter(pk=invoice.pk).exists()
