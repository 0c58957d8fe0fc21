from django.db import migrations, models


class Migration(migrations.Migration):
    """Agents' availability and open-ticket cap, read by automatic assignment (tickets.routing)."""

    dependencies = [("accounts", "0003_user_email_upper_index")]

    operations = [
        migrations.AddField(
            model_name="agentprofile",
            name="available",
            field=models.BooleanField(
                default=False, help_text="Set by the agent in the desk: available or away.", verbose_name="available"
            ),
        ),
        migrations.AddField(
            model_name="agentprofile",
            name="available_changed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="availability changed at"),
        ),
        migrations.AddField(
            model_name="agentprofile",
            name="max_open_tickets",
            field=models.PositiveSmallIntegerField(
                blank=True,
                help_text="Automatic assignment skips an agent who holds this many open tickets. Empty: no cap.",
                null=True,
                verbose_name="open tickets cap",
            ),
        ),
    ]
