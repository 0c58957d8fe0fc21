# Personal macros (owner) and the edit trail (updated_at, updated_by) for macros managed in the desk.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0015_report_covering_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="macro",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                help_text="Empty: a shared macro (of the team above, or of every team).",
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="personal_macros",
                to=settings.AUTH_USER_MODEL,
                verbose_name="personal macro of",
            ),
        ),
        migrations.AddField(
            model_name="macro",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now, verbose_name="updated at"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="macro",
            name="updated_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="updated by",
            ),
        ),
        migrations.AddConstraint(
            model_name="macro",
            constraint=models.CheckConstraint(
                condition=models.Q(("owner__isnull", True), ("team__isnull", True), _connector="OR"),
                name="macro_personal_or_team",
            ),
        ),
    ]
