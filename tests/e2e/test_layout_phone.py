"""Every signed-in page fits a 360 px phone with demo data in it: nothing scrolls the page
sideways and nothing sticks out of the screen or is clipped, except inside a table's own
horizontal scroller (issue 12, item 9).

The demo data is completed with what `seed_demo` leaves out so that no page is measured
empty: a message thread with customer service's answer, a payment plan, an overpayment
waiting for a bank account, an authorization, a creditor's note and an upload. The consumer,
the company admin (in the company's context, where its invoices are) and the creditor user
(signed in with TOTP, as the portal asks) each walk every page they have."""

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.context import Acting
from accounts.demo import DEMO_STAFF_TOTP_SECRET
from accounts.models import Membership, Organisation, User
from accounts.selectors import authorizations_given_by
from accounts.services import authorization_grant
from arrangements.selectors import plans_visible_to
from arrangements.services import arrangement_refusal, plan_create
from creditor.selectors import creditor_contacts, creditor_invoices, creditor_uploads
from creditor.services import creditor_note_add, invoice_upload_start
from invoices.hooks import payoff
from invoices.models import CreditorUser, Invoice
from invoices.selectors import invoices_visible_to
from messaging.models import Classification
from messaging.selectors import contacts_visible_to
from messaging.services import Owner, contact_create, staff_reply
from payments.allocation import allocate_payment
from payments.models import Overpayment, Payment, PaymentSource
from tests.e2e.conftest import ARTIFACTS, log_in

PHONE = {"width": 360, "height": 740}
FINVOICE = Path(__file__).parents[1] / "invoices" / "fixtures" / "finvoice_valid_single.xml"
CONSUMER = ("consumer@myropo.test", "Demo-Kuluttaja-2026")
COMPANY = ("company@myropo.test", "Demo-Yritys-2026")
CREDITOR = ("creditor@myropo.test", "Demo-Velkoja-2026")

# Elements that stick out of the viewport, unless inside an element that scrolls sideways
# by design (a wide table in .table-scroll); visually hidden helpers are skipped.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const found = [], beyond = [];
  for (const el of document.querySelectorAll('body *')) {
    const right = el.getBoundingClientRect().right;
    const tag = `${el.tagName.toLowerCase()}.${el.className}`;
    if (right > width + 1) beyond.push(`${tag} right=${Math.round(right)}`);
    else if (el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0
             && getComputedStyle(el).overflowX === 'visible') {
      beyond.push(`${tag} content=${el.scrollWidth}>${el.clientWidth}`);
    }
    if (el.closest('.visually-hidden, .skip-link')) continue;
    let hidden = false;
    for (let up = el; up && !hidden; up = up.parentElement) {
      hidden = getComputedStyle(up).clip !== 'auto';
    }
    if (hidden) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right <= width + 1 && box.left >= -1) continue;
    let parent = el.parentElement, scroller = false;
    while (parent) {
      const overflow = getComputedStyle(parent).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') { scroller = true; break; }
      parent = parent.parentElement;
    }
    const name = `${el.tagName.toLowerCase()}.${el.className}`;
    if (!scroller) found.push(`${name} right=${Math.round(box.right)}`);
  }
  return [found.slice(0, 8), beyond.slice(-4)];
}"""
# A container that scrolls sideways must say so: it is focusable (keyboard users scroll it),
# named, and shows a shadow at the edge where more is hidden (.table-scroll in site.css).
SCROLLERS_JS = """() => [...document.querySelectorAll('main *')]
  .filter(el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX)
                && el.scrollWidth > el.clientWidth + 1)
  .filter(el => !(el.classList.contains('table-scroll') && el.tabIndex === 0
                  && (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby'))))
  .map(el => `${el.tagName.toLowerCase()}.${el.className}`)"""


def _user(email: str) -> User:
    return User.objects.get(email=email)


def _open_invoices(user: User) -> list[Invoice]:
    return [i for i in invoices_visible_to(user).order_by("due_date", "pk") if not i.is_closed]


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo", stdout=io.StringIO())
    consumer, staff = _user(CONSUMER[0]), User.objects.get(email="staff@myropo.test")
    today = timezone.localdate()
    open_invoices = _open_invoices(consumer)
    plannable = next(i for i in open_invoices if arrangement_refusal(i) is None)
    plan_create(
        invoices=[plannable],
        start=today + timedelta(days=14),
        installments=3,
        acting=Acting(consumer),
        today=today,
    )
    contact = contact_create(
        owner=Owner(Acting(consumer), user=consumer),
        classification=Classification.OTHER,
        body="Hei! Voinko maksaa laskun kahdessa osassa? Palkka tulee vasta kuun lopussa, "
        "ja haluaisin välttää lisäkulut. Kiitos etukäteen vastauksesta.",
        invoices=[open_invoices[-1]],
    )
    staff_reply(
        contact=contact,
        staff=staff,
        body="Hei Maija! Voit tehdä maksusuunnitelman laskun sivulla kohdasta Maksusuunnitelma.",
    )
    overpaid = open_invoices[0]
    paid = payoff(overpaid, today).total + Decimal("17.50")
    allocate_payment(
        payment=Payment.objects.create(
            source=PaymentSource.BANK,
            external_id="phone-over-1",
            amount=paid,
            paid_on=today,
        ),
        invoice=overpaid,
        amount=paid,
    )
    authorization_grant(
        granted_by=consumer, email="puoliso.meikalainen@example.fi", scopes=["pay", "arrange"]
    )
    creditor_user = CreditorUser.objects.select_related("creditor", "user").get(
        user__email=CREDITOR[0]
    )
    creditor = creditor_user.creditor
    noted = next(i for i in open_invoices[1:] if i.creditor_id == creditor.pk)
    contact_create(
        owner=Owner(Acting(consumer), user=consumer),
        classification=Classification.PAYMENT_REPORT,
        body="Maksoin tämän laskun jo verkkopankissa, mutta se näkyy yhä avoimena. "
        "Tarkistaisitteko, kiitos.",
        invoices=[noted],
        paid_on=today - timedelta(days=2),
        amount=payoff(noted, today).total,
    )
    creditor_note_add(
        creditor=creditor,
        actor=creditor_user.user,
        invoice=noted,
        body="Asiakas soitti 3.11. ja lupasi maksaa kuun lopussa.",
    )
    invoice_upload_start(
        creditor=creditor,
        actor=creditor_user.user,
        filename=FINVOICE.name,
        data=FINVOICE.read_bytes(),
    )


def _invoice_pages(user: User) -> list[str]:
    pages, stages = [], set()
    for invoice in invoices_visible_to(user).order_by("stage", "-principal"):
        if invoice.stage in stages:
            continue
        stages.add(invoice.stage)
        pages.append(f"/invoices/{invoice.pk}/")
        if not invoice.is_closed:
            pages += [
                f"/payments/invoices/{invoice.pk}/pay/",
                f"/arrangements/invoices/{invoice.pk}/plan/",
                f"/arrangements/invoices/{invoice.pk}/due-date/",
                f"/messages/new/{invoice.pk}/",
            ]
    plannable = [
        i
        for i in _open_invoices(user)
        if arrangement_refusal(i) is None and not i.plan_entries.exists()
    ]
    if plannable:  # the plan page's preview of a schedule
        start = (timezone.localdate() + timedelta(days=10)).isoformat()
        pages.append(
            f"/arrangements/invoices/{plannable[0].pk}/plan/"
            f"?invoice={plannable[0].pk}&start={start}&installments=4"
        )
    return pages


def _signed_in_pages(user: User) -> list[str]:
    pages = ["/invoices/", "/invoices/?state=closed", "/invoices/find/", "/payments/"]
    pages += ["/profile/", "/profile/authorizations/", "/profile/companies/", "/help/"]
    pages += ["/price-list/", "/profile/identification/", "/profile/acting-as/"]
    pages += ["/arrangements/plan/", "/messages/", "/messages/new/", "/dashboard/"]
    pages += [reverse(name) for name in ("account_email", "account_change_password", "mfa_index")]
    pages += ["/accounts/2fa/totp/activate/", "/privacy/"]
    pages += _invoice_pages(user)
    for plan in plans_visible_to(user)[:2]:
        pages.append(f"/arrangements/plans/{plan.pk}/")
    for contact in contacts_visible_to(user)[:2]:
        pages.append(f"/messages/{contact.pk}/")
    for overpayment in Overpayment.objects.filter(invoice__in=invoices_visible_to(user))[:1]:
        pages.append(f"/payments/overpayments/{overpayment.pk}/bank-account/")
    for organisation in Organisation.objects.filter(memberships__user=user):
        pages.append(f"/profile/companies/{organisation.pk}/")
    return pages


def _company_pages(user: User) -> list[str]:
    """The company admin's pages in the company's context (its invoices, its authorizations)."""
    pages = ["/invoices/", "/payments/", "/profile/authorizations/", "/messages/"]
    return pages + _invoice_pages(user)


def _creditor_pages(user: User) -> list[str]:
    creditor = CreditorUser.objects.get(user=user).creditor
    pages = ["/creditor/", "/creditor/invoices/", "/creditor/invoices/upload/"]
    pages += ["/creditor/contacts/", "/creditor/statistics/", "/creditor/settings/"]
    pages += ["/creditor/users/", "/creditor/settings/api-keys/", "/creditor/invoices/?q=a"]
    stages = set()
    for invoice in creditor_invoices(creditor).order_by("stage", "-principal"):
        if invoice.stage not in stages:
            stages.add(invoice.stage)
            pages.append(f"/creditor/invoices/{invoice.pk}/")
    pages += [f"/creditor/contacts/{c.pk}/" for c in creditor_contacts(creditor)[:2]]
    pages += [f"/creditor/uploads/{u.pk}/" for u in creditor_uploads(creditor)[:1]]
    return pages


def _assert_fits(page, path: str) -> None:
    width, inner = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    sticking_out, beyond = page.evaluate(OVERFLOW_JS)
    unmarked = page.evaluate(SCROLLERS_JS)
    assert width <= inner and not sticking_out and not unmarked, (
        f"{path}: {width}px wide in {inner}px; {sticking_out}; unmarked scrollers {unmarked}; "
        f"last beyond the edge {beyond}"
    )


def _walk(page, screenshot, persona: str, paths: list[str]) -> list[str]:
    failures = []
    for path in paths:
        response = page.goto(path)
        if response.status == 403:
            continue  # an action this user may not take on that invoice
        assert response.status == 200, path
        page.wait_for_load_state("networkidle")  # htmx fragments (the header's switcher)
        name = persona + "-" + path.strip("/").replace("/", "-").replace("?", "-")
        screenshot(page, f"phone-360-{name.replace('&', '-').replace('=', '')[:120]}")
        try:
            _assert_fits(page, path)
        except AssertionError as error:
            failures.append(str(error).split("\n")[0])
    return failures


def _totp_code() -> str:
    """The demo personas' current TOTP code (they share one secret, accounts.demo)."""
    counter = next(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(DEMO_STAFF_TOTP_SECRET, counter))


def _phone(page):
    page.set_viewport_size(PHONE)
    page.set_default_timeout(30_000)  # dozens of pages with demo data on a busy machine


def test_every_page_of_the_consumer_fits_a_360_pixel_phone(demo, page, screenshot):
    user = _user(CONSUMER[0])
    assert plans_visible_to(user).exists() and contacts_visible_to(user).exists()
    assert authorizations_given_by(user).exists()
    _phone(page)
    log_in(page, *CONSUMER)
    page.wait_for_load_state()
    failures = _walk(page, screenshot, "consumer", _signed_in_pages(user))
    assert failures == [], "\n".join(failures)


def test_every_page_of_the_company_admin_fits_a_360_pixel_phone(demo, page, screenshot):
    user = _user(COMPANY[0])
    membership = Membership.objects.filter(user=user).select_related("organisation").first()
    _phone(page)
    log_in(page, *COMPANY)
    page.wait_for_load_state()
    failures = _walk(page, screenshot, "company", _signed_in_pages(user))
    page.goto("/profile/acting-as/")
    page.locator(f"main input[value='org:{membership.organisation_id}']").check()
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    failures += _walk(page, screenshot, "company-org", _company_pages(user))
    assert failures == [], "\n".join(failures)
    # The acting-as switcher's select and button share one row, on the phone and at 1280 px.
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/invoices/")
        page.wait_for_load_state("networkidle")
        screenshot(page, f"header-{width}-company-org-invoices")
        select, button = (
            page.locator(f".context-switcher {tag}").bounding_box() for tag in ("select", "button")
        )
        assert abs(select["y"] - button["y"]) < select["height"], width
    # On a desktop the language buttons stay on the first row, in one line, beside the menu,
    # in every language (they wrapped under the brand at 1024-1280 px with the switcher).
    wrapped = []
    for language in ("fi", "sv", "en"):
        User.objects.filter(pk=user.pk).update(preferred_language=language)
        page.set_viewport_size({"width": 1024, "height": 800})
        page.goto("/invoices/")
        page.wait_for_load_state("networkidle")
        for width in (1024, 1100, 1180, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            nav = page.locator(".main-nav").bounding_box()
            buttons = [b.bounding_box() for b in page.locator(".language-switcher button").all()]
            tops = {round(b["y"]) for b in buttons}
            if len(tops) != 1 or min(tops) > nav["y"] + nav["height"]:
                wrapped.append(f"{language} {width}px: buttons at {sorted(tops)}, menu {nav}")
        page.set_viewport_size({"width": 1024, "height": 800})
        page.locator(".site-header").screenshot(
            path=str(ARTIFACTS / f"header-1024-company-org-{language}.png")
        )
    assert wrapped == [], "\n".join(wrapped)
    # The keyboard goes as the eye does: from the menu's last item to the language buttons on
    # the first row, then to the switcher on the second (WCAG 2.4.3).
    page.locator(".main-nav .link-button").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('.language-switcher')")
    for _button in page.locator(".language-switcher button").all():
        page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('.context-switcher')")


def test_every_page_of_the_creditor_user_fits_a_360_pixel_phone(demo, page, screenshot):
    user = _user(CREDITOR[0])
    creditor = CreditorUser.objects.get(user=user).creditor
    assert creditor_contacts(creditor).exists() and creditor_uploads(creditor).exists()
    _phone(page)
    log_in(page, *CREDITOR)
    page.wait_for_url("**/2fa/**")
    page.fill("input[name=code]", _totp_code())
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    failures = _walk(page, screenshot, "creditor", _creditor_pages(user))
    assert failures == [], "\n".join(failures)
