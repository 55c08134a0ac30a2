"""The new-message form: classification, the acting context's invoices, text and files; bad
input gets a translated message and saves nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.context import SESSION_KEY
from invoices.models import EventKind, InvoiceEvent
from messaging.models import Attachment, Classification, Contact, ContactState, Message
from tests.accounts.helpers import authorize
from tests.factories import InvoiceFactory, UserFactory
from tests.messaging.conftest import pdf_bytes, png_bytes


def upload(name: str, data: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def post(client, **data):
    values = {"classification": Classification.OTHER, "body": "Hei, kysymys laskusta."}
    values.update(data)
    return client.post("/messages/new/", values)


def nothing_saved() -> bool:
    return not (Contact.objects.exists() or Message.objects.exists() or Attachment.objects.exists())


def test_a_customer_sends_a_message_about_an_invoice_with_files(alice_client, alice, alice_invoice):
    response = post(
        alice_client,
        invoices=[alice_invoice.pk],
        attachments=[upload("kuitti.pdf", pdf_bytes()), upload("kuva.png", png_bytes())],
    )
    contact = Contact.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/messages/{contact.pk}/"
    assert (contact.owner_user, contact.actor, contact.state) == (alice, alice, ContactState.NEW)
    assert contact.creditor == alice_invoice.creditor
    assert list(contact.invoices.all()) == [alice_invoice]
    assert contact.sla_due_at > contact.created_at
    names = sorted(a.original_name for a in Attachment.objects.all())
    assert names == ["kuitti.pdf", "kuva.png"]
    assert InvoiceEvent.objects.filter(invoice=alice_invoice, kind=EventKind.MESSAGE).exists()


def test_the_form_offers_only_the_acting_contexts_invoices(alice_client, alice_invoice):
    other = InvoiceFactory(number="999999")
    page = alice_client.get("/messages/new/").content.decode()
    assert alice_invoice.number in page
    assert other.number not in page


def test_the_invoice_page_links_to_a_message_about_it(alice_client, alice_own_invoice):
    page = alice_client.get(f"/invoices/{alice_own_invoice.pk}/").content.decode()
    assert f"/messages/new/{alice_own_invoice.pk}/" in page
    form = alice_client.get(f"/messages/new/{alice_own_invoice.pk}/").content.decode()
    assert f'value="{alice_own_invoice.pk}" checked' in form or "checked" in form


def test_an_invoice_the_user_cannot_see_is_refused(alice_client):
    stranger = InvoiceFactory()
    response = post(alice_client, invoices=[stranger.pk])
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert nothing_saved()


def test_another_users_invoice_page_for_a_message_is_404(bob_client, alice_invoice):
    assert bob_client.get(f"/messages/new/{alice_invoice.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": ""}, "This field is required"),
        ({"body": "   "}, "This field is required"),
        ({"body": "x" * 5001}, "at most 5000 characters"),
        ({"classification": "nonsense"}, "Select a valid choice"),
        ({"classification": Classification.DISPUTE}, "Choose the invoice this message is about"),
    ],
)
def test_bad_messages_save_nothing(alice_client, data, message):
    response = post(alice_client, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert nothing_saved()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([upload("ohjelma.pdf", b"MZ\x90\x00" + b"\x00" * 500)], "is not a PDF, JPEG or PNG file"),
        ([upload("salattu.pdf", pdf_bytes(password="x"))], "is password-protected"),
        ([upload(f"{n}.pdf", pdf_bytes()) for n in range(6)], "Attach at most 5 files"),
        ([upload("kuva.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30)], "could not be opened"),
    ],
)
def test_bad_files_save_nothing(alice_client, attachment_store, files, message):
    response = post(alice_client, attachments=files)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert nothing_saved()
    assert not attachment_store.exists() or not any(attachment_store.rglob("*.*"))


def test_an_oversized_file_is_refused(alice_client, settings):
    big = upload("iso.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1))
    response = post(alice_client, attachments=[big])
    assert response.status_code == 400
    assert "larger than 10 MB" in response.content.decode()
    assert nothing_saved()


def test_messages_are_rate_limited_per_user(alice_client, settings):
    settings.MESSAGING_CONTACTS_PER_HOUR = 2
    assert post(alice_client).status_code == 302
    assert post(alice_client).status_code == 302
    response = post(alice_client)
    assert response.status_code == 400
    assert "many messages in a short time" in response.content.decode()
    assert Contact.objects.count() == 2


def test_the_form_speaks_finnish(client, alice):
    alice.preferred_language = "fi"
    alice.save()
    client.force_login(alice)
    response = client.post("/messages/new/", {"classification": "other", "body": ""})
    assert "Tämä kenttä vaaditaan" in response.content.decode()


def test_an_authorized_person_writes_on_behalf_of_the_grantor(client, alice, alice_invoice):
    helper = UserFactory()
    authorization = authorize(alice, helper, scopes=("view", "message"))
    client.force_login(helper)
    session = client.session
    session[SESSION_KEY] = [f"auth:{authorization.pk}", str(alice), "view,message"]
    session.save()
    response = post(client, invoices=[alice_invoice.pk])
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.owner_user, contact.actor, contact.on_behalf_of) == (alice, helper, alice)
    event = InvoiceEvent.objects.get(invoice=alice_invoice, kind=EventKind.MESSAGE)
    assert (event.actor, event.on_behalf_of) == (helper, alice)


def test_an_authorization_without_message_scope_cannot_write(client, alice):
    helper = UserFactory()
    authorization = authorize(alice, helper, scopes=("view",))
    client.force_login(helper)
    session = client.session
    session[SESSION_KEY] = [f"auth:{authorization.pk}", str(alice), "view"]
    session.save()
    assert post(client).status_code == 403
    assert nothing_saved()


def test_get_on_the_reply_view_is_refused(alice_client, alice_invoice):
    post(alice_client)
    contact = Contact.objects.get()
    assert alice_client.get(f"/messages/{contact.pk}/reply/").status_code == 405
