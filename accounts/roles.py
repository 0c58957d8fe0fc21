"""Roles are Django groups; this module is the one place that says who is what."""

from django.contrib.auth.models import AnonymousUser, Group

from .models import Role, User

ROLE_GROUPS = {Role.AGENT: "agent", Role.LEAD: "lead", Role.ADMIN: "admin"}


def role_of(user: User | AnonymousUser) -> Role | None:
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_desk_role", None)
    if cached is not None:
        return cached
    names = {group.name for group in user.groups.all()}
    if user.is_superuser or ROLE_GROUPS[Role.ADMIN] in names:
        role = Role.ADMIN
    elif ROLE_GROUPS[Role.LEAD] in names:
        role = Role.LEAD
    elif ROLE_GROUPS[Role.AGENT] in names:
        role = Role.AGENT
    else:
        role = Role.CUSTOMER
    user._desk_role = role
    return role


def is_staff_member(user: User | AnonymousUser) -> bool:
    """Agents, leads and admins: the people who work tickets."""
    return role_of(user) in (Role.AGENT, Role.LEAD, Role.ADMIN)


def sees_every_team(user: User | AnonymousUser) -> bool:
    return role_of(user) in (Role.LEAD, Role.ADMIN)


def grant_role(user: User, role: Role) -> None:
    user._desk_role = None
    if role == Role.CUSTOMER:
        return
    group, _ = Group.objects.get_or_create(name=ROLE_GROUPS[role])
    user.groups.add(group)
    if role in (Role.LEAD, Role.ADMIN) and not user.is_staff:
        # Leads and admins configure the desk in the Django admin.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
