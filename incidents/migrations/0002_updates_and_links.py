# Incident updates (the broadcast progress with them), links of tickets to incidents (the rule that linked each), what customers should do, and the SLA clocks choice.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0001_initial"),
        ("tickets", "0028_incident_event_kinds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="advice",
            field=models.TextField(
                blank=True,
                help_text="Told to every matching new ticket and in each update; empty: a general line.",
                verbose_name="what customers should do",
            ),
        ),
        migrations.AddField(
            model_name="incident",
            name="advice_zh_hans",
            field=models.TextField(blank=True, verbose_name="what customers should do (Simplified Chinese)"),
        ),
        migrations.AddField(
            model_name="incident",
            name="sla_clocks",
            field=models.CharField(
                choices=[("keep", "Keep running"), ("pause", "Pause while linked")],
                default="keep",
                help_text="Pause: the linked tickets' SLA clocks stop until the incident is resolved or they are unlinked.",
                max_length=8,
                verbose_name="SLA clocks of linked tickets",
            ),
        ),
        migrations.CreateModel(
            name="IncidentLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "rule",
                    models.CharField(
                        choices=[
                            ("category", "Category matched"),
                            ("category_asset", "Category and asset matched"),
                            ("category_network", "Category and network matched"),
                            ("category_asset_network", "Category, asset and network matched"),
                            ("asset", "Asset matched"),
                            ("network", "Network matched"),
                            ("asset_network", "Asset and network matched"),
                            ("manual", "Linked by hand"),
                        ],
                        max_length=32,
                        verbose_name="rule",
                    ),
                ),
                ("linked_at", models.DateTimeField(verbose_name="linked at")),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="links", to="incidents.incident"
                    ),
                ),
                (
                    "linked_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="linked by",
                    ),
                ),
                (
                    "ticket",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="incident_link", to="tickets.ticket"
                    ),
                ),
            ],
            options={
                "verbose_name": "incident link",
                "verbose_name_plural": "incident links",
                "indexes": [models.Index(fields=["incident", "ticket"], name="incident_link_idx")],
            },
        ),
        migrations.CreateModel(
            name="IncidentUpdate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("investigating", "Investigating"),
                            ("identified", "Identified"),
                            ("monitoring", "Monitoring"),
                            ("resolved", "Resolved"),
                        ],
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                ("eta", models.DateTimeField(blank=True, null=True, verbose_name="expected fix")),
                ("body", models.TextField(verbose_name="update")),
                ("body_zh_hans", models.TextField(blank=True, verbose_name="update (Simplified Chinese)")),
                ("created_at", models.DateTimeField(verbose_name="posted at")),
                ("broadcast_cursor", models.BigIntegerField(default=0, editable=False)),
                (
                    "broadcast_sent",
                    models.PositiveIntegerField(default=0, editable=False, verbose_name="tickets reached"),
                ),
                (
                    "broadcast_done_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="broadcast finished at"),
                ),
                (
                    "solve_tickets",
                    models.BooleanField(default=False, editable=False, verbose_name="solve linked tickets"),
                ),
                (
                    "created_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="posted by",
                    ),
                ),
                (
                    "incident",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="updates", to="incidents.incident"
                    ),
                ),
            ],
            options={
                "verbose_name": "incident update",
                "verbose_name_plural": "incident updates",
                "ordering": ["-created_at", "-id"],
                "indexes": [models.Index(fields=["incident", "-created_at"], name="incident_update_idx")],
            },
        ),
    ]
