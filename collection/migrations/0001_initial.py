"""The collection engine's models move here from the invoices app: state only, no data moves.

The tables keep their names (`db_table`, created by invoices 0003), so the database is not
touched; invoices 0005 drops the models from the invoices app's state right after. The
content types are relabelled, so that staff permissions on the models carry over.
"""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.db import migrations, models


MODELS = ("referencerate", "collectionrun", "collectionstep", "letter")


def relabel(apps, schema_editor, old="invoices", new="collection"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=old, model__in=MODELS).update(app_label=new)


def unrelabel(apps, schema_editor):
    relabel(apps, schema_editor, old="collection", new="invoices")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("invoices", "0004_seed_rates_and_daily_cycle"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="CollectionRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("run_date", models.DateField(db_index=True, verbose_name="date")),
                        ("dry_run", models.BooleanField(default=False, verbose_name="dry run")),
                        (
                            "started_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="started"),
                        ),
                        (
                            "finished_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="finished"),
                        ),
                        ("batches", models.PositiveIntegerField(default=0, verbose_name="batches")),
                        (
                            "evaluated",
                            models.PositiveIntegerField(
                                default=0, verbose_name="invoices evaluated"
                            ),
                        ),
                        (
                            "steps",
                            models.PositiveIntegerField(default=0, verbose_name="steps taken"),
                        ),
                        (
                            "charges",
                            models.PositiveIntegerField(default=0, verbose_name="charges booked"),
                        ),
                        (
                            "letters",
                            models.PositiveIntegerField(default=0, verbose_name="letters queued"),
                        ),
                        (
                            "skipped_locked",
                            models.PositiveIntegerField(
                                default=0, verbose_name="skipped (another worker)"
                            ),
                        ),
                        (
                            "counts",
                            models.JSONField(
                                blank=True, default=dict, verbose_name="steps by kind"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "collection run",
                        "verbose_name_plural": "collection runs",
                        "db_table": "invoices_collectionrun",
                        "ordering": ["-started_at"],
                    },
                ),
                migrations.CreateModel(
                    name="ReferenceRate",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("start", models.DateField(unique=True, verbose_name="first day")),
                        ("end", models.DateField(verbose_name="last day")),
                        (
                            "rate",
                            models.DecimalField(
                                decimal_places=2,
                                max_digits=5,
                                validators=[
                                    django.core.validators.MinValueValidator(Decimal("-10")),
                                    django.core.validators.MaxValueValidator(Decimal("50")),
                                ],
                                verbose_name="reference rate %",
                            ),
                        ),
                        (
                            "source",
                            models.CharField(blank=True, max_length=200, verbose_name="source"),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                    ],
                    options={
                        "verbose_name": "reference rate",
                        "verbose_name_plural": "reference rates",
                        "db_table": "invoices_referencerate",
                        "ordering": ["-start"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("end__gte", models.F("start"))),
                                name="refrate_end_after_start",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("start__day", 1), ("start__month__in", (1, 7))),
                                name="refrate_starts_a_half_year",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CollectionStep",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "step",
                            models.CharField(
                                choices=[
                                    ("reminder_1", "Payment reminder"),
                                    ("reminder_2", "Second payment reminder"),
                                    ("demand_1", "Payment demand"),
                                    ("demand_2", "Second payment demand"),
                                    ("legal_notice", "Legal-collection notice"),
                                    ("legal", "Legal collection"),
                                ],
                                max_length=16,
                                verbose_name="step",
                            ),
                        ),
                        ("taken_on", models.DateField(verbose_name="date")),
                        (
                            "fee",
                            models.DecimalField(
                                decimal_places=2,
                                default=Decimal("0.00"),
                                max_digits=12,
                                verbose_name="fee",
                            ),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "invoice",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="collection_steps",
                                to="invoices.invoice",
                            ),
                        ),
                        (
                            "run",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="collection.collectionrun",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "collection step",
                        "verbose_name_plural": "collection steps",
                        "db_table": "invoices_collectionstep",
                        "ordering": ["taken_on", "id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("invoice", "step"), name="collection_step_once"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("fee__gte", 0)),
                                name="collection_step_fee_gte_0",
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Letter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "step",
                            models.CharField(
                                choices=[
                                    ("reminder_1", "Payment reminder"),
                                    ("reminder_2", "Second payment reminder"),
                                    ("demand_1", "Payment demand"),
                                    ("demand_2", "Second payment demand"),
                                    ("legal_notice", "Legal-collection notice"),
                                    ("legal", "Legal collection"),
                                ],
                                max_length=16,
                                verbose_name="step",
                            ),
                        ),
                        (
                            "language",
                            models.CharField(
                                choices=[("fi", "Finnish"), ("sv", "Swedish"), ("en", "English")],
                                max_length=2,
                                verbose_name="language",
                            ),
                        ),
                        ("letter_date", models.DateField(verbose_name="letter date")),
                        ("due_date", models.DateField(verbose_name="pay by")),
                        ("pdf", models.BinaryField(null=True, verbose_name="PDF")),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="created"),
                        ),
                        (
                            "rendered_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="rendered"),
                        ),
                        (
                            "sent_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="sent"),
                        ),
                        (
                            "invoice",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="letters",
                                to="invoices.invoice",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "letter",
                        "verbose_name_plural": "letters",
                        "db_table": "invoices_letter",
                        "ordering": ["letter_date", "id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("invoice", "step"), name="letter_once_per_step"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(relabel, unrelabel),
    ]
