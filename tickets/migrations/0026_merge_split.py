"""Merge and split (issue 13, item 3): a merged duplicate's pointer to its main ticket, a split
ticket's first message's reference to the message it copies, the four event kinds, and pg_trgm for
the merge suggestions' text similarity (tickets.merge). TrigramExtension does nothing on SQLite
(Django's CreateExtension checks the vendor), where the suggestions score in Python instead."""

import django.db.models.deletion
from django.conf import settings
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0025_report_created_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="message",
            name="split_from",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="split_copies",
                to="tickets.message",
                verbose_name="split from message",
            ),
        ),
        migrations.AddField(
            model_name="ticket",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_tickets",
                to="tickets.ticket",
                verbose_name="merged into",
            ),
        ),
        migrations.AlterField(
            model_name="ticketevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("message_added", "Message added"),
                    ("attachment_added", "Attachment added"),
                    ("status_changed", "Status changed"),
                    ("reopened", "Reopened"),
                    ("assigned", "Assigned"),
                    ("unassigned", "Unassigned"),
                    ("priority_changed", "Priority changed"),
                    ("team_changed", "Team changed"),
                    ("category_changed", "Category changed"),
                    ("complaint_changed", "Formal complaint flag changed"),
                    ("first_response", "First response"),
                    ("rated", "Rated"),
                    ("macro_applied", "Macro applied"),
                    ("sla_warning", "SLA warning"),
                    ("sla_breached", "SLA breached"),
                    ("escalated", "Escalated"),
                    ("guest_link_issued", "Guest link issued"),
                    ("guest_link_revoked", "Guest link revoked"),
                    ("requester_changed", "Requester changed"),
                    ("secret_redacted", "Secret removed"),
                    ("freeze_requested", "Account freeze requested"),
                    ("audit_chain_broken", "Audit chain broken"),
                    ("pii_revealed", "Customer data revealed"),
                    ("merged_into", "Merged into another ticket"),
                    ("merged_from", "Another ticket merged in"),
                    ("split_to", "Message split into a new ticket"),
                    ("split_from", "Split from another ticket"),
                ],
                max_length=32,
                verbose_name="kind",
            ),
        ),
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="ticket_merged_into_idx",
            ),
        ),
    ]
