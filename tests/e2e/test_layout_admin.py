"""The admin's main changelists fit a 1280 px screen with demo data in them: the page does
not scroll sideways and the results table is not cut off (its columns are all in view, no
scrolling inside its box either) (issue 12, item 10)."""

import io

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core.management import call_command
from django.db import connection

from accounts.context import Acting
from accounts.demo import DEMO_STAFF_TOTP_SECRET
from accounts.models import User
from invoices.selectors import invoices_visible_to
from messaging.models import Classification
from messaging.services import Owner, contact_create
from tests.e2e.conftest import log_in

DESKTOP = {"width": 1280, "height": 800}
STAFF = ("staff@myropo.test", "Demo-Asiakaspalvelu-2026")
CHANGELISTS = [
    "/admin/invoices/invoice/",
    "/admin/messaging/contact/",
    "/admin/payments/payment/",
    "/admin/invoices/creditor/",
]
MEASURE_JS = """() => {
  const table = document.querySelector('#result_list');
  const box = table && table.parentElement;
  return {
    page: document.scrollingElement.scrollWidth,
    inner: window.innerWidth,
    tableRight: table ? Math.round(table.getBoundingClientRect().right) : null,
    tableWidth: table ? table.scrollWidth : null,
    boxWidth: box ? box.clientWidth : null,
    rows: table ? table.tBodies[0].rows.length : 0,
  };
}"""


@pytest.fixture
def demo(transactional_db, settings):
    settings.DEMO_DATA_ALLOWED = True
    # Ids as a portal's after its first years (seven digits), whatever ran before in this
    # database: the id columns' width must not decide whether the table fits.
    with connection.cursor() as cursor:
        for table in ("invoices_invoice", "messaging_contact", "payments_payment"):
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), 2345678, false)", [table]
            )
    call_command("seed_demo", stdout=io.StringIO())
    consumer = User.objects.get(email="consumer@myropo.test")
    invoices = list(invoices_visible_to(consumer).order_by("pk")[:3])
    for invoice, classification in zip(
        invoices,
        [Classification.OTHER, Classification.DUE_DATE, Classification.DISPUTE],
        strict=True,
    ):
        contact_create(
            owner=Owner(Acting(consumer), user=consumer),
            classification=classification,
            body="Hei! Kysyisin tästä laskusta: voinko maksaa sen kuun lopussa? Kiitos.",
            invoices=[invoice],
        )


def test_the_main_admin_changelists_fit_a_1280_pixel_screen(demo, page, screenshot):
    page.set_viewport_size(DESKTOP)
    page.set_default_timeout(30_000)
    log_in(page, *STAFF)
    page.wait_for_url("**/2fa/**")
    code = format_hotp_value(
        hotp_value(DEMO_STAFF_TOTP_SECRET, next(yield_hotp_counters_from_time()))
    )
    page.fill("input[name=code]", code)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    failures = []
    for path in CHANGELISTS:
        response = page.goto(path)
        assert response.status == 200, path
        screenshot(page, "admin-1280-" + path.strip("/").replace("/", "-"))
        m = page.evaluate(MEASURE_JS)
        assert m["rows"] > 0, f"{path}: no rows to measure"
        if not (
            m["page"] <= m["inner"]
            and m["tableRight"] <= m["inner"]
            and m["tableWidth"] <= m["boxWidth"] + 1
        ):
            failures.append(f"{path}: {m}")
    assert failures == [], "\n".join(failures)
