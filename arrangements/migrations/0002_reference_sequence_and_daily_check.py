"""The installment reference sequence and the daily payment-plan check in Celery beat.

Installment references come from their own sequence with a leading 8 and 13 digits before
the check digit, a range invoice references (from creditors' own systems) do not use; the
service also checks for a collision before using one. The plan check runs at 05:30 Finnish
time, before the 06:00 collection cycle, so that a plan that lapses lets its invoices resume
the same morning.
"""

from django.db import migrations

TASK_NAME = "Daily payment-plan check"
TASK = "arrangements.tasks.check_plans"


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    schedule, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="5",
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
        ("arrangements", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE IF NOT EXISTS arrangements_installment_reference_seq START 1",
            "DROP SEQUENCE IF EXISTS arrangements_installment_reference_seq",
        ),
        migrations.RunPython(seed, unseed),
    ]
