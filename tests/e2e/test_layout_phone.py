"""Every signed-in page fits a 360 px phone with demo data in it: nothing scrolls the page
sideways and nothing sticks out of the screen or is clipped, except inside a table's own
horizontal scroller (issue 12, item 9)."""

import io

import pytest
from django.core.management import call_command

from accounts.models import Organisation, User
from arrangements.selectors import plans_visible_to
from invoices.models import Invoice
from invoices.selectors import invoices_visible_to
from tests.e2e.conftest import log_in

PHONE = {"width": 360, "height": 740}
# Elements that stick out of the viewport, unless inside an element that scrolls sideways
# by design (a wide table in .table-scroll); visually hidden helpers are skipped.
OVERFLOW_JS = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  for (const el of document.querySelectorAll('body *')) {
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
  return found.slice(0, 8);
}"""


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo", stdout=io.StringIO())


def _signed_in_pages(user: User) -> list[str]:
    pages = ["/invoices/", "/invoices/?state=closed", "/invoices/find/", "/payments/"]
    pages += ["/profile/", "/profile/authorizations/", "/profile/companies/", "/help/"]
    pages += ["/price-list/", "/profile/identification/", "/arrangements/plan/"]
    stages = set()
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
            ]
    for plan in plans_visible_to(user)[:2]:
        pages.append(f"/arrangements/plans/{plan.pk}/")
    for organisation in Organisation.objects.filter(memberships__user=user):
        pages.append(f"/profile/companies/{organisation.pk}/")
    return pages


def _assert_fits(page, path: str) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    sticking_out = page.evaluate(OVERFLOW_JS)
    assert width <= 360 and not sticking_out, f"{path}: {width}px wide; {sticking_out}"


@pytest.mark.parametrize(
    ("email", "password"),
    [("consumer@myropo.test", "Demo-Kuluttaja-2026"), ("company@myropo.test", "Demo-Yritys-2026")],
)
def test_every_signed_in_page_fits_a_360_pixel_phone(demo, page, screenshot, email, password):
    user = User.objects.get(email=email)
    assert Invoice.objects.exists()
    page.set_viewport_size(PHONE)
    page.set_default_timeout(30_000)  # dozens of pages with demo data on a busy machine
    log_in(page, email, password)
    page.wait_for_load_state()
    failures = []
    for path in _signed_in_pages(user):
        response = page.goto(path)
        if response.status == 403:
            continue  # an action this user may not take on that invoice
        assert response.status == 200, path
        name = email.split("@")[0] + "-" + path.strip("/").replace("/", "-").replace("?", "-")
        screenshot(page, f"phone-360-{name}")
        try:
            _assert_fits(page, path)
        except AssertionError as error:
            failures.append(str(error).split("\n")[0])
    assert failures == [], "\n".join(failures)
