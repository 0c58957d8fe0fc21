"""The event kinds of incident links (incidents.services): a ticket linked to an incident (by the
matcher's rule or by hand) and unlinked. Choices only: no column changes. (Chained on 0027 so the shared tree
has one leaf while the merge/split and complaints work lands; the lead may re-point it at 0025 and merge.)"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0027_complaints"),
    ]

    operations = [
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
                    ("incident_linked", "Linked to an incident"),
                    ("incident_unlinked", "Unlinked from an incident"),
                ],
                max_length=32,
                verbose_name="kind",
            ),
        ),
    ]
