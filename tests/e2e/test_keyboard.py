"""A keyboard-only journey (issue 12, item 17): log in, open an invoice and pay it in the
sandbox bank with Tab, Shift+Tab, Enter and Space alone (and typing into the two login
fields). Every control that Tab stops on on the way must show where the focus is
(tests/e2e/focus.py), on the desktop and on a phone."""

import pytest

from accounts.models import User
from invoices.models import Stage
from tests.e2e.focus import Keyboard
from tests.e2e.test_layout_phone import CONSUMER, _open_invoices, demo  # noqa: F401


@pytest.mark.parametrize("width", [1280, 360])
def test_a_consumer_logs_in_opens_an_invoice_and_pays_it_with_the_keyboard_only(
    demo,  # noqa: F811
    page,
    screenshot,
    width,
):
    user = User.objects.get(email=CONSUMER[0])
    User.objects.filter(pk=user.pk).update(preferred_language="en")
    payable = [i for i in _open_invoices(user) if not i.plan_entries.exists()]
    page.set_viewport_size({"width": width, "height": 800})
    page.set_default_timeout(30_000)
    keys = Keyboard(page)

    page.goto("/accounts/login/")
    keys.tab_to("a.skip-link")
    keys.tab_to("input[name=login]")
    page.keyboard.type(CONSUMER[0])
    keys.tab_to("input[name=password]")
    page.keyboard.type(CONSUMER[1])
    keys.tab_to("main button[type=submit]")
    screenshot(page, f"keyboard-{width}-login")
    page.keyboard.press("Enter")
    page.wait_for_url("**/invoices/")
    page.wait_for_load_state("networkidle")

    # The skip link takes the focus past the header to the content.
    keys.tab_to("a.skip-link")
    page.keyboard.press("Enter")
    links = ", ".join(f"#invoice-results a[href='/invoices/{i.pk}/']" for i in payable)
    keys.tab_to(links)
    pk = int(page.evaluate("() => document.activeElement.pathname.split('/')[2]"))
    invoice = next(i for i in payable if i.pk == pk)
    screenshot(page, f"keyboard-{width}-invoice-list")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/invoices/{pk}/")

    keys.tab_to(f"main a[href='/payments/invoices/{pk}/pay/']")
    screenshot(page, f"keyboard-{width}-invoice")
    page.keyboard.press("Enter")
    page.wait_for_url("**/payments/invoices/*/pay/")

    keys.tab_to("main form button[type=submit]")
    screenshot(page, f"keyboard-{width}-pay")
    page.keyboard.press("Space")
    page.wait_for_url("**/payments/sandbox/**")

    # Past the bank's Pay button to Cancel, and back with Shift+Tab.
    keys.tab_to("button[value=cancel]")
    keys.tab_to("button[value=pay]", back=True)
    screenshot(page, f"keyboard-{width}-sandbox")
    page.keyboard.press("Enter")
    page.wait_for_url("**/payments/orders/**")
    assert page.locator(".payment-state").get_attribute("data-state") == "paid"

    keys.tab_to(f"main a[href='/invoices/{pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/invoices/{pk}/")
    invoice.refresh_from_db()
    assert invoice.stage == Stage.PAID
    screenshot(page, f"keyboard-{width}-paid")
    assert keys.failures == [], "\n".join(keys.failures)
