import pytest

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_consumer_logs_in_and_sees_the_dashboard_in_finnish_and_english(
    page, alice, password, screenshot
):
    alice.preferred_language = "fi"
    alice.save(update_fields=["preferred_language"])
    log_in(page, alice.email, password)
    # After login the invoice list is the home page (LOGIN_REDIRECT_URL = "invoices:list").
    page.wait_for_url("**/invoices/")
    assert page.locator("html").get_attribute("lang") == "fi"
    assert page.locator("h1").inner_text() == "Laskusi"
    screenshot(page, "dashboard-fi")

    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Your invoices"
    screenshot(page, "dashboard-en")
    alice.refresh_from_db()
    assert alice.preferred_language == "en"
