from django.db import migrations
from django.utils import timezone


def running_uploads_count_from_now(apps, schema_editor):
    # An upload running when started_at came has no start on record; its import may still be
    # running (an older worker during a deploy), so it counts from the deploy, never from its
    # upload (which waited in the queue for an unknown time).
    InvoiceUpload = apps.get_model("creditor", "InvoiceUpload")
    InvoiceUpload.objects.filter(state="running", started_at__isnull=True).update(
        started_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [("creditor", "0005_upload_started_at")]

    operations = [migrations.RunPython(running_uploads_count_from_now, migrations.RunPython.noop)]
