"""Granting the `lead` group model permissions from a migration (accounts 0002, desk 0002).

Not a migration itself (the loader skips names starting with "_"). Each migration passes its own
frozen lists, as a migration must not import app code that may change (accounts.roles): keep
what this does as it is."""

LEAD_GROUP = "lead"  # accounts.roles.ROLE_GROUPS[Role.LEAD] when the migrations were written
VERBS = ("view", "add", "change", "delete")


def _codenames(manage: dict[str, list[str]], view: dict[str, list[str]]) -> dict[str, set[str]]:
    wanted: dict[str, set[str]] = {}
    for app_label, models in manage.items():
        for model in models:
            wanted.setdefault(app_label, set()).update(f"{verb}_{model}" for verb in VERBS)
    for app_label, models in view.items():
        for model in models:
            wanted.setdefault(app_label, set()).add(f"view_{model}")
    return wanted


def _permissions(apps, manage: dict[str, list[str]], view: dict[str, list[str]]) -> list:
    from django.contrib.auth.management import create_permissions

    # On a fresh database the permission rows are only made after the last migration
    # (post_migrate): make them now for the apps concerned.
    for app_label in {*manage, *view}:
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    found = []
    for app_label, codenames in _codenames(manage, view).items():
        found += list(Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames))
    return found


def grant_to_lead(apps, *, manage: dict[str, list[str]], view: dict[str, list[str]] | None = None) -> None:
    """The lead group (created if missing) gets every permission on `manage`'s models and the view
    permission on `view`'s."""
    Group = apps.get_model("auth", "Group")
    group, _created = Group.objects.get_or_create(name=LEAD_GROUP)
    group.permissions.add(*_permissions(apps, manage, view or {}))


def revoke_from_lead(apps, *, manage: dict[str, list[str]], view: dict[str, list[str]] | None = None) -> None:
    Group = apps.get_model("auth", "Group")
    group = Group.objects.filter(name=LEAD_GROUP).first()
    if group is not None:
        group.permissions.remove(*_permissions(apps, manage, view or {}))
