from datetime import date, timedelta

import pytest

from invoices.models import InvoiceAccess, Stage
from tests.e2e.conftest import log_in
from tests.factories import CreditorFactory, InvoiceFactory

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = date.today()


@pytest.fixture(autouse=True)
def _unhashed_static_files(settings):
    """The live server serves /static/ through the staticfiles finders, which know the source
    names only, not the manifest's hashed ones: without this, htmx and app.js answer 404."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def alices_invoices(alice):
    energy = CreditorFactory(name="Helsingin Energia Oy", business_id="2331972-7")
    water = CreditorFactory(name="Vesilaitos Oy", business_id="0737546-2")
    invoices = [
        InvoiceFactory(creditor=energy, number="E-100", due_date=TODAY + timedelta(days=10)),
        InvoiceFactory(
            creditor=water,
            number="W-200",
            issue_date=TODAY - timedelta(days=40),
            due_date=TODAY - timedelta(days=12),
        ),
        InvoiceFactory(
            creditor=energy,
            number="E-099",
            issue_date=TODAY - timedelta(days=60),
            due_date=TODAY - timedelta(days=46),
            stage=Stage.PAID,
        ),
    ]
    for invoice in invoices:
        InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    return invoices


def row_numbers(page) -> list[str]:
    return page.locator("#invoice-results tbody tr td:nth-child(2)").all_inner_texts()


def test_alice_filters_her_invoices_opens_one_and_downloads_its_pdf(
    page, alice, password, alices_invoices, screenshot
):
    log_in(page, alice.email, password)
    page.wait_for_url("**/invoices/")
    assert row_numbers(page) == ["W-200", "E-100", "E-099"]
    assert page.locator(".stage-overdue").count() == 1
    screenshot(page, "invoice-list")

    page.evaluate("() => { document.body.dataset.marker = 'same-document'; }")
    page.select_option("select[name=state]", "overdue")
    page.wait_for_url("**/invoices/?*state=overdue*")
    page.wait_for_function("document.querySelectorAll('#invoice-results tbody tr').length === 1")
    assert row_numbers(page) == ["W-200"]
    # htmx swapped the results in place: the document (and the marker on it) is the same one
    assert page.evaluate("() => document.body.dataset.marker") == "same-document"
    assert page.locator("#invoice-results").count() == 1
    assert page.locator("select[name=state]").input_value() == "overdue"

    page.set_viewport_size({"width": 360, "height": 740})
    screenshot(page, "invoice-list-phone")

    page.locator("#invoice-results tbody tr").first.get_by_role("link").click()
    page.wait_for_url("**/invoices/*/")
    assert "Vesilaitos Oy" in page.locator("h1").inner_text()
    assert page.locator("[data-copy]").count() == 1
    assert page.locator(".invoice-qr svg").count() == 1
    assert page.locator(".invoice-qr [role=img]").get_attribute("aria-label")
    # Copying tells the user (and a screen reader) what happened, or how to copy by hand.
    page.locator("[data-copy]").click()
    page.wait_for_function("document.getElementById('barcode-copy-status').textContent !== ''")
    screenshot(page, "invoice-detail-phone")

    with page.expect_download() as download_info:
        page.click(f"a[href$='/invoices/{alices_invoices[1].pk}/pdf/']")
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
