"""Celery tasks of the collection engine. They take ids and skip what is already done."""

from __future__ import annotations

import smtplib
from datetime import date

from celery import shared_task
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from collection.models import Letter

# Only the network is worth a retry; a template or data error would fail the same way again.
NETWORK_ERRORS = (smtplib.SMTPException, ConnectionError, TimeoutError)


@shared_task(name="invoices.tasks.run_collection_cycle")
def run_collection_cycle(day: str | None = None, dry_run: bool = False) -> dict:
    """The daily cycle (Celery beat, 06:00 Europe/Helsinki); safe to run again the same day."""
    from collection.cycle import run_collection_cycle as run_cycle

    run = run_cycle(today=date.fromisoformat(day) if day else None, dry_run=dry_run)
    return {"run": run.pk, "steps": run.steps, "charges": run.charges, "letters": run.letters}


@shared_task(
    name="invoices.tasks.render_letter",
    autoretry_for=NETWORK_ERRORS,
    retry_backoff=True,
    max_retries=5,
)
def render_letter(letter_id: int) -> None:
    """Render the letter's PDF once, then send its notification once."""
    from collection.letters import letter_messages, letter_render

    letter_render(letter_id=letter_id)
    # Claim the sending first, so that two workers never both mail; a failed send gives the
    # claim back for the retry.
    with transaction.atomic():
        claimed = Letter.objects.filter(pk=letter_id, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )
    if not claimed:
        return
    letter = Letter.objects.select_related("invoice__creditor").get(pk=letter_id)
    try:
        messages = letter_messages(letter)
        if messages:
            with get_connection() as connection:
                connection.send_messages(messages)
    except Exception:
        Letter.objects.filter(pk=letter_id).update(sent_at=None)
        raise
