"""The customer-service KPI charts in the admin, in a real browser (issue 13 item 11): the
vendored Chart.js draws both charts under the admin page's CSP from the figures of the
hand-worked fixture, and each chart keeps its table."""

import pytest
from django.test import Client

from tests.invoices.test_admin import mfa_login
from tests.messaging.test_kpis import _the_fixtures_day, fixture  # noqa: F401  # the known answers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kpi_page(browser, live_server, staff, fixture):  # noqa: F811
    client = mfa_login(Client(), staff)
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": live_server.url}
            for name, morsel in client.cookies.items()
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_both_charts_are_drawn_under_the_csp_with_the_known_figures(kpi_page, screenshot):
    refused = []
    kpi_page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    kpi_page.goto("/admin/messaging/contact/kpis/?start=2026-04-01&end=2026-05-13")
    kpi_page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every(c => window.Chart && window.Chart.getChart(c))"
    )
    drawn = kpi_page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('canvas[data-chart]')].map(c => {
            const chart = window.Chart.getChart(c);
            return [c.dataset.chart, {labels: chart.data.labels,
                                      series: chart.data.datasets.map(d => d.data),
                                      width: c.width}];
        }))"""
    )
    assert set(drawn) == {"byChannel", "responseTimes"}
    assert drawn["byChannel"]["labels"] == ["2026-04", "2026-05"]
    assert all(chart["width"] > 0 for chart in drawn.values())
    # Email first answers took 10, 30 and 50 h: the median drawn is the table's 30.0 h.
    times = drawn["responseTimes"]
    email = times["labels"].index("Email")
    assert times["series"][0][email] == 30.0
    assert kpi_page.locator("#table-response-times").is_visible()
    assert kpi_page.locator("#table-by-channel").is_visible()
    assert refused == []
    screenshot(kpi_page, "staff-kpis")
