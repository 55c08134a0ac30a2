"""The message centre in a real browser: a consumer disputes an invoice with a PDF attached,
staff (signed in with TOTP) answer and decide it in the admin, and the consumer reads the
answer and gives feedback (CSAT and NPS).

The customer's browser speaks Finnish: the labels asserted are the Finnish catalog's, read
through gettext (and checked to differ from the English), so a missing translation fails.
"""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfWriter

from invoices.models import InvoiceAccess
from messaging.models import Contact, ContactState, DisputeState, Feedback, Outcome
from tests.e2e.conftest import log_in
from tests.factories import CreditorFactory, InvoiceFactory
from tests.invoices.test_admin import mfa_login
from tests.messaging.conftest import attachment_store  # noqa: F401  # autouse: files in tmp

pytestmark = pytest.mark.django_db(transaction=True)

REASON = "En ole koskaan tilannut tätä sähkösopimusta, lasku kuuluu jollekulle muulle."
ANSWER = "Kiitos viestistä. Tarkistamme sopimuksen velkojalta."
DECISION = "Velkoja vahvisti, ettei sopimusta ole tehty: lasku hyvitetään kokonaan."


def fi(text: str) -> str:
    """The Finnish of a catalog text; a text left untranslated fails here."""
    with translation.override("fi"):
        finnish = gettext(text)
    assert finnish != text, f"no Finnish for {text!r}"
    return finnish


@pytest.fixture
def energy_invoice(alice):
    creditor = CreditorFactory(name="Helsingin Energia Oy", business_id="2331972-7")
    invoice = InvoiceFactory(
        creditor=creditor,
        number="E-4711",
        debtor_name="Alice Aaltonen",
        principal=Decimal("84.90"),
    )
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    return invoice


@pytest.fixture
def receipt_pdf(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "sopimusote.pdf"
    with path.open("wb") as out:
        writer.write(out)
    return path


@pytest.fixture
def staff_page(browser, live_server, staff):
    staff.first_name, staff.last_name, staff.preferred_language = "Sanna", "Salo", "en"
    staff.save(update_fields=["first_name", "last_name", "preferred_language"])
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


def test_a_dispute_with_a_pdf_is_answered_in_the_admin_and_gets_feedback(
    page, staff_page, alice, password, energy_invoice, receipt_pdf, screenshot
):
    alice.preferred_language = "fi"
    alice.save(update_fields=["preferred_language"])

    # The consumer disputes the invoice from its page, with the contract extract attached.
    log_in(page, alice.email, password)
    page.wait_for_url("**/invoices/")
    page.goto(f"/messages/new/{energy_invoice.pk}/?about=dispute")
    form = page.locator("main form.message-form")
    assert fi("What is your message about?") in form.inner_text()
    form.locator("select[name=classification]").select_option("dispute")
    invoice_box = form.locator(f"input[name=invoices][value='{energy_invoice.pk}']")
    assert invoice_box.is_checked()
    assert "Helsingin Energia Oy · E-4711" in form.inner_text()
    form.locator("textarea[name=body]").fill(REASON)
    form.locator("input[name=attachments]").set_input_files(str(receipt_pdf))
    screenshot(page, "messaging-dispute-form")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/messages/*/")
    main = page.locator("main")
    assert fi("Dispute or complaint") in main.locator("h1").inner_text()
    assert "Helsingin Energia Oy" in main.locator("h1").inner_text()
    assert main.locator(".attachment-list a", has_text="sopimusote.pdf").count() == 1
    assert REASON in main.locator(".thread").inner_text()
    screenshot(page, "messaging-dispute-sent")

    contact = Contact.objects.get(owner_user=alice)
    energy_invoice.refresh_from_db()
    assert energy_invoice.disputed and contact.dispute.state == DisputeState.OPEN

    # The invoice page says at once that collection is paused, and why.
    page.goto(f"/invoices/{energy_invoice.pk}/")
    notice = page.locator("#dispute-notice")
    assert fi("Disputed") in notice.inner_text()
    assert REASON in notice.inner_text()
    notice.locator("a").click()
    page.wait_for_url(f"**/messages/{contact.pk}/")
    page.goto(f"/invoices/{energy_invoice.pk}/")
    screenshot(page, "messaging-invoice-disputed")

    # Staff find it in the queue, see who wrote and the file, answer, then decide.
    staff_page.goto("/admin/messaging/contact/?state__exact=new&assigned=none")
    row = staff_page.locator("#result_list tbody tr", has_text="Alice Aaltonen")
    assert "Dispute or complaint" in row.inner_text()
    assert "Helsingin Energia Oy" in row.inner_text()
    screenshot(staff_page, "messaging-staff-queue")
    row.locator("a").first.click()
    staff_page.wait_for_url(f"**/admin/messaging/contact/{contact.pk}/change/**")
    assert staff_page.locator("a", has_text="sopimusote.pdf").count() >= 1
    assert "Helsingin Energia Oy E-4711" in staff_page.locator("main").inner_text()
    reply = staff_page.locator(f"form[action$='/{contact.pk}/reply/']")
    reply.locator("textarea[name=body]").fill(ANSWER)
    reply.locator("input[type=submit]").click()
    staff_page.locator(".messagelist", has_text="Answer sent.").wait_for()
    decide = staff_page.locator(f"form[action$='/{contact.pk}/dispute/']")
    decide.locator("select[name=decision]").select_option("accept")
    decide.locator("textarea[name=reason]").fill(DECISION)
    screenshot(staff_page, "messaging-staff-contact")
    decide.locator("input[type=submit]").click()
    staff_page.locator(".messagelist", has_text="The dispute was decided").wait_for()

    contact.refresh_from_db()
    assert (contact.state, contact.outcome) == (ContactState.RESOLVED, Outcome.DISPUTE_ACCEPTED)
    assert contact.assigned_to.first_name == "Sanna"

    # The consumer reads the answer and the decision in Finnish, and gives feedback.
    page.goto(f"/messages/{contact.pk}/")
    thread = page.locator("main .thread")
    assert ANSWER in thread.inner_text()
    assert DECISION in thread.inner_text()
    assert fi("MyRopo customer service") in thread.inner_text()
    assert page.locator("[data-testid=contact-state]").inner_text() == fi("Resolved")
    feedback = page.locator("main form.feedback-form")
    assert fi("How did we do?") in feedback.inner_text()
    assert fi("How likely would you recommend MyRopo to a friend?") in feedback.inner_text()
    feedback.locator("input[name=csat][value='4']").check()
    feedback.locator("input[name=nps][value='9']").check()
    feedback.locator("textarea[name=comment]").fill("Nopea ja selkeä vastaus.")
    screenshot(page, "messaging-feedback")
    feedback.locator("button[type=submit]").click()
    page.locator("main", has_text=fi("Thank you for your feedback.")).first.wait_for()
    assert page.locator("main form.feedback-form").count() == 0
    screenshot(page, "messaging-feedback-given")

    given = Feedback.objects.get(contact=contact)
    assert (given.csat, given.nps, given.given_by) == (4, 9, alice)
    assert given.comment == "Nopea ja selkeä vastaus."
