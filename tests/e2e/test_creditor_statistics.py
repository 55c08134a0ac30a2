"""The creditor's statistics charts in a real browser (issue 15 item 7): Chart.js draws every
chart under the page's CSP, and each chart's table is still there for screen readers."""

import pytest
from django.test import Client

from invoices.models import EventKind, Stage
from tests.creditor.conftest import creditor_member
from tests.creditor.test_statistics import _invoice, _paid
from tests.invoices.test_admin import mfa_login

pytestmark = pytest.mark.django_db(transaction=True)

CHARTS = ("lifecycle", "stages", "channels", "monthly")


@pytest.fixture
def creditor_page(browser, live_server, creditor):
    _paid(_invoice(creditor, "S-1", Stage.PAID, channel="e_invoice"), 2, "100.00")
    _invoice(creditor, "S-3", Stage.COLLECTION, events=[EventKind.REMINDER])
    client = mfa_login(Client(), creditor_member(creditor, email="aino@energia.test"))
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


def test_every_chart_is_drawn_under_the_csp_and_keeps_its_table(creditor_page, screenshot):
    refused = []
    creditor_page.on(
        "console",
        lambda message: (
            refused.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    creditor_page.goto("/creditor/statistics/?start=2026-01-01&end=2026-05-13")
    creditor_page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')].every(c => c.chart)"
    )
    for chart in CHARTS:
        drawn = creditor_page.evaluate(
            f"""() => {{
                const c = document.querySelector('canvas[data-chart="{chart}"]');
                return {{type: c.chart.config.type, points: c.chart.data.datasets[0].data.length,
                         width: c.width}};
            }}"""
        )
        assert drawn["type"] == "bar" and drawn["points"] > 0 and drawn["width"] > 0, chart
        assert creditor_page.locator(f"#table-{chart}").is_visible()
    assert refused == []
    screenshot(creditor_page, "creditor-statistics")
