"""The settings page's Preview: the reminder letter as a PDF with the creditor's own text.

The real letter renderer (`collection.letters`) draws it from the database, so the preview
writes the form's values, a sample invoice and its letter inside a transaction that is
always rolled back: the PDF shows exactly what the next reminder would look like, and nothing
is saved.
"""

import secrets
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from collection.letters import letter_pdf_bytes
from collection.models import Letter
from invoices.models import Creditor, CreditorSettings, DebtorType, Invoice
from invoices.references import national_reference_from_base


class _Rollback(Exception):
    pass


def reminder_preview_pdf(*, creditor: Creditor, values: dict) -> bytes:
    """`values`: the reminder settings form's cleaned data (saved or not)."""
    today = timezone.localdate()
    pdf = b""
    try:
        with transaction.atomic():
            settings = CreditorSettings.objects.select_for_update().get(creditor=creditor)
            for name, value in values.items():
                setattr(settings, name, value)
            settings.save()
            invoice = Invoice.objects.create(
                creditor=creditor,
                number=f"PREVIEW-{secrets.token_hex(4).upper()}",
                debtor_type=DebtorType.CONSUMER,
                debtor_name="Maija Meikäläinen",
                debtor_street="Esimerkkikatu 1",
                debtor_postcode="00100",
                debtor_city="Helsinki",
                issue_date=today - timedelta(days=44),
                due_date=today - timedelta(days=16),
                original_due_date=today - timedelta(days=16),
                reference=national_reference_from_base("9999"),
                language=settings.reminder_message_language,
                principal=Decimal("120.00"),
            )
            letter = Letter.objects.create(
                invoice=invoice,
                step="reminder_1",
                language=settings.reminder_message_language,
                letter_date=today,
                due_date=today + timedelta(days=settings.letter_payment_days),
            )
            pdf = letter_pdf_bytes(letter)
            raise _Rollback
    except _Rollback:
        pass
    return pdf
