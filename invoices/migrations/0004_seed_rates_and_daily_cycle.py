"""Seeds the reference-rate table and registers the daily collection cycle with Celery beat.

The rates are those of `DEFAULT_REFERENCE_RATES` (then invoices.interest, now collection.interest;
Korkolaki §12), frozen here so that this migration does not change with the code; staff edit
the table in the admin afterwards. The cycle runs at 06:00 Finnish time, before customer
service opens, so that letters and the invoice pages show the day's steps from the start.
"""

from datetime import date
from decimal import Decimal

from django.db import migrations

TASK_NAME = "Daily reminder and collection cycle"
TASK = "invoices.tasks.run_collection_cycle"
# (start, end, rate) of each half-year known when this migration was written.
DEFAULT_REFERENCE_RATES = ((date(2026, 1, 1), date(2026, 6, 30), Decimal("2.50")),)


def seed(apps, schema_editor):
    ReferenceRate = apps.get_model("invoices", "ReferenceRate")
    for start, end, rate in DEFAULT_REFERENCE_RATES:
        ReferenceRate.objects.get_or_create(
            start=start,
            defaults={
                "end": end,
                "rate": rate,
                "source": "Suomen Pankki, viitekorko (Korkolaki 633/1982 §12)",
            },
        )
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="6",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Helsinki",
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME, defaults={"task": TASK, "crontab": schedule, "enabled": True}
    )


def unseed(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0003_collection_engine"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
