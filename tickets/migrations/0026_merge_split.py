"""Merge and split (issue 13, item 3): a merged duplicate's pointer to its main ticket, a split
ticket's first message's reference to the message it copies, the four event kinds, and pg_trgm for
the merge suggestions' text similarity (tickets.merge), created on PostgreSQL only: on SQLite the
suggestions score in Python instead."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

_chain = importlib.import_module("tickets.migrations.0021_audit_chain")


def _sqlite_chain_triggers(create: bool):
    """SQLite rebuilds tickets_ticket to drop a foreign key (this migration's reverse), which its
    audit-chain triggers on tickets_ticketevent do not survive: drop them around the rebuild and
    create them again after (PostgreSQL's trigger is untouched)."""

    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            (_chain.create_chain_trigger if create else _chain.drop_chain_trigger)(apps, schema_editor)

    return run


def _trigram_extension(apps, schema_editor):
    # Django's TrigramExtension queries pg_extension when reversed, whatever the database; the
    # extension stays when this migration is reversed (other code may use it by then).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0025_report_created_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Reversed last: the triggers come back once the ticket table is rebuilt.
        migrations.RunPython(migrations.RunPython.noop, _sqlite_chain_triggers(create=True)),
        migrations.RunPython(_trigram_extension, migrations.RunPython.noop),
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
        # Reversed first: the triggers go before the rebuild.
        migrations.RunPython(migrations.RunPython.noop, _sqlite_chain_triggers(create=False)),
    ]
