"""Who sees a contact and its files: the owner, the company by role, authorized people with the
`message` scope, the creditor's users (never internal notes) and staff; everyone else 404."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.context import Acting
from accounts.models import Role
from invoices.models import CreditorUser
from messaging.attachments import clean_upload
from messaging.models import Classification
from messaging.selectors import contacts_visible_to, may_write
from messaging.services import Owner, contact_create, staff_reply
from tests.accounts.helpers import authorize, company_invoice, organisation_with
from tests.factories import UserFactory
from tests.messaging.conftest import pdf_bytes


@pytest.fixture
def alice_contact(alice, alice_invoice):
    return contact_create(
        owner=Owner(Acting(alice), user=alice),
        classification=Classification.OTHER,
        body="Miksi lasku on näin suuri?",
        invoices=[alice_invoice],
        files=[clean_upload(name="kuitti.pdf", data=pdf_bytes())],
    )


def _urls(contact):
    attachment = contact.messages.first().attachments.first()
    return [
        f"/messages/{contact.pk}/",
        f"/messages/files/{attachment.pk}/{attachment.token}/",
    ]


def test_the_owner_sees_the_thread_and_downloads_the_file(alice_client, alice_contact):
    thread, download = _urls(alice_contact)
    assert alice_client.get(thread).status_code == 200
    response = alice_client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="kuitti.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == pdf_bytes()


def test_another_customer_gets_404_for_the_thread_file_and_reply(bob_client, alice_contact):
    for url in _urls(alice_contact):
        assert bob_client.get(url).status_code == 404
    response = bob_client.post(f"/messages/{alice_contact.pk}/reply/", {"body": "hei"})
    assert response.status_code == 404
    assert alice_contact.messages.count() == 1


def test_a_wrong_file_token_is_404(alice_client, alice_contact):
    attachment = alice_contact.messages.first().attachments.first()
    assert alice_client.get(f"/messages/files/{attachment.pk}/{'0' * 32}/").status_code == 404


def test_authorized_with_message_scope_sees_and_writes(client, alice, alice_contact):
    helper = UserFactory()
    authorize(alice, helper, scopes=("view", "message"))
    client.force_login(helper)
    assert all(client.get(url).status_code == 200 for url in _urls(alice_contact))
    assert may_write(helper, alice_contact)


def test_authorized_without_message_scope_gets_404(client, alice, alice_contact):
    helper = UserFactory()
    authorize(alice, helper, scopes=("view", "pay"))
    client.force_login(helper)
    assert all(client.get(url).status_code == 404 for url in _urls(alice_contact))


@pytest.mark.parametrize(
    ("role", "writes"), [(Role.ADMIN, True), (Role.PAYER, True), (Role.VIEWER, False)]
)
def test_company_contacts_are_shared_by_members_as_their_role_allows(db, client, role, writes):
    author, colleague = UserFactory(), UserFactory()
    organisation = organisation_with(author, role=Role.ADMIN)
    organisation_with(colleague, role=role)
    invoice = company_invoice()
    contact = contact_create(
        owner=Owner(Acting(author, None, organisation.name), organisation=organisation),
        classification=Classification.OTHER,
        body="Laskun summa on väärä.",
        invoices=[invoice],
    )
    client.force_login(colleague)
    assert client.get(f"/messages/{contact.pk}/").status_code == 200
    assert may_write(colleague, contact) is writes
    response = client.post(f"/messages/{contact.pk}/reply/", {"body": "Lisätietoa"})
    assert response.status_code == (302 if writes else 403)
    assert contact.messages.count() == (2 if writes else 1)


def test_creditor_users_read_contacts_in_the_creditor_portal_not_here(
    client, alice_contact, staff, creditor
):
    """The creditor portal shows its contacts behind a second factor (tests/creditor)."""
    staff_reply(contact=alice_contact, staff=staff, body="Vastaus asiakkaalle")
    creditor_user = UserFactory()
    CreditorUser.objects.create(creditor=creditor, user=creditor_user)
    client.force_login(creditor_user)
    assert client.get(f"/messages/{alice_contact.pk}/").status_code == 404
    assert alice_contact not in contacts_visible_to(creditor_user)
    assert not may_write(creditor_user, alice_contact)


def test_another_creditors_user_gets_404(client, alice_contact):
    from tests.factories import CreditorFactory

    other = CreditorFactory(name="Muu Oy", business_id="0737546-2")
    user = UserFactory()
    CreditorUser.objects.create(creditor=other, user=user)
    client.force_login(user)
    assert client.get(f"/messages/{alice_contact.pk}/").status_code == 404


def test_an_internal_notes_file_is_404_for_the_customer(alice_client, alice_contact, staff):
    note = staff_reply(
        contact=alice_contact,
        staff=staff,
        body="Sisäinen liite",
        internal=True,
        files=[clean_upload(name="muistio.pdf", data=pdf_bytes())],
    )
    attachment = note.attachments.get()
    url = f"/messages/files/{attachment.pk}/{attachment.token}/"
    assert alice_client.get(url).status_code == 404
    assert (
        "Sisäinen liite" not in alice_client.get(f"/messages/{alice_contact.pk}/").content.decode()
    )


def test_the_download_view_only_answers_get(alice_client, alice_contact):
    url = _urls(alice_contact)[1]
    assert alice_client.post(url).status_code == 405


def test_a_signed_out_visitor_is_sent_to_log_in(client, alice_contact):
    response = client.get(f"/messages/{alice_contact.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_files_are_stored_outside_media(alice_contact, attachment_store, settings):
    attachment = alice_contact.messages.first().attachments.first()
    assert attachment.file.path.startswith(str(attachment_store))
    assert not attachment.file.path.startswith(str(settings.MEDIA_ROOT))
    with pytest.raises(ValueError):
        attachment.file.url  # noqa: B018 - no URL exists for an attachment


def _upload(name, data, content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)
