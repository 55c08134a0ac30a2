"""The collection engine's models now belong to the collection app (collection 0001).

State only: the tables stay where they are, under their old names, and keep their data.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0004_seed_rates_and_daily_cycle"),
        ("collection", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="CollectionStep"),
                migrations.DeleteModel(name="Letter"),
                migrations.DeleteModel(name="CollectionRun"),
                migrations.DeleteModel(name="ReferenceRate"),
            ],
        ),
    ]
