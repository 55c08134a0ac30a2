"""The email channel's production source, IMAP, against a real Dovecot on loopback: the same
real .eml files as the Maildir tests arrive by IMAP APPEND and are read by the beat task
over IMAPS and over IMAP with STARTTLS; handled mail is flagged \\Seen and read once, a
broken one also \\Flagged, a wrong password or an untrusted certificate reads nothing."""

import imaplib
import ssl

import pytest
from celery.exceptions import Retry
from django.core import mail as outbox

from accounts.context import Acting
from messaging import tasks
from messaging.models import Channel, Classification, Contact, Message
from messaging.services import Owner, contact_create, mail_receive, staff_reply

from . import dovecot
from .test_mail_channel import MAIL


@pytest.fixture(scope="module")
def server():
    running = dovecot.start()
    yield running
    running.stop()


@pytest.fixture
def imap(server, settings, monkeypatch):
    """The beat task reads `server`'s INBOX over IMAPS; the test certificate is trusted the
    way an operator would trust a private CA: through OpenSSL's SSL_CERT_FILE."""
    server.empty()
    monkeypatch.setenv("SSL_CERT_FILE", server.ca_file)
    settings.MESSAGING_MAIL_ADDRESS = "asiakaspalvelu@myropo.test"
    settings.MESSAGING_MAIL_INBOX_URL = server.url()
    return server


def deliver(server, name, **placeholders) -> None:
    raw = (MAIL / name).read_bytes()
    for key, value in placeholders.items():
        raw = raw.replace(f"{{{{{key}}}}}".encode(), value.encode())
    server.deliver(raw)


def poll() -> dict:
    return tasks.poll_mailbox.apply().get()


def test_a_reply_over_imaps_lands_in_its_contact_once(
    imap, alice, staff, django_capture_on_commit_callbacks
):
    contact = contact_create(
        owner=Owner(Acting(alice), user=alice),
        classification=Classification.OTHER,
        body="Onko laskuni maksettu?",
    )
    with django_capture_on_commit_callbacks(execute=True):
        staff_reply(contact=contact, staff=staff, body="Lähetä kuitti, niin tarkistamme.")
    deliver(imap, "reply_with_receipt.eml", REPLY_ADDRESS=outbox.outbox[0].reply_to[0])
    deliver(imap, "bounce_dsn.eml", REPLY_ADDRESS=outbox.outbox[0].reply_to[0])

    assert poll() == {"reply": 1, "ignored": 1}

    reply = Message.objects.get(email_message_id="<reply-1@mail.example.test>")
    assert reply.contact == contact
    assert [a.original_name for a in reply.attachments.all()] == ["kuitti.pdf"]
    assert imap.flags() == [{"\\Seen"}, {"\\Seen"}]
    # Read mail stays on the server, flagged: the next poll finds nothing new.
    assert poll() == {}
    assert contact.messages.count() == 3


def test_new_mail_over_starttls_opens_an_email_contact(imap, alice, settings):
    settings.MESSAGING_MAIL_INBOX_URL = imap.url(secure=False)
    deliver(imap, "new_from_customer.eml")

    assert poll() == {"new": 1}

    contact = Contact.objects.get()
    assert contact.channel == Channel.EMAIL and contact.owner_user == alice


def test_a_broken_mail_is_flagged_for_a_person_and_the_rest_go_on(imap, alice, monkeypatch):
    deliver(imap, "new_from_customer.eml")
    deliver(imap, "new_from_unknown_html_only.eml")
    calls = []

    def flaky(mail):
        calls.append(mail.sender)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        return mail_receive(mail)

    monkeypatch.setattr("messaging.services.mail_receive", flaky)

    assert poll() == {"failed": 1, "new": 1}
    assert imap.flags() == [{"\\Seen", "\\Flagged"}, {"\\Seen"}]


def test_a_wrong_password_reads_nothing(imap, settings, db):
    deliver(imap, "new_from_customer.eml")
    settings.MESSAGING_MAIL_INBOX_URL = imap.url(password="wrong")

    with pytest.raises(imaplib.IMAP4.error):
        poll()

    assert Contact.objects.count() == 0
    assert imap.flags() == [set()]


def test_an_untrusted_certificate_is_refused_before_the_password_is_sent(imap, monkeypatch, db):
    deliver(imap, "new_from_customer.eml")
    monkeypatch.delenv("SSL_CERT_FILE")
    log = imap.root / "dovecot.log"
    logins_before = log.read_text().count("Login: user=")

    # A connection error is retried by the task (the next beat tries again), never ignored.
    with pytest.raises(Retry) as refused:
        poll()

    assert isinstance(refused.value.exc, ssl.SSLCertVerificationError)
    assert Contact.objects.count() == 0
    assert log.read_text().count("Login: user=") == logins_before
