"""Incident moves from the tickets app to this one without touching the database: the model keeps
its table (`db_table = "tickets_incident"`, and so `tickets_incident_categories`), and only the
migration state changes (tickets 0019 removes it from the tickets state after this one adds it
here). Its content type moves too, so the admin history (LogEntry), the permissions and the lead
group's grants (accounts 0002) stay attached to it."""

from django.db import migrations, models


def _move_content_type(apps, *, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=target, model="incident").exists():
        return  # already there (or made by post_migrate): nothing to move
    ContentType.objects.filter(app_label=source, model="incident").update(app_label=target)


def forwards(apps, schema_editor):
    _move_content_type(apps, source="tickets", target="incidents")


def backwards(apps, schema_editor):
    _move_content_type(apps, source="incidents", target="tickets")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("tickets", "0018_secret_exposed"),
        ("contenttypes", "0002_remove_content_type_name"),
        # The lead group's incident permissions are granted there under the old content type.
        ("accounts", "0002_lead_group_permissions"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Incident",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID"),
                        ),
                        ("title", models.CharField(max_length=200, verbose_name="title")),
                        (
                            "title_zh_hans",
                            models.CharField(blank=True, max_length=200, verbose_name="title (Simplified Chinese)"),
                        ),
                        ("message", models.TextField(verbose_name="public message")),
                        (
                            "message_zh_hans",
                            models.TextField(blank=True, verbose_name="public message (Simplified Chinese)"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("investigating", "Investigating"),
                                    ("identified", "Identified"),
                                    ("monitoring", "Monitoring"),
                                    ("resolved", "Resolved"),
                                ],
                                default="investigating",
                                max_length=16,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "assets",
                            models.JSONField(
                                blank=True,
                                default=list,
                                help_text='e.g. ["BTC"]; empty: all',
                                verbose_name="affected assets",
                            ),
                        ),
                        (
                            "networks",
                            models.JSONField(
                                blank=True, default=list, help_text='e.g. ["bitcoin"]', verbose_name="affected networks"
                            ),
                        ),
                        ("eta", models.DateTimeField(blank=True, null=True, verbose_name="expected fix")),
                        ("started_at", models.DateTimeField(verbose_name="started at")),
                        ("resolved_at", models.DateTimeField(blank=True, null=True, verbose_name="resolved at")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
                        (
                            "categories",
                            models.ManyToManyField(
                                blank=True, related_name="+", to="tickets.category", verbose_name="affected categories"
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "incident",
                        "verbose_name_plural": "incidents",
                        "db_table": "tickets_incident",
                        "ordering": ["-started_at"],
                        "indexes": [models.Index(fields=["status", "-started_at"], name="incident_status_idx")],
                    },
                ),
            ],
        ),
        migrations.RunPython(forwards, backwards),
    ]
