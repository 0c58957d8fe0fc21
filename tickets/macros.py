"""Macros managed in the desk: who may write which macro, the writes, and the preview.

Three scopes: personal (an owner; only they see, use and edit it), team (shared with one team) and
everyone (no owner, no team). Any agent writes their own personal macros; only leads and admins
write shared ones. The API (tickets.api.views.MacroViewSet) and the admin (tickets.admin) both call
the functions here, so the rule lives in one place.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import admin_log
from accounts.models import User
from accounts.roles import is_staff_member, sees_every_team

from . import outbound_guard
from .exceptions import TicketForbidden, TicketInvalid
from .models import Macro, Priority, Team, Ticket
from .scoped import scoped_can_edit


class Scope:
    PERSONAL = "personal"
    TEAM = "team"
    EVERYONE = "everyone"
    CHOICES = (PERSONAL, TEAM, EVERYONE)


def macro_scope(macro: Macro) -> str:
    if macro.owner_id is not None:
        return Scope.PERSONAL
    return Scope.TEAM if macro.team_id is not None else Scope.EVERYONE


def macro_check_scope(*, actor: User, owner: User | None, team: Team | None) -> None:
    """May `actor` write a macro with this owner and team? Raises TicketForbidden if not."""
    if not is_staff_member(actor):
        raise TicketForbidden(_("Only support staff can do this."))
    if owner is not None:
        if team is not None:
            raise TicketForbidden(_("A personal macro belongs to no team."))
        if owner.pk != actor.pk:
            raise TicketForbidden(_("You can only write your own personal macros."))
        return
    if not sees_every_team(actor):
        if team is None:
            raise TicketForbidden(_("Only leads and admins can create macros shared by every team."))
        raise TicketForbidden(_("Only leads and admins can write team macros."))


def macro_check_body(*, body: str, internal: bool) -> None:
    """A macro that posts to customers may not ask for a seed phrase, a key, a password, a 2FA code
    or remote access (400 on `body`); an internal one is a note and is not checked."""
    if internal:
        return
    problems = outbound_guard.outbound_problems(body)
    if problems:
        raise TicketInvalid(" ".join(problems), field="body")


def macro_can_edit(*, user: User, macro: Macro) -> bool:
    return scoped_can_edit(user=user, owner_id=macro.owner_id)


def _owner_and_team(*, actor: User, scope: str, team: Team | None) -> tuple[User | None, Team | None]:
    if scope == Scope.PERSONAL:
        return actor, None
    if scope == Scope.TEAM and team is None:
        raise TicketForbidden(_("Choose the team the macro is shared with."))
    return None, team if scope == Scope.TEAM else None


@transaction.atomic
def macro_create(
    *,
    actor: User,
    name: str,
    body: str,
    internal: bool,
    set_status: str,
    set_priority: str,
    team: Team | None,
    set_team: Team | None = None,
    scope: str | None = None,
) -> Macro:
    """`scope` omitted: a team macro when `team` is given, else one shared by every team (the API's
    behaviour before personal macros existed)."""
    if scope is None:
        scope = Scope.TEAM if team is not None else Scope.EVERYONE
    owner, team = _owner_and_team(actor=actor, scope=scope, team=team)
    macro_check_scope(actor=actor, owner=owner, team=team)
    macro_check_body(body=body, internal=internal)
    macro = Macro.objects.create(
        name=name,
        body=body,
        internal=internal,
        set_status=set_status,
        set_priority=set_priority,
        set_team=set_team,
        team=team,
        owner=owner,
        created_by=actor,
        updated_by=actor,
    )
    admin_log(actor=actor, obj=macro, flag=ADDITION, message="Created in the desk")
    return macro


MACRO_FIELDS = ("name", "body", "internal", "set_status", "set_priority", "set_team")


@transaction.atomic
def macro_update(*, macro: Macro, actor: User, changes: dict[str, Any]) -> Macro:
    """Change some of a macro's fields (and its scope: `scope`, `team`). The actor must be allowed
    to write the macro as it is and as it will be."""
    locked = Macro.objects.select_for_update().get(pk=macro.pk)
    if not macro_can_edit(user=actor, macro=locked):
        raise TicketForbidden(_("You cannot edit this macro."))
    if "scope" in changes or "team" in changes:
        scope = changes.get("scope") or macro_scope(locked)
        team = changes.get("team", locked.team)
        locked.owner, locked.team = _owner_and_team(actor=actor, scope=scope, team=team)
        macro_check_scope(actor=actor, owner=locked.owner, team=locked.team)
    changed = [field for field in MACRO_FIELDS if field in changes]
    for field in changed:
        setattr(locked, field, changes[field])
    macro_check_body(body=locked.body, internal=locked.internal)
    locked.updated_by = actor
    locked.save()
    admin_log(actor=actor, obj=locked, flag=CHANGE, message="Changed in the desk")
    return Macro.objects.select_related("team", "set_team").get(pk=locked.pk)


@transaction.atomic
def macro_delete(*, macro: Macro, actor: User) -> None:
    """Retired, not deleted: applied macros are named in ticket events, and the admin can bring it back."""
    locked = Macro.objects.select_for_update().get(pk=macro.pk)
    if not macro_can_edit(user=actor, macro=locked):
        raise TicketForbidden(_("You cannot delete this macro."))
    locked.is_active = False
    locked.updated_by = actor
    locked.save(update_fields=["is_active", "updated_by", "updated_at"])
    admin_log(actor=actor, obj=locked, flag=DELETION, message="Deleted in the desk (made inactive)")


# --- Rendering and preview ---------------------------------------------------------------------

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def placeholder_values(ticket: Ticket | None) -> dict[str, str]:
    """What the apply service fills in. Without a ticket, examples that say what goes there."""
    if ticket is None:
        return {
            "customer_name": _("(customer name)"),
            "reference": "SD-XXXX-XXXX-XXXX",
            "subject": _("(ticket subject)"),
        }
    requester = ticket.requester
    return {
        "customer_name": requester.first_name or requester.username,
        "reference": ticket.reference,
        "subject": ticket.subject,
    }


PLACEHOLDER_NAMES = tuple(placeholder_values(None))


def render_body(body: str, ticket: Ticket | None) -> str:
    values = placeholder_values(ticket)
    for name, value in values.items():
        body = body.replace("{" + name + "}", value)
    return body


def unknown_placeholders(body: str) -> list[str]:
    """Placeholders the text uses that nothing fills (they would be posted as typed)."""
    return sorted({name for name in PLACEHOLDER.findall(body) if name not in PLACEHOLDER_NAMES})


def actions_of(*, set_status: str, set_priority: str, set_team: Team | None) -> dict[str, str]:
    actions = {}
    if set_status:
        actions["status"] = set_status
    if set_priority:
        actions["priority"] = set_priority
    if set_team is not None:
        actions["team"] = set_team.code
    return actions


def describe_actions(*, set_status: str, set_priority: str, set_team: Team | None, internal: bool) -> list[str]:
    """The changes in words, in the caller's language, in the order the apply service makes them."""
    changes = [_("Post as an internal note") if internal else _("Post as a public reply")]
    if set_priority:
        changes.append(_("Set the priority to %(priority)s") % {"priority": Priority(set_priority).label})
    if set_team is not None:
        changes.append(_("Move the ticket to team %(team)s") % {"team": set_team.name})
    if set_status:
        changes.append(_("Set the status to %(status)s") % {"status": Ticket.Status(set_status).label})
    return changes


@dataclass(frozen=True)
class MacroPreview:
    body: str
    actions: dict[str, str]
    changes: list[str]
    unknown_placeholders: list[str]
    ticket: str | None


def macro_preview(
    *,
    body: str,
    internal: bool,
    set_status: str,
    set_priority: str,
    set_team: Team | None,
    ticket: Ticket | None,
) -> MacroPreview:
    """What a macro (saved or being edited) would post and change; nothing is written."""
    return MacroPreview(
        body=render_body(body, ticket),
        actions=actions_of(set_status=set_status, set_priority=set_priority, set_team=set_team),
        changes=describe_actions(
            set_status=set_status, set_priority=set_priority, set_team=set_team, internal=internal
        ),
        unknown_placeholders=unknown_placeholders(body),
        ticket=ticket.reference if ticket is not None else None,
    )
