"""Celery tasks of the message centre: notification mails (a link only) and retention."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

logger = logging.getLogger(__name__)

SUBJECTS = {
    "answer": gettext_noop("Customer service has answered your message"),
    "resolved": gettext_noop("Your customer-service contact is resolved"),
}


def recipients_of(contact) -> list:
    """Who is told: the person who wrote and the person it was written for, as each chose."""
    people = {}
    for person in (contact.actor, contact.owner_user):
        if person is not None and person.is_active and person.notify_message and person.email:
            people[person.pk] = person
    return list(people.values())


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_contact_notification(contact_id: int, kind: str) -> int:
    """Mails each recipient in their own language; the body carries a link, never the message."""
    from messaging.mail import channel_enabled, reply_address
    from messaging.models import Contact
    from messaging.views import feedback_token

    contact = Contact.objects.select_related("actor", "owner_user").get(pk=contact_id)
    sent = 0
    for person in recipients_of(contact):
        with translation.override(person.preferred_language or "fi"):
            body = render_to_string(
                f"messaging/email/{kind}.txt",
                {
                    "contact": contact,
                    "site": settings.SITE_URL,
                    "token": feedback_token(contact.pk),
                    "reply_by_mail": channel_enabled(),
                },
            )
            EmailMessage(
                _(SUBJECTS[kind]),
                body,
                None,
                [person.email],
                # A reply lands in this contact (messaging.mail); only when the box is read.
                reply_to=[reply_address(contact.pk)] if channel_enabled() else None,
            ).send()
        sent += 1
    return sent


@shared_task
def apply_retention() -> dict:
    """Beat runs this daily: resolved contacts past MESSAGING_RETENTION_DAYS are emptied."""
    from messaging.retention import apply_retention as run

    result = run()
    return {
        "contacts": result.contacts,
        "messages": result.messages,
        "attachments": result.attachments,
    }


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=3)
def poll_mailbox() -> dict:
    """Beat runs this every MESSAGING_MAIL_POLL_SECONDS: mail to the service address and
    replies to notifications become messages (messaging.mail, messaging.services)."""
    from messaging.mail import open_source, parse
    from messaging.services import mail_receive

    counts: dict[str, int] = {}
    if not settings.MESSAGING_MAIL_INBOX_URL:
        return counts
    with open_source(settings.MESSAGING_MAIL_INBOX_URL) as source:
        for key, raw in source.messages():
            try:
                result = mail_receive(parse(raw))
            except Exception:
                # One broken mail must not stop the others; it waits in "failed" for a person.
                logger.exception("Incoming mail %s could not be handled", key)
                source.done(key, ok=False)
                counts["failed"] = counts.get("failed", 0) + 1
                continue
            source.done(key, ok=True)
            counts[result] = counts.get(result, 0) + 1
    return counts
