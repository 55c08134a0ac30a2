"""axe-core in the browser on the pages of every persona (issue 12, item 17): the consumer,
the company admin, the authorized person, the creditor user and customer service's admin
pages have no serious or critical violation, in Finnish, Swedish and English; and every
control that Tab stops on shows its focus (tests/e2e/focus.py).

axe is vendored for the tests only (tests/e2e/vendor, see its README) and injected through
the DevTools protocol (an init script), which the pages' strict CSP does not apply to; the
site itself never serves it."""

from pathlib import Path

import pytest

from accounts.models import Membership, User
from arrangements.services import arrangement_refusal
from tests.e2e.focus import focus_problems
from tests.e2e.personas import (
    COMPANY,
    CONSUMER,
    CREDITOR,
    LANGUAGES,
    STAFF,
    act_as,
    authorized_pages,
    authorized_person,
    company_admin_pages,
    creditor_pages,
    sign_in,
    staff_pages,
)
from tests.e2e.test_layout_phone import _open_invoices, demo  # noqa: F401

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


def _walk(page, user: User, paths: list[str]) -> list[str]:
    """axe on each page in each language (the profile's language is the page's, so one
    sign-in serves all three), and the focus rings once."""
    failures = []
    for language in LANGUAGES:
        User.objects.filter(pk=user.pk).update(preferred_language=language)
        for path in paths:
            response = page.goto(path)
            if response.status == 403:
                continue  # an action this user may not take on that invoice
            assert response.status == 200, path
            assert page.evaluate("() => document.documentElement.lang") == language, path
            failures += [f"{language} {path}: {v}" for v in page.evaluate(RUN_AXE)]
            if language == LANGUAGES[0]:  # the rings do not change with the language
                failures += [f"{path}: {p}" for p in focus_problems(page)]
    return failures


@pytest.fixture
def axe_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="fi-FI")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def test_the_main_pages_have_no_serious_accessibility_violations(demo, axe_page):  # noqa: F811
    user = User.objects.get(email=CONSUMER[0])
    failures = []
    for path in ["/", "/accounts/login/"]:
        axe_page.goto(path)
        failures += [f"{path}: {v}" for v in axe_page.evaluate(RUN_AXE)]
        failures += [f"{path}: {p}" for p in focus_problems(axe_page)]
    sign_in(axe_page, *CONSUMER)
    failures += _walk(axe_page, user, _pages(user))
    assert failures == [], "\n".join(failures)


def test_the_company_admin_pages_have_no_serious_accessibility_violations(
    demo,  # noqa: F811
    axe_page,
):
    user = User.objects.get(email=COMPANY[0])
    membership = Membership.objects.filter(user=user).first()
    sign_in(axe_page, *COMPANY)
    act_as(axe_page, f"org:{membership.organisation_id}")
    failures = _walk(axe_page, user, company_admin_pages(user))
    assert failures == [], "\n".join(failures)


def test_the_authorized_persons_pages_have_no_serious_accessibility_violations(
    demo,  # noqa: F811
    axe_page,
):
    user, authorization = authorized_person()
    sign_in(axe_page, user.email)
    act_as(axe_page, f"auth:{authorization.pk}")
    failures = _walk(axe_page, user, authorized_pages(user))
    assert failures == [], "\n".join(failures)


def test_the_creditor_portal_has_no_serious_accessibility_violations(demo, axe_page):  # noqa: F811
    user = User.objects.get(email=CREDITOR[0])
    sign_in(axe_page, *CREDITOR, totp=True)
    failures = _walk(axe_page, user, creditor_pages(user))
    assert failures == [], "\n".join(failures)


def test_the_staff_admin_pages_have_no_serious_accessibility_violations(demo, axe_page):  # noqa: F811
    user = User.objects.get(email=STAFF[0])
    sign_in(axe_page, *STAFF, totp=True)
    failures = _walk(axe_page, user, staff_pages())
    assert failures == [], "\n".join(failures)
