"""Seeds the reference-rate table and registers the daily collection cycle with Celery beat.

The rates come from `invoices.interest.DEFAULT_REFERENCE_RATES` (Korkolaki §12); staff edit
the table in the admin afterwards. The cycle runs at 06:00 Finnish time, before customer
service opens, so that letters and the invoice pages show the day's steps from the start.
"""

from django.db import migrations

TASK_NAME = "Daily reminder and collection cycle"
TASK = "invoices.tasks.run_collection_cycle"


def seed(apps, schema_editor):
    from invoices.interest import DEFAULT_REFERENCE_RATES

    ReferenceRate = apps.get_model("invoices", "ReferenceRate")
    for period in DEFAULT_REFERENCE_RATES:
        ReferenceRate.objects.get_or_create(
            start=period.start,
            defaults={
                "end": period.end,
                "rate": period.rate,
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
