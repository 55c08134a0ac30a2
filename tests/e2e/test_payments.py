"""A payer pays an invoice through the sandbox bank and sees it paid."""

from decimal import Decimal

import pytest

from invoices.models import InvoiceAccess, Stage
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, CreditorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _unhashed_static_files(settings):
    # As in test_invoices.py: the live server serves static files by their source names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def test_paying_an_invoice_through_the_sandbox_bank(page, alice, screenshot):
    alice.preferred_language = "fi"
    alice.save()
    creditor = CreditorFactory(name="Helsingin Energia Oy", business_id="2331972-7")
    invoice = InvoiceFactory(creditor=creditor, number="E-100", principal=Decimal("84.20"))
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")

    log_in(page, alice.email, PASSWORD)
    page.wait_for_url("**/invoices/")
    page.goto(f"/invoices/{invoice.pk}/")
    # Selectors by URL and attribute, not by text: the catalogs are translated separately.
    page.locator(f"main a[href='/payments/invoices/{invoice.pk}/pay/']").click()
    page.wait_for_url("**/payments/invoices/*/pay/")
    assert "84,20" in page.locator("main").inner_text()
    screenshot(page, "payments-summary")
    page.locator("main form button[type=submit]").click()

    page.wait_for_url("**/payments/sandbox/**")
    screenshot(page, "payments-sandbox-bank")
    page.locator("button[value=pay]").click()

    page.wait_for_url("**/payments/orders/**")
    assert page.locator(".payment-state").get_attribute("data-state") == "paid"
    screenshot(page, "payments-paid")

    page.get_by_role("link", name="E-100").click()
    page.wait_for_url(f"**/invoices/{invoice.pk}/")
    invoice.refresh_from_db()
    assert invoice.stage == Stage.PAID
    assert page.locator(".page-head .stage-paid").count() == 1
    screenshot(page, "payments-invoice-paid")
