from django.db import migrations, models


def auto_assign_to_routing(apps, schema_editor):
    # The old flag meant "assign automatically" without saying how: in turn is the plain reading.
    Team = apps.get_model("tickets", "Team")
    Team.objects.filter(auto_assign=True).update(routing="round_robin")


def routing_to_auto_assign(apps, schema_editor):
    Team = apps.get_model("tickets", "Team")
    Team.objects.exclude(routing="off").update(auto_assign=True)


class Migration(migrations.Migration):
    """Team.routing (off / round robin / fewest open tickets) replaces the auto_assign flag that
    nothing read; auto_assign=True becomes round robin (and back, when reversed)."""

    dependencies = [("tickets", "0016_macro_owner_updated")]

    operations = [
        migrations.AddField(
            model_name="team",
            name="routing",
            field=models.CharField(
                choices=[
                    ("off", "Off (tickets wait for a claim)"),
                    ("round_robin", "Round robin"),
                    ("least_open", "Fewest open tickets"),
                ],
                default="off",
                help_text=(
                    "How a new ticket gets an agent: off (it waits in the queue for a claim), in turn, or to the "
                    "agent with the fewest open tickets. Only agents marked available who speak the ticket's "
                    "language and are under their cap are chosen."
                ),
                max_length=16,
                verbose_name="automatic assignment",
            ),
        ),
        migrations.AddField(
            model_name="team",
            name="routing_turn",
            field=models.PositiveBigIntegerField(default=0, editable=False, verbose_name="routing turn"),
        ),
        migrations.RunPython(auto_assign_to_routing, routing_to_auto_assign),
        migrations.RemoveField(model_name="team", name="auto_assign"),
    ]
