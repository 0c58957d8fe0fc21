"""Roles are Django groups; this module is the one place that says who is what."""

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, When

from .models import Role, User

ROLE_GROUPS = {Role.AGENT: "agent", Role.LEAD: "lead", Role.ADMIN: "admin"}
_ROLE_ORDER = [ROLE_GROUPS[Role.ADMIN], ROLE_GROUPS[Role.LEAD], ROLE_GROUPS[Role.AGENT]]  # highest first

# What a team lead may do in the Django admin (accounts 0002 granted it to the group first; this is
# the rule the code keeps true): configure these models, and read those.
LEAD_MANAGES = {
    "sla": [
        "businesscalendar",
        "workinginterval",
        "holiday",
        "slapolicy",
        "slatarget",
        "escalationrule",
        "escalationstep",
    ],
    "tickets": ["team", "category", "macro", "assetthreshold"],
    "incidents": ["incident"],
    "knowledge": ["article", "officialcontact"],
    "desk": ["savedview"],  # desk 0002 grants it
}
LEAD_READS = {"tickets": ["ticket", "ticketevent"], "notifications": ["outboxmessage"]}


def lead_permissions() -> list[Permission]:
    wanted = Q(pk__in=[])
    for app_label, models in LEAD_MANAGES.items():
        codenames = [f"{verb}_{model}" for model in models for verb in ("view", "add", "change", "delete")]
        wanted |= Q(content_type__app_label=app_label, codename__in=codenames)
    for app_label, models in LEAD_READS.items():
        wanted |= Q(content_type__app_label=app_label, codename__in=[f"view_{model}" for model in models])
    return list(Permission.objects.filter(wanted))


# The attribute with_role_group() annotates: the name of the user's highest role group, or None.
ROLE_GROUP_ATTRIBUTE = "desk_role_group"


def with_role_group(users: QuerySet, *, user_field: str = "pk") -> QuerySet:
    """Users (or rows pointing at one through `user_field`) with the name of the user's highest
    role group annotated, so that role_of costs no query of its own: the authentication loads
    the user and the role in one statement."""
    top = (
        Group.objects.filter(user=OuterRef(user_field), name__in=list(ROLE_GROUPS.values()))
        .order_by(
            Case(*(When(name=name, then=rank) for rank, name in enumerate(_ROLE_ORDER)), default=len(_ROLE_ORDER))
        )
        .values("name")[:1]
    )
    return users.annotate(**{ROLE_GROUP_ATTRIBUTE: Subquery(top)})


def role_of(user: User | AnonymousUser) -> Role | None:
    if not user.is_authenticated:
        return None
    cached = getattr(user, "_desk_role", None)
    if cached is not None:
        return cached
    if ROLE_GROUP_ATTRIBUTE in user.__dict__:
        top = user.__dict__[ROLE_GROUP_ATTRIBUTE]
        names = {top} if top else set()
    else:
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


def may_export_customer_data(user: User | AnonymousUser) -> bool:
    """Admins only (superusers and the admin group): listing or exporting customers' personal
    data in bulk (issue 12, item 6). Agents and leads see one customer at a time, masked until
    they reveal it with a reason (tickets.privacy); whatever model permissions a group is given."""
    return role_of(user) == Role.ADMIN


def grant_role(user: User, role: Role) -> None:
    user._desk_role = None
    user.__dict__.pop(ROLE_GROUP_ATTRIBUTE, None)  # the annotated role is the old one
    if role == Role.CUSTOMER:
        return
    group, created = Group.objects.get_or_create(name=ROLE_GROUPS[role])
    if role == Role.LEAD and (created or not group.permissions.exists()):
        # A lead group without its permissions (a new database seeded before accounts 0002's grant,
        # or one a test flush emptied) gets them back: the admin opens to leads through them.
        group.permissions.add(*lead_permissions())
    user.groups.add(group)
    if role in (Role.LEAD, Role.ADMIN) and not user.is_staff:
        # Leads and admins configure the desk in the Django admin.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
