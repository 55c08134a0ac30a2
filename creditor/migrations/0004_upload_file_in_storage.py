"""Invoice uploads move from a bytea column to the private `imports` storage (issue 16).

Forwards the bytes of each upload not yet imported are written to the storage and the row
names the file (an imported upload's bytes were already dropped); backwards they are read
back into the column. Backwards leaves the files in the storage: a later step of the reversal
could still fail and roll the rows back to names that must then still resolve.
"""

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import migrations, models

import creditor.models


def _path(upload) -> str:
    # creditor.models.upload_path as it was when this migration was written, dated with the
    # upload's own month.
    suffix = ".csv" if upload.filename.lower().endswith(".csv") else ".xml"
    return f"{upload.created_at:%Y/%m}/{upload.creditor_id}-{secrets.token_hex(8)}{suffix}"


def write_out(apps, schema_editor):
    InvoiceUpload = apps.get_model("creditor", "InvoiceUpload")
    storage = storages["imports"]
    waiting = InvoiceUpload.objects.only("id", "creditor_id", "filename", "created_at", "data")
    for upload in waiting.order_by("id").iterator(chunk_size=50):
        data = bytes(upload.data)
        if not data:
            continue
        name = storage.save(_path(upload), ContentFile(data))
        InvoiceUpload.objects.filter(pk=upload.pk).update(file=name)


def read_back(apps, schema_editor):
    InvoiceUpload = apps.get_model("creditor", "InvoiceUpload")
    storage = storages["imports"]
    stored = InvoiceUpload.objects.exclude(file="").only("id", "file")
    for upload in stored.order_by("id").iterator(chunk_size=50):
        with storage.open(upload.file.name, "rb") as file:
            InvoiceUpload.objects.filter(pk=upload.pk).update(data=file.read())


class Migration(migrations.Migration):
    dependencies = [
        ("creditor", "0003_audit_invitation_cancelled"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoiceupload",
            name="file",
            field=models.FileField(
                blank=True,
                editable=False,
                max_length=200,
                storage=creditor.models.upload_storage,
                upload_to=creditor.models.upload_path,
                verbose_name="file",
            ),
        ),
        migrations.RunPython(write_out, read_back, elidable=False),
        # A default first, so that going backwards re-adds the column to rows created since.
        migrations.AlterField(
            model_name="invoiceupload",
            name="data",
            field=models.BinaryField(default=b"", editable=False),
        ),
        migrations.RemoveField(model_name="invoiceupload", name="data"),
    ]
