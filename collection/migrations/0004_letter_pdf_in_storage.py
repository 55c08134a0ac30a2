"""Letter PDFs move from a bytea column to the private `letters` storage (issue 16 item 7).

Forwards each rendered letter's bytes are written to the storage and the row keeps the file's
name; backwards the bytes are read back into the column. Backwards leaves the files in the
storage: a later step of the reversal could still fail and roll the rows back to names that
must then still resolve. Running forwards again reuses a file already holding the same bytes.
"""

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import migrations, models

import collection.models


def _path(letter) -> str:
    # collection.models.letter_path as it was when this migration was written.
    return f"{letter.letter_date:%Y/%m}/{letter.invoice_id}-{letter.step}.pdf"


def write_out(apps, schema_editor):
    Letter = apps.get_model("collection", "Letter")
    storage = storages["letters"]
    rendered = Letter.objects.filter(pdf__isnull=False).only(
        "id", "invoice_id", "step", "letter_date", "pdf"
    )
    for letter in rendered.order_by("id").iterator(chunk_size=200):
        data = bytes(letter.pdf)
        name = _path(letter)
        if storage.exists(name):
            with storage.open(name, "rb") as existing:
                same = existing.read() == data
            if not same:
                name = storage.save(name, ContentFile(data))
        else:
            name = storage.save(name, ContentFile(data))
        Letter.objects.filter(pk=letter.pk).update(pdf_file=name)


def read_back(apps, schema_editor):
    Letter = apps.get_model("collection", "Letter")
    storage = storages["letters"]
    stored = Letter.objects.exclude(pdf_file="").only("id", "pdf_file")
    for letter in stored.order_by("id").iterator(chunk_size=200):
        with storage.open(letter.pdf_file.name, "rb") as file:
            Letter.objects.filter(pk=letter.pk).update(pdf=file.read())


class Migration(migrations.Migration):
    dependencies = [
        ("collection", "0003_creditor_pause_and_recall"),
    ]

    operations = [
        migrations.AddField(
            model_name="letter",
            name="pdf_file",
            field=models.FileField(
                blank=True,
                editable=False,
                max_length=200,
                storage=collection.models.letter_storage,
                upload_to=collection.models.letter_path,
                verbose_name="PDF",
            ),
        ),
        migrations.RunPython(write_out, read_back, elidable=False),
        migrations.RemoveField(model_name="letter", name="pdf"),
        migrations.RenameField(model_name="letter", old_name="pdf_file", new_name="pdf"),
    ]
