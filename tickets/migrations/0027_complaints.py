# A formal complaint's receipt time (issue 13, item 2). Only needs 0025; chained on the parallel
# 0026_merge_split (and 0028 on this) so the shared tree keeps one leaf and its tests run while the
# three pieces of work land. The lead may re-point it at 0025 and add the merge migration.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0026_merge_split"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="complaint_received_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="complaint received at"),
        ),
    ]
