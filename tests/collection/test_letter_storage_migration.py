"""collection 0004: letters rendered before it keep their PDFs, both ways (issue 16 item 7).

Forwards the bytes of the old column are written to the `letters` storage; backwards they are
read back into the column. The test database is migrated back and forth for real.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from collection.letters import letter_pdf_read
from collection.models import Letter
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("collection", "0003_creditor_pause_and_recall")
AFTER = ("collection", "0004_letter_pdf_in_storage")
PDF = b"%PDF-1.4 rendered before the move\n%%EOF"


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    executor.loader.build_graph()
    return executor.loader.project_state([target]).apps


@pytest.fixture
def old_letters():
    """Two letters as the old schema held them: one rendered (bytes in the row), one not."""
    invoice = InvoiceFactory(number="M-1")
    apps = migrate(BEFORE)
    OldLetter = apps.get_model("collection", "Letter")
    fields = {"invoice_id": invoice.pk, "language": "fi"}
    rendered = OldLetter.objects.create(
        step="reminder_1", letter_date="2026-03-01", due_date="2026-03-15", pdf=PDF, **fields
    )
    pending = OldLetter.objects.create(
        step="demand_1", letter_date="2026-04-01", due_date="2026-04-15", **fields
    )
    yield invoice, rendered.pk, pending.pk
    call_command("migrate", "collection", verbosity=0)


def test_forwards_the_bytes_move_to_the_letter_storage(old_letters, letter_folder):
    invoice, rendered, pending = old_letters
    migrate(AFTER)
    letter = Letter.objects.get(pk=rendered)
    assert letter.pdf.name == f"2026/03/{invoice.pk}-reminder_1.pdf"
    assert letter_pdf_read(letter) == PDF
    assert (letter_folder / letter.pdf.name).read_bytes() == PDF
    assert not Letter.objects.get(pk=pending).pdf


def test_backwards_the_bytes_come_back_into_the_column(old_letters):
    _, rendered, pending = old_letters
    migrate(AFTER)
    apps = migrate(BEFORE)
    OldLetter = apps.get_model("collection", "Letter")
    assert bytes(OldLetter.objects.get(pk=rendered).pdf) == PDF
    assert OldLetter.objects.get(pk=pending).pdf is None


def test_forwards_again_reuses_the_file_left_by_a_reversal(old_letters, letter_folder):
    _, rendered, _ = old_letters
    migrate(AFTER)
    name = Letter.objects.get(pk=rendered).pdf.name
    migrate(BEFORE)
    migrate(AFTER)
    assert Letter.objects.get(pk=rendered).pdf.name == name
    assert [p.name for p in letter_folder.rglob("*.pdf")] == [name.rsplit("/", 1)[1]]
