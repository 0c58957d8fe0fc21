"""The `lead` role's group (accounts.roles.ROLE_GROUPS) with the model permissions a team lead
needs in the Django admin: configure SLA policies and their targets, calendars and working hours,
escalation ladders, teams, categories, macros, help articles, incidents, official contacts and
large-amount thresholds; read tickets, their audit trail and the outbox. Leads are `is_staff`
(accounts.roles.grant_role), so these permissions are what opens the admin to them."""

from django.db import migrations

from accounts.migrations._lead_group import grant_to_lead, revoke_from_lead

MANAGE = {
    "sla": [
        "businesscalendar",
        "workinginterval",
        "holiday",
        "slapolicy",
        "slatarget",
        "escalationrule",
        "escalationstep",
    ],
    "tickets": ["team", "category", "macro", "incident", "assetthreshold"],
    "knowledge": ["article", "officialcontact"],
}
VIEW = {
    "tickets": ["ticket", "ticketevent"],
    "notifications": ["outboxmessage"],
}


def grant(apps, schema_editor):
    grant_to_lead(apps, manage=MANAGE, view=VIEW)


def revoke(apps, schema_editor):
    revoke_from_lead(apps, manage=MANAGE, view=VIEW)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sla", "0006_report_indexes"),
        ("tickets", "0012_desk_macro_team_search_indexes"),
        ("knowledge", "0002_pg_trgm"),
        ("notifications", "0002_email_batch"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
