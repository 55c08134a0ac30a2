"""A consumer authorizes a second person, who accepts by the emailed link and sees the invoice."""

import re

import pytest
from django.core import mail

from tests.accounts.helpers import ALICE_HETU, consumer_invoice, verify_identity
from tests.e2e.conftest import log_in
from tests.factories import CreditorFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_consumer_authorizes_bob_who_accepts_and_sees_the_invoice(
    browser, live_server, alice, bob, password, screenshot
):
    verify_identity(alice, ALICE_HETU)
    invoice = consumer_invoice(
        ALICE_HETU, creditor=CreditorFactory(name="Helsingin Energia Oy"), number="E-4711"
    )
    mail.outbox.clear()

    alice_context = browser.new_context(base_url=live_server.url, locale="fi-FI")
    page = alice_context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, alice.email, password)
    page.wait_for_url("**/invoices/")
    page.goto("/profile/authorizations/")
    page.fill("input[name=email]", bob.email)
    page.check("input[name=scopes][value=pay]")
    page.locator("section[aria-labelledby=grant-heading] button[type=submit]").click()
    page.wait_for_url("**/profile/authorizations/")
    assert page.locator(".badge-warning").count() == 1  # waiting for acceptance
    screenshot(page, "authorization-granted")
    alice_context.close()

    [message] = mail.outbox
    link = re.search(r"https?://\S+/profile/invitations/\S+/", message.body).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]

    bob_context = browser.new_context(
        base_url=live_server.url, locale="fi-FI", viewport={"width": 360, "height": 740}
    )
    page = bob_context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, bob.email, password)
    page.wait_for_url("**/invoices/")
    assert page.get_by_text(invoice.number).count() == 0
    page.goto(path)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/invoices/")
    assert page.get_by_text(invoice.number).count() >= 1
    assert page.get_by_text("Alice").count() >= 1  # acting on behalf of Alice
    screenshot(page, "authorization-accepted-phone")
    page.goto(f"/invoices/{invoice.pk}/")
    assert page.get_by_role("heading", level=1).count() == 1
    bob_context.close()
