"""Retention: resolved contacts' messages and attachments go after MESSAGING_RETENTION_DAYS,
by the beat task, counted in a RetentionRun row the admin shows; a second run deletes nothing."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.utils import timezone

from accounts.context import Acting
from messaging import tasks
from messaging.attachments import clean_upload
from messaging.models import (
    Attachment,
    Classification,
    Contact,
    Feedback,
    Message,
    RetentionRun,
)
from messaging.services import (
    Owner,
    contact_create,
    contact_resolve,
    feedback_give,
    staff_reply,
)

from .conftest import pdf_bytes, png_bytes


def _contact(user, body, files=()):
    return contact_create(
        owner=Owner(Acting(user), user=user),
        classification=Classification.OTHER,
        body=body,
        files=list(files),
    )


@pytest.fixture
def old_and_new(alice, staff, attachment_store, settings):
    """One contact resolved long ago (with two files and feedback), one resolved recently,
    one still open from long ago."""
    settings.MESSAGING_RETENTION_DAYS = 365
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=400), tick=False):
        old = _contact(
            alice,
            "Laskussani on virhe, tässä kuitti",
            [
                clean_upload(name="kuitti.pdf", data=pdf_bytes()),
                clean_upload(name="a.png", data=png_bytes()),
            ],
        )
        staff_reply(contact=old, staff=staff, body="Korjaamme.")
        old = contact_resolve(contact=old, staff=staff, outcome="answered", note="Alice soitti")
        feedback_give(contact=old, user=alice, csat=4, nps=9, comment="Alice kiittää")
        still_open = _contact(alice, "Vanha avoin kysymys")
    with time_machine.travel(start - timedelta(days=30), tick=False):
        recent = _contact(alice, "Uusi kysymys", [clean_upload(name="b.png", data=png_bytes())])
        contact_resolve(contact=recent, staff=staff, outcome="answered")
    return old, recent, still_open


def test_the_beat_task_empties_only_expired_resolved_contacts(old_and_new, attachment_store):
    old, recent, still_open = old_and_new
    old_files = [a.file.name for a in Attachment.objects.filter(message__contact=old)]
    assert len(old_files) == 2 and all((attachment_store / n).exists() for n in old_files)

    counts = tasks.apply_retention.apply().get()

    assert counts == {"contacts": 1, "messages": 2, "attachments": 2}
    run = RetentionRun.objects.get()
    assert (run.contacts, run.messages, run.attachments) == (1, 2, 2)
    assert not Message.objects.filter(contact=old).exists()
    assert not any((attachment_store / n).exists() for n in old_files)
    old.refresh_from_db()
    assert timezone.now() - old.purged_at < timedelta(minutes=1) and old.resolution_note == ""
    # The contact still counts in the KPIs: its scores stay, the free-text comment goes.
    feedback = Feedback.objects.get(contact=old)
    assert (feedback.csat, feedback.nps, feedback.comment) == (4, 9, "")
    assert old.channel == "portal" and old.first_response_at is not None
    # Untouched: resolved recently, and open however old.
    assert Message.objects.filter(contact=recent).count() == 1
    assert Attachment.objects.filter(message__contact=recent).count() == 1
    assert Message.objects.filter(contact=still_open).count() == 1
    assert Contact.objects.filter(purged_at__isnull=False).count() == 1


def test_running_again_deletes_nothing_twice(old_and_new):
    tasks.apply_retention()
    second = tasks.apply_retention()
    assert second == {"contacts": 0, "messages": 0, "attachments": 0}
    assert list(RetentionRun.objects.order_by("pk").values_list("contacts", flat=True)) == [1, 0]


def test_when_the_clock_moves_on_the_recent_contact_goes_too(old_and_new):
    _old, recent, still_open = old_and_new
    tasks.apply_retention()
    with time_machine.travel(timezone.now() + timedelta(days=340), tick=False):
        assert tasks.apply_retention() == {"contacts": 1, "messages": 1, "attachments": 1}
    assert not Message.objects.filter(contact=recent).exists()
    assert Message.objects.filter(contact=still_open).count() == 1


def test_the_thread_page_says_the_messages_were_deleted(old_and_new, alice_client):
    old = old_and_new[0]
    tasks.apply_retention()
    page = alice_client.get(f"/messages/{old.pk}/").content.decode()
    assert "were deleted on" in page and "Laskussani on virhe" not in page


def test_the_admin_lists_the_runs_with_their_counts(old_and_new, client, staff, monkeypatch):
    monkeypatch.setattr(
        "myropo.admin_site.MyRopoAdminSite.has_permission",
        lambda self, request: request.user.is_active and request.user.is_staff,
    )
    tasks.apply_retention()
    client.force_login(staff)
    page = client.get("/admin/messaging/retentionrun/").content.decode()
    assert '<td class="field-messages">2</td>' in page
    assert client.get("/admin/messaging/retentionrun/add/").status_code == 403


def test_the_task_is_on_the_beat_schedule():
    entry = django_settings.CELERY_BEAT_SCHEDULE["messaging-retention"]
    assert entry["task"] == "messaging.tasks.apply_retention"
    assert tasks.apply_retention.name == entry["task"]


def test_a_disputes_reasons_go_with_the_messages(alice, staff, creditor, settings):
    from messaging.models import Dispute
    from messaging.services import dispute_reject
    from tests.factories import InvoiceFactory

    settings.MESSAGING_RETENTION_DAYS = 365
    invoice = InvoiceFactory(creditor=creditor, debtor_hetu="", debtor_type="consumer")
    from invoices.models import InvoiceAccess

    InvoiceAccess.objects.create(invoice=invoice, user=alice, method="myropo_id")
    with time_machine.travel(timezone.now() - timedelta(days=400), tick=False):
        contact = contact_create(
            owner=Owner(Acting(alice), user=alice),
            classification=Classification.DISPUTE,
            body="En ole tilannut tätä, naapurini Matti tilasi sen.",
            invoices=[invoice],
        )
        dispute_reject(contact=contact, staff=staff, reason="Tilaus on tehty tunnuksillasi.")
    tasks.apply_retention()
    dispute = Dispute.objects.get(contact=contact)
    assert (dispute.reason, dispute.decision_reason) == ("", "")
    assert dispute.state == "rejected"  # what was decided stays, the words go
