"""The `lead` group may manage saved views in the Django admin, as it manages macros: the admin's
form already applies the desk's rule (only leads and admins share a view with a team; an agent's
personal view is theirs), but without the model permissions the admin refused leads outright."""

from django.db import migrations

from accounts.migrations._lead_group import grant_to_lead, revoke_from_lead

MANAGE = {"desk": ["savedview"]}


def grant(apps, schema_editor):
    grant_to_lead(apps, manage=MANAGE)


def revoke(apps, schema_editor):
    revoke_from_lead(apps, manage=MANAGE)


class Migration(migrations.Migration):
    dependencies = [
        ("desk", "0001_saved_view"),
        ("accounts", "0002_lead_group_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
