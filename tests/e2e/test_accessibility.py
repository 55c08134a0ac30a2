"""axe-core in the browser on the main pages (issue 12, item 17): no serious or critical
violation, in Finnish, Swedish and English.

axe is vendored for the tests only (tests/e2e/vendor, see its README) and injected through
the DevTools protocol (an init script), which the pages' strict CSP does not apply to; the
site itself never serves it."""

from pathlib import Path

import pytest

from accounts.models import User
from arrangements.services import arrangement_refusal
from tests.e2e.conftest import log_in
from tests.e2e.test_layout_phone import (  # noqa: F401
    CONSUMER,
    CREDITOR,
    _creditor_pages,
    _open_invoices,
    _totp_code,
    demo,
)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => `${v.id} (${v.impact}): `
              + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


def _pages(user: User) -> list[str]:
    from invoices.selectors import invoices_visible_to

    invoice = invoices_visible_to(user).filter(stage="reminded").first() or (
        invoices_visible_to(user).first()
    )
    plannable = next(
        i
        for i in _open_invoices(user)
        if arrangement_refusal(i) is None and not i.plan_entries.exists()
    )
    pages = ["/invoices/", f"/invoices/{invoice.pk}/", "/payments/", "/messages/"]
    pages += ["/messages/new/", "/profile/", "/profile/authorizations/", "/help/"]
    pages += ["/price-list/", "/invoices/find/", f"/payments/invoices/{plannable.pk}/pay/"]
    pages += [
        f"/arrangements/invoices/{plannable.pk}/plan/",
        f"/arrangements/invoices/{plannable.pk}/due-date/",
    ]
    return pages


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_main_pages_have_no_serious_accessibility_violations(
    demo,  # noqa: F811
    browser,
    live_server,
    language,
):
    user = User.objects.get(email=CONSUMER[0])
    User.objects.filter(pk=user.pk).update(preferred_language=language)
    context = browser.new_context(base_url=live_server.url, locale=f"{language}-FI")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(30_000)
    failures = []
    for path in ["/", "/accounts/login/"]:
        page.goto(path)
        failures += [f"{path}: {v}" for v in page.evaluate(RUN_AXE)]
    log_in(page, *CONSUMER)
    page.wait_for_load_state()
    for path in _pages(user):
        response = page.goto(path)
        assert response.status == 200, path
        assert page.evaluate("() => document.documentElement.lang") == language
        failures += [f"{path}: {v}" for v in page.evaluate(RUN_AXE)]
    context.close()
    assert failures == [], "\n".join(failures)


def test_the_creditor_portal_has_no_serious_accessibility_violations(
    demo,  # noqa: F811
    browser,
    live_server,
):
    user = User.objects.get(email=CREDITOR[0])
    context = browser.new_context(base_url=live_server.url, locale="en-FI")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(30_000)
    log_in(page, *CREDITOR)
    page.wait_for_url("**/2fa/**")
    page.fill("input[name=code]", _totp_code())
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    failures = []
    for path in _creditor_pages(user):
        response = page.goto(path)
        assert response.status == 200, path
        failures += [f"{path}: {v}" for v in page.evaluate(RUN_AXE)]
    context.close()
    assert failures == [], "\n".join(failures)
