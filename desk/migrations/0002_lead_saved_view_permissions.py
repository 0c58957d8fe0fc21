"""The `lead` group may manage saved views in the Django admin, as it manages macros: the admin's
form already applies the desk's rule (only leads and admins share a view with a team; an agent's
personal view is theirs), but without the model permissions the admin refused leads outright."""

from django.db import migrations

LEAD_GROUP = "lead"  # accounts.roles.ROLE_GROUPS[Role.LEAD]; a migration must not import it
CODENAMES = [f"{verb}_savedview" for verb in ("view", "add", "change", "delete")]


def _permissions(apps):
    from django.contrib.auth.management import create_permissions

    # On a fresh database the permission rows are only made after the last migration (post_migrate).
    app_config = apps.get_app_config("desk")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    return list(Permission.objects.filter(content_type__app_label="desk", codename__in=CODENAMES))


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
        ("desk", "0001_saved_view"),
        ("accounts", "0002_lead_group_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
