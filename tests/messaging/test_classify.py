"""Staff classify email and phone contacts (issue 13 items 1, 4, 6, 8; review): a dispute by
email pauses collection like one from the form, a call is logged as a phone contact, and what
a classification does cannot be undone by classifying again."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from django.utils.formats import date_format

import collection.cycle as cycle_module
from collection.cycle import run_collection_cycle
from collection.models import CollectionHold, CollectionStep
from invoices.models import EventKind, InvoiceAccess, InvoiceEvent, Stage
from messaging.models import Channel, Classification, Contact, Dispute, DisputeState
from messaging.services import MessagingError, contact_classify, contact_log_phone
from tests.factories import InvoiceFactory, UserFactory

from .test_mail_channel import drop, maildir, poll  # noqa: F401  (maildir is a fixture)

D = Decimal


@pytest.fixture(autouse=True)
def _english_and_no_letters(monkeypatch):
    monkeypatch.setattr(cycle_module, "queue_letters", lambda ids: None)
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _admin_without_second_factor(monkeypatch):
    """The admin's own MFA gate is tested in tests/accounts/test_mfa.py."""
    monkeypatch.setattr(
        "myropo.admin_site.MyRopoAdminSite.has_permission",
        lambda self, request: request.user.is_active and request.user.is_staff,
    )


@pytest.fixture
def due_15_days_ago(alice, creditor):
    due = timezone.localdate() - timedelta(days=15)
    invoice = InvoiceFactory(
        creditor=creditor, issue_date=due - timedelta(days=14), due_date=due, principal=D("90.00")
    )
    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    return invoice


@pytest.fixture
def unknown_email(maildir):  # noqa: F811
    drop(maildir, "new_from_unknown_html_only.eml")
    assert poll() == {"new": 1}
    return Contact.objects.get()


def test_an_email_dispute_classified_by_staff_pauses_collection(
    client, staff, alice, unknown_email, due_15_days_ago
):
    invoice = due_15_days_ago
    client.force_login(staff)
    url = f"/admin/messaging/contact/{unknown_email.pk}/"
    page = client.get(f"{url}change/").content.decode()
    assert "Classify" in page
    # Invoices only once the sender is known: nobody's invoices are offered before.
    client.post(
        f"{url}classify/", {"classification": Classification.DISPUTE, "invoices": [invoice.pk]}
    )
    unknown_email.refresh_from_db()
    assert unknown_email.classification == Classification.OTHER
    client.post(f"{url}link/", {"email": alice.email})
    response = client.post(
        f"{url}classify/", {"classification": Classification.DISPUTE, "invoices": [invoice.pk]}
    )
    assert response.status_code == 302

    unknown_email.refresh_from_db()
    invoice.refresh_from_db()
    assert unknown_email.classification == Classification.DISPUTE
    assert list(unknown_email.invoices.all()) == [invoice]
    assert invoice.disputed
    dispute = Dispute.objects.get(contact=unknown_email)
    assert dispute.state == DisputeState.OPEN
    assert dispute.reason == "Sain teiltä perintäkirjeen, mutta en tunnista velkaa."
    assert InvoiceEvent.objects.filter(invoice=invoice, kind=EventKind.DISPUTE).exists()
    assert unknown_email.messages.filter(internal=True, body__contains="Classified by").exists()
    # Day 15: the first reminder would go today without the dispute.
    run_collection_cycle(today=timezone.localdate())
    assert not CollectionStep.objects.filter(invoice=invoice).exists()
    # The staff page now offers the decision, no second classification.
    page = client.get(f"{url}change/").content.decode()
    assert "Decide the dispute" in page and f'action="{url}classify/"' not in page


def test_a_classified_dispute_is_decided_not_classified_again(staff, alice, due_15_days_ago):
    contact = contact_log_phone(customer=alice, staff=staff, body="Riitautan tämän laskun.")
    contact_classify(
        contact=contact,
        staff=staff,
        classification=Classification.DISPUTE,
        invoices=[due_15_days_ago],
    )
    with pytest.raises(MessagingError, match="Decide this contact"):
        contact_classify(
            contact=contact, staff=staff, classification=Classification.OTHER, invoices=[]
        )
    due_15_days_ago.refresh_from_db()
    assert due_15_days_ago.disputed


def test_another_customers_invoice_is_refused(staff, alice, creditor):
    contact = contact_log_phone(customer=alice, staff=staff, body="Kysymys laskusta.")
    strangers = InvoiceFactory(creditor=creditor)
    with pytest.raises(MessagingError, match="invoices of this customer"):
        contact_classify(
            contact=contact,
            staff=staff,
            classification=Classification.DUE_DATE,
            invoices=[strangers],
        )
    contact.refresh_from_db()
    assert contact.classification == Classification.OTHER and not contact.invoices.exists()


def test_staff_log_a_call_and_a_payment_report_from_it_holds_collection(
    client, staff, alice, due_15_days_ago
):
    client.force_login(staff)
    assert "Log a phone call" in client.get("/admin/messaging/contact/").content.decode()
    form = client.get("/admin/messaging/contact/log-phone/")
    assert form.status_code == 200
    refused = client.post(
        "/admin/messaging/contact/log-phone/", {"email": "nobody@x.test", "body": "Hei"}
    )
    assert "No customer account has that email." in refused.content.decode()
    assert not Contact.objects.exists()

    response = client.post(
        "/admin/messaging/contact/log-phone/",
        {"email": alice.email, "body": "Asiakas kertoo maksaneensa eilen."},
    )
    contact = Contact.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(
        f"/admin/messaging/contact/{contact.pk}/change/"
    )
    assert (contact.channel, contact.owner_user, contact.assigned_to) == (
        Channel.PHONE,
        alice,
        staff,
    )
    client.post(
        f"/admin/messaging/contact/{contact.pk}/classify/",
        {
            "classification": Classification.PAYMENT_REPORT,
            "invoices": [due_15_days_ago.pk],
            "paid_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
            "amount": "90.00",
        },
    )
    contact.refresh_from_db()
    assert contact.classification == Classification.PAYMENT_REPORT
    assert CollectionHold.objects.filter(invoice=due_15_days_ago).exists()
    run_collection_cycle(today=timezone.localdate())
    assert not CollectionStep.objects.filter(invoice=due_15_days_ago).exists()


def test_a_stop_request_cannot_come_from_a_call(staff, alice, due_15_days_ago):
    """4 c §: in writing or another durable form; a call is neither."""
    contact = contact_log_phone(customer=alice, staff=staff, body="Lopettakaa perintä.")
    with pytest.raises(MessagingError):
        contact_classify(
            contact=contact,
            staff=staff,
            classification=Classification.STOP_COLLECTION,
            invoices=[due_15_days_ago],
        )
    contact.refresh_from_db()
    assert contact.classification == Classification.OTHER


def test_a_viewer_outside_staff_cannot_reach_the_staff_views(client, alice):
    client.force_login(UserFactory())
    contact = contact_log_phone(customer=alice, staff=UserFactory(is_staff=True), body="Hei")
    for url in (
        "/admin/messaging/contact/log-phone/",
        f"/admin/messaging/contact/{contact.pk}/classify/",
    ):
        response = client.post(url, {"email": alice.email, "body": "x"})
        assert response.status_code == 302 and "/login/" in response["Location"]
    assert Contact.objects.count() == 1


def test_one_contact_never_concerns_two_creditors(staff, alice, due_15_days_ago):
    from tests.factories import CreditorFactory

    contact = contact_log_phone(customer=alice, staff=staff, body="Kaksi laskua.")
    contact_classify(
        contact=contact,
        staff=staff,
        classification=Classification.DUE_DATE,
        invoices=[due_15_days_ago],
    )
    other = InvoiceFactory(creditor=CreditorFactory(name="Toinen Oy", business_id="0737546-2"))
    InvoiceAccess.objects.create(invoice=other, user=alice, method="myropo_id")
    with pytest.raises(MessagingError, match="one creditor"):
        contact_classify(
            contact=contact,
            staff=staff,
            classification=Classification.PAYMENT_PLAN,
            invoices=[other],
        )
    contact.refresh_from_db()
    assert list(contact.invoices.all()) == [due_15_days_ago]


def test_the_classify_form_names_each_invoice_by_creditor_amount_and_due_date_open_first(
    client, staff, alice, creditor, due_15_days_ago
):
    """Staff on the phone pick the invoice the caller means: what is open comes first (a paid
    invoice due later used to come first), each with what is open and when it was due."""
    paid = InvoiceFactory(
        creditor=creditor,
        number="P-7",
        due_date=timezone.localdate() + timedelta(days=20),
        stage=Stage.PAID,
    )
    InvoiceAccess.objects.create(invoice=paid, user=alice, method="myropo_id")
    contact = contact_log_phone(customer=alice, staff=staff, body="Mikä lasku tämä on?")
    client.force_login(staff)
    page = client.get(f"/admin/messaging/contact/{contact.pk}/change/")
    labels = [str(label) for _pk, label in page.context["classify_form"].fields["invoices"].choices]
    due = date_format(due_15_days_ago.due_date, "SHORT_DATE_FORMAT")
    assert labels[0] == f"Helsingin Energia Oy · {due_15_days_ago.number} · €90.00 open · due {due}"
    assert labels[1].startswith("Helsingin Energia Oy · P-7 · ")
    assert len(labels) == 2
    assert labels[0] in page.content.decode()


def test_the_log_a_call_form_has_the_admins_rows_with_each_error_at_its_field(client, staff):
    client.force_login(staff)
    page = client.get("/admin/messaging/contact/log-phone/").content.decode()
    assert '<fieldset class="module aligned">' in page
    assert 'class="form-row field-email"' in page and 'class="form-row field-body"' in page
    assert '<div class="submit-row">' in page
    refused = client.post(
        "/admin/messaging/contact/log-phone/", {"email": "not-an-email", "body": ""}
    ).content.decode()
    assert 'class="form-row errors field-email"' in refused
    assert 'class="form-row errors field-body"' in refused
    assert 'class="errornote"' in refused
