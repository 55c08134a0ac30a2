"""The email channel: notifications carry a signed Reply-To; real .eml files dropped in a
Maildir are read by the beat task; replies land in their contact, new mail opens one, bounces
and auto-replies are ignored, forged addresses never reach someone else's thread."""

import mailbox
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail as outbox

from accounts.context import Acting
from messaging import tasks
from messaging.mail import contact_id_from_address, open_source, parse, reply_address
from messaging.models import (
    Attachment,
    AuthorKind,
    Channel,
    Classification,
    Contact,
    ContactState,
    Message,
)
from messaging.services import Owner, contact_create, mail_receive, staff_reply

MAIL = Path(__file__).parent / "mail"


@pytest.fixture
def maildir(settings, tmp_path):
    settings.MESSAGING_MAIL_ADDRESS = "asiakaspalvelu@myropo.test"
    settings.MESSAGING_MAIL_INBOX_URL = f"maildir://{tmp_path / 'Maildir'}"
    return mailbox.Maildir(str(tmp_path / "Maildir"), create=True)


def drop(box, name, **placeholders) -> None:
    raw = (MAIL / name).read_bytes()
    for key, value in placeholders.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    box.add(raw)


def poll() -> dict:
    return tasks.poll_mailbox.apply().get()


@pytest.fixture
def answered(alice, staff, django_capture_on_commit_callbacks, maildir):
    """Alice's contact, answered by staff: the notification mail is in the outbox."""
    contact = contact_create(
        owner=Owner(Acting(alice), user=alice),
        classification=Classification.OTHER,
        body="Onko laskuni maksettu?",
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_reply(contact=contact, staff=staff, body="Lähetä kuitti, niin tarkistamme.")
    return contact


def test_the_notification_carries_a_signed_reply_to_of_its_contact(answered):
    [sent] = outbox.outbox
    [reply_to] = sent.reply_to
    assert reply_to == reply_address(answered.pk)
    assert reply_to.startswith(f"asiakaspalvelu+c{answered.pk}.") and reply_to.endswith(
        "@myropo.test"
    )
    assert contact_id_from_address(reply_to) == answered.pk
    assert "replying to this email" in sent.body
    # The message itself is never in the mail.
    assert "Lähetä kuitti" not in sent.body


def test_without_a_read_mailbox_no_reply_is_invited(
    alice, staff, django_capture_on_commit_callbacks, settings
):
    settings.MESSAGING_MAIL_INBOX_URL = ""
    contact = contact_create(
        owner=Owner(Acting(alice), user=alice), classification=Classification.OTHER, body="Hei"
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_reply(contact=contact, staff=staff, body="Vastaus")
    [sent] = outbox.outbox
    assert sent.reply_to == [] and "replying to this email" not in sent.body


@pytest.mark.parametrize(
    "address",
    [
        "asiakaspalvelu+c{id}.0000000000000000000@myropo.test",  # forged signature
        "asiakaspalvelu+c{other}.{sig}@myropo.test",  # another contact's id, this signature
        "asiakaspalvelu+c{id}.{sig}@evil.test",  # another domain
        "someone+c{id}.{sig}@myropo.test",  # another mailbox
        "asiakaspalvelu@myropo.test",
    ],
)
def test_only_the_exact_signed_address_names_a_contact(maildir, address):
    good = reply_address(12)
    sig = good.split(".", 1)[1].split("@")[0]
    assert contact_id_from_address(good.upper()) == 12
    assert contact_id_from_address(address.format(id=12, other=13, sig=sig)) is None


def test_a_reply_lands_in_its_contact_with_its_attachment(answered, maildir, attachment_store):
    drop(maildir, "reply_with_receipt.eml", REPLY_ADDRESS=outbox.outbox[0].reply_to[0])

    assert poll() == {"reply": 1}

    answered.refresh_from_db()
    assert answered.state == ContactState.OPEN  # it was waiting for the customer
    message = answered.messages.order_by("created_at", "id").last()
    assert message.author_kind == AuthorKind.CUSTOMER and message.actor == answered.actor
    # The quoted notification below the reply is not kept.
    assert message.body == "Kiitos vastauksesta. Liitteenä kuitti maksusta.\n\nTerveisin Alice"
    assert message.email_message_id == "<reply-1@mail.example.test>"
    [file] = message.attachments.all()
    assert (file.original_name, file.content_type) == ("kuitti.pdf", "application/pdf")
    assert (attachment_store / file.file.name).exists()
    # The handled mail moved into the Maildir's done folder; a second poll finds nothing.
    assert len(maildir) == 0 and len(maildir.get_folder("done")) == 1
    assert poll() == {}


def test_the_same_mail_twice_is_kept_once(answered, maildir):
    for _ in range(2):
        drop(maildir, "reply_with_receipt.eml", REPLY_ADDRESS=outbox.outbox[0].reply_to[0])
    assert poll() == {"reply": 1, "duplicate": 1}
    assert Message.objects.filter(email_message_id="<reply-1@mail.example.test>").count() == 1


def test_new_mail_from_a_customer_opens_an_email_contact_and_refuses_a_renamed_executable(
    alice, maildir
):
    drop(maildir, "new_from_customer.eml")

    assert poll() == {"new": 1}

    contact = Contact.objects.get()
    assert (contact.channel, contact.classification, contact.state) == (
        Channel.EMAIL,
        Classification.OTHER,
        ContactState.NEW,
    )
    assert contact.owner_user == alice and contact.subject == "Kysymys laskusta"
    assert contact.sla_due_at is not None
    customer, note = contact.messages.order_by("id")
    assert customer.body == "Hei, voinko maksaa laskun kahdessa erässä?"
    assert [a.original_name for a in customer.attachments.all()] == ["kuva.png"]
    # "lasku.pdf" is an executable: refused by the same check as an upload, noted for staff.
    assert note.internal and "lasku is not a PDF, JPEG or PNG file." in note.body
    assert Attachment.objects.count() == 1


def test_mail_from_an_unknown_address_is_an_unidentified_contact_staff_can_link(
    maildir, alice, staff, client, monkeypatch
):
    drop(maildir, "new_from_unknown_html_only.eml")
    assert poll() == {"new": 1}
    contact = Contact.objects.get()
    assert contact.owner_user is None and contact.email == "stranger@elsewhere.test"
    assert contact.subject == "Perintäkirje"
    assert contact.messages.get().body == ("Sain teiltä perintäkirjeen, mutta en tunnista velkaa.")

    monkeypatch.setattr(
        "myropo.admin_site.MyRopoAdminSite.has_permission",
        lambda self, request: request.user.is_active and request.user.is_staff,
    )
    client.force_login(staff)
    page = client.get(f"/admin/messaging/contact/{contact.pk}/change/").content.decode()
    assert "Link to a customer" in page
    client.post(f"/admin/messaging/contact/{contact.pk}/link/", {"email": "nobody@x.test"})
    contact.refresh_from_db()
    assert contact.owner_user is None
    client.post(f"/admin/messaging/contact/{contact.pk}/link/", {"email": "ALICE@example.test"})
    contact.refresh_from_db()
    assert contact.owner_user == alice
    assert contact.messages.filter(internal=True, body__contains="Linked").exists()


@pytest.mark.parametrize(
    "name",
    [
        "bounce_dsn.eml",
        "autoreply_auto_submitted.eml",
        "autoreply_x_autoreply.eml",
        "bulk_precedence.eml",
        "empty_return_path.eml",
    ],
)
def test_bounces_and_auto_replies_are_ignored(answered, maildir, name):
    before = Message.objects.count()
    drop(maildir, name, REPLY_ADDRESS=outbox.outbox[0].reply_to[0])
    assert poll() == {"ignored": 1}
    assert Message.objects.count() == before and Contact.objects.count() == 1
    assert len(maildir.get_folder("done")) == 1


@pytest.mark.parametrize(
    ("name", "who"),
    [
        ("reply_forged_signature.eml", "alice"),
        ("reply_from_someone_else.eml", "bob"),
        ("reply_spoofed_sender_dmarc_fail.eml", None),
    ],
)
def test_a_forged_or_foreign_reply_never_enters_the_thread(
    answered, maildir, name, who, alice, bob
):
    real = outbox.outbox[0].reply_to[0]
    forged = real.rsplit(".", 1)[0][:-4] + "beef." + real.rsplit(".", 1)[1]
    drop(maildir, name, REPLY_ADDRESS=real, FORGED_ADDRESS=forged)
    before = answered.messages.count()

    assert poll() == {"new": 1}

    assert answered.messages.count() == before
    new = Contact.objects.exclude(pk=answered.pk).get()
    assert new.channel == Channel.EMAIL
    assert new.owner_user == {"alice": alice, "bob": bob, None: None}[who]


def test_a_broken_mail_waits_in_the_failed_folder_and_the_rest_go_on(maildir, alice, monkeypatch):
    drop(maildir, "new_from_customer.eml")
    drop(maildir, "new_from_unknown_html_only.eml")
    real = mail_receive
    calls = []

    def flaky(mail):
        calls.append(mail.sender)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        return real(mail)

    monkeypatch.setattr("messaging.services.mail_receive", flaky)
    assert poll() == {"failed": 1, "new": 1}
    assert len(maildir.get_folder("failed")) == 1 and len(maildir.get_folder("done")) == 1


def test_the_parser_reads_the_real_files():
    parsed = parse((MAIL / "new_from_customer.eml").read_bytes())
    assert parsed.sender == "alice@example.test" and parsed.automatic == ""
    assert [name for name, _ in parsed.files] == ["kuva.png", "lasku.pdf"]
    assert parse((MAIL / "bounce_dsn.eml").read_bytes()).automatic


def test_the_source_is_chosen_by_the_url_and_the_poll_is_on_the_beat(tmp_path):
    assert type(open_source(f"maildir://{tmp_path}/box")).__name__ == "MaildirSource"
    imap = open_source("imaps://service%40myropo.fi:s%3Dcret@imap.example.fi/Saapuneet")
    assert (imap.host, imap.port, imap.user, imap.password, imap.folder) == (
        "imap.example.fi",
        993,
        "service@myropo.fi",
        "s=cret",
        "Saapuneet",
    )
    with pytest.raises(ValueError):
        open_source("pop3://x")
    assert (
        "messaging.tasks.poll_mailbox"
        in {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
        or not django_settings.MESSAGING_MAIL_INBOX_URL
    )
