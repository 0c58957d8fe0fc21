"""Incident now lives in the incidents app (incidents 0001): it leaves the tickets state only;
its table, rows and index stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0018_secret_exposed"),
        ("incidents", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="Incident")],
        ),
    ]
