"""The `lead` role's group (accounts.roles.ROLE_GROUPS) with the model permissions a team lead
needs in the Django admin: configure SLA policies and their targets, calendars and working hours,
escalation ladders, teams, categories, macros, help articles, incidents, official contacts and
large-amount thresholds; read tickets, their audit trail and the outbox. Leads are `is_staff`
(accounts.roles.grant_role), so these permissions are what opens the admin to them."""

from django.db import migrations

LEAD_GROUP = "lead"  # accounts.roles.ROLE_GROUPS[Role.LEAD]; a migration must not import it (it may change)

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


def _codenames() -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for app_label, models in MANAGE.items():
        for model in models:
            wanted.setdefault(app_label, set()).update(
                f"{verb}_{model}" for verb in ("view", "add", "change", "delete")
            )
    for app_label, models in VIEW.items():
        for model in models:
            wanted.setdefault(app_label, set()).add(f"view_{model}")
    return wanted


def _permissions(apps):
    from django.contrib.auth.management import create_permissions

    # On a fresh database the permission rows are only made after the last migration
    # (post_migrate): make them now for the apps concerned.
    for app_label in {*MANAGE, *VIEW}:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, codenames in _codenames().items():
        found += list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
    return found


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.get_or_create(name=LEAD_GROUP)
    group.permissions.add(*_permissions(apps))


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=LEAD_GROUP).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps))


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
