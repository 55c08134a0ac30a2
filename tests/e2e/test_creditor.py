"""Ropo One in a real browser (issue 15 tests): a creditor's admin, signed in with TOTP,
changes the reminder settings, previews the letter as a PDF, uploads a Finvoice file and reads
its report, accepts a debtor's dispute, and reads the statistics.

The browser speaks Finnish: the labels are the Finnish catalog's, read through gettext (and
checked to differ from the English), so a missing translation fails. The statistics page is
checked for the tables and figures it has today (its charts come with issue 15 item 7)."""

import io
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import ngettext
from pypdf import PdfReader

from accounts.context import Acting
from creditor.models import CreditorAuditAction, CreditorAuditEvent, InvoiceUpload, UploadState
from invoices.models import CreditorRole, CreditorSettings, CreditorUser, Invoice, InvoiceAccess
from messaging.models import Classification, DisputeState
from messaging.services import Owner, contact_create
from tests.e2e.test_messaging import fi
from tests.factories import CreditorFactory, InvoiceFactory, UserFactory
from tests.invoices.test_admin import mfa_login

pytestmark = pytest.mark.django_db(transaction=True)

FINVOICE = Path(__file__).parents[1] / "invoices" / "fixtures" / "finvoice_valid_single.xml"
MESSAGE = "Hei! Laskunne on erääntynyt. Maksathan sen pian, kiitos."
DECISION = "Tarkistimme mittarilukeman: lasku oli virheellinen ja hyvitetään."


@pytest.fixture
def creditor(db):
    return CreditorFactory(name="Helsingin Energia Oy", business_id="2331972-7")


@pytest.fixture
def disputed_invoice(creditor, alice):
    invoice = InvoiceFactory(creditor=creditor, number="E-5150", debtor_name="Alice Aaltonen")
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    contact_create(
        owner=Owner(Acting(alice), user=alice),
        classification=Classification.DISPUTE,
        body="Mittarilukema on väärä, en ole käyttänyt näin paljon sähköä.",
        invoices=[invoice],
    )
    return invoice


@pytest.fixture
def creditor_page(browser, live_server, creditor):
    admin = UserFactory(
        email="aino@energia.test", first_name="Aino", last_name="Aho", preferred_language="fi"
    )
    CreditorUser.objects.create(creditor=creditor, user=admin, role=CreditorRole.ADMIN)
    client = mfa_login(Client(), admin)
    context = browser.new_context(base_url=live_server.url, locale="fi-FI")
    context.add_cookies(
        [
            {"name": name, "value": morsel.value, "url": live_server.url}
            for name, morsel in client.cookies.items()
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.admin = admin
    yield page
    context.close()


def test_a_creditor_admin_sets_reminders_previews_uploads_accepts_a_dispute_and_reads_figures(
    creditor_page, creditor, disputed_invoice, screenshot
):
    page = creditor_page

    # 1. Settings → Reminder and collection: the default message, saved and audited.
    page.goto("/creditor/settings/")
    page.get_by_label(fi("Number of payment reminders")).select_option("2")
    page.fill("textarea[name=reminder_message]", MESSAGE)
    page.get_by_role("button", name=fi("Save"), exact=True).click()
    page.get_by_text(fi("Settings saved. They apply from the next collection cycle on.")).wait_for()
    settings = CreditorSettings.objects.get(creditor=creditor)
    assert (settings.reminder_count, settings.reminder_message) == (2, MESSAGE)
    event = CreditorAuditEvent.objects.get(action=CreditorAuditAction.SETTINGS_CHANGED)
    assert event.actor == page.admin and event.data["changes"]["reminder_message"][1] == MESSAGE
    screenshot(page, "creditor-settings")

    # 2. Preview: the reminder letter as a PDF with the creditor's text, in a new tab. The
    # PDF is read on its way to the tab (the browser's viewer keeps no body to ask for).
    previews = []

    def keep(route):
        response = route.fetch()
        previews.append((response.status, response.headers["content-type"], response.body()))
        route.fulfill(response=response)

    page.context.route("**/creditor/settings/preview/", keep)
    with page.context.expect_page() as new_tab:
        page.get_by_role("button", name=fi("Preview")).click()
    new_tab.value.wait_for_load_state()
    [(status, content_type, body)] = previews
    assert status == 200 and content_type == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert "Maksathan sen pian" in text and "Helsingin Energia Oy" in text
    new_tab.value.close()

    # 3. A Finvoice file, imported by the task; the report stays on its page.
    page.goto("/creditor/invoices/upload/")
    page.set_input_files("input[type=file]", str(FINVOICE))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/creditor/uploads/*/")
    upload = InvoiceUpload.objects.get(creditor=creditor)
    assert upload.state == UploadState.DONE and upload.created_count == 1
    page.reload()
    with translation.override("fi"):
        created = ngettext("%(counter)s invoice created.", "%(counter)s invoices created.", 1) % {
            "counter": 1
        }
    assert created != "1 invoice created."
    page.get_by_text(created).wait_for()
    assert Invoice.objects.filter(creditor=creditor, number="10231").exists()
    screenshot(page, "creditor-upload-report")

    # 4. The debtor's dispute, accepted with the reason the debtor reads.
    page.goto(f"/creditor/invoices/{disputed_invoice.pk}/")
    page.get_by_label(fi("Accept: credit the invoice")).check()
    page.locator("#dispute-form textarea[name=reason]").fill(DECISION)
    page.get_by_role("button", name=fi("Decide the dispute")).click()
    page.get_by_text(fi("The dispute was accepted and the invoice credited.")).wait_for()
    disputed_invoice.refresh_from_db()
    assert not disputed_invoice.disputed and disputed_invoice.stage == "credited"
    contact = disputed_invoice.contacts.get()
    assert contact.dispute.state == DisputeState.ACCEPTED
    assert CreditorAuditEvent.objects.filter(
        action=CreditorAuditAction.DISPUTE_ACCEPTED, invoice=disputed_invoice
    ).exists()

    # 5. Statistics: the invoices by stage and the payment figures, as tables.
    page.goto("/creditor/statistics/")
    page.get_by_role("heading", name=fi("Statistics"), level=1).wait_for()
    stages = page.locator("table", has=page.get_by_role("columnheader", name=fi("Stage")))
    assert stages.count() >= 1
    assert fi("Credited") in stages.first.inner_text()
    assert page.get_by_text(fi("Average payment time (days)")).count() >= 1
    screenshot(page, "creditor-statistics")
