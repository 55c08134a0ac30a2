"""The demo personas signed in in a browser, and the pages each of them has (issue 12).

The demo data comes from `demo` (tests/e2e/test_layout_phone.py); the authorized person is
added here: Maija's spouse, who took the authorization that `demo` grants (pay and arrange,
and so view) and acts on her behalf."""

from accounts.models import Authorization, Membership, User
from accounts.services import invitation_accept, invitation_token
from invoices.models import CLOSED_STAGES
from invoices.selectors import invoices_visible_to
from tests.e2e.conftest import log_in
from tests.e2e.test_layout_admin import STAFF
from tests.e2e.test_layout_phone import (
    COMPANY,
    CONSUMER,
    CREDITOR,
    _creditor_pages,
    _open_invoices,
    _totp_code,
)
from tests.factories import PASSWORD, UserFactory

AUTHORIZED_EMAIL = "puoliso.meikalainen@example.fi"
LANGUAGES = ["fi", "sv", "en"]

__all__ = ["COMPANY", "CONSUMER", "CREDITOR", "LANGUAGES", "STAFF"]


def authorized_person() -> tuple[User, Authorization]:
    """Maija's spouse, with her authorization accepted (call after `demo`)."""
    user = UserFactory(email=AUTHORIZED_EMAIL, first_name="Pekka", last_name="Meikäläinen")
    authorization = Authorization.objects.get(grantee_email=AUTHORIZED_EMAIL)
    invitation_accept(token=invitation_token(authorization.invitation), user=user)
    return user, authorization


def act_as(page, key: str) -> None:
    """Chooses whose invoices the signed-in user acts on (`org:<pk>`, `auth:<pk>`)."""
    page.goto("/profile/acting-as/")
    page.locator(f"main input[value='{key}']").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def sign_in(page, email: str, password: str = PASSWORD, *, totp: bool = False) -> None:
    log_in(page, email, password)
    if totp:
        page.wait_for_url("**/2fa/**")
        page.fill("input[name=code]", _totp_code())
        page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def invoice_pages(user: User) -> list[str]:
    """The list, an open invoice with its pay, plan and due-date pages, and a closed one: the
    pages of every stage are walked by the phone test; one of each kind is enough here."""
    visible = invoices_visible_to(user)
    pages = ["/invoices/", "/payments/", "/messages/"]
    for invoice in [i for i in _open_invoices(user) if not i.plan_entries.exists()][:1]:
        pages.append(f"/invoices/{invoice.pk}/")
        for action in ("payments/invoices/{}/pay", "arrangements/invoices/{}/plan"):
            pages.append("/" + action.format(invoice.pk) + "/")
        pages.append(f"/arrangements/invoices/{invoice.pk}/due-date/")
    for invoice in visible.filter(stage__in=CLOSED_STAGES)[:1]:
        pages.append(f"/invoices/{invoice.pk}/")
    return pages


def company_admin_pages(user: User) -> list[str]:
    """What a company admin walks in the company's context: its invoices and authorizations,
    its members and invitations."""
    membership = Membership.objects.filter(user=user).select_related("organisation").first()
    pages = [*invoice_pages(user), "/profile/authorizations/", "/profile/companies/"]
    return [*pages, f"/profile/companies/{membership.organisation_id}/"]


def authorized_pages(user: User) -> list[str]:
    """What the authorized person sees acting on the grantor's behalf (pages of rights they
    lack answer 403 and are skipped by the walkers)."""
    return ["/profile/acting-as/", "/profile/authorizations/", *invoice_pages(user)]


def creditor_pages(user: User) -> list[str]:
    return _creditor_pages(user)


def staff_pages() -> list[str]:
    """The admin pages customer service works in (seed 004): the queue and a contact with
    its actions, logging a call, the KPIs, invoices, payments that did not match, refunds,
    requests outside the automatic rules, the chat console."""
    from invoices.models import Invoice
    from messaging.models import Contact
    from payments.models import Overpayment

    contact = Contact.objects.order_by("pk").first()
    invoice = Invoice.objects.filter(stage="reminded").first() or Invoice.objects.first()
    pages = [
        "/admin/",
        "/admin/messaging/contact/",
        f"/admin/messaging/contact/{contact.pk}/change/",
    ]
    pages += ["/admin/messaging/contact/log-phone/", "/admin/messaging/contact/kpis/"]
    pages += ["/admin/invoices/invoice/", f"/admin/invoices/invoice/{invoice.pk}/change/"]
    pages += ["/admin/payments/payment/", "/admin/payments/unmatchedpayment/"]
    pages += ["/admin/payments/overpayment/", "/admin/payments/bankaccountnotice/"]
    pages += ["/admin/payments/refund/", "/admin/arrangements/arrangementrequest/"]
    pages += ["/admin/accounts/user/", "/admin/chat/chat/console/"]
    for overpayment in Overpayment.objects.all()[:1]:
        pages.append(f"/admin/payments/overpayment/{overpayment.pk}/change/")
    return pages
