"""Who works on a ticket and how urgent it is: claim, assign, priority and team."""

from datetime import datetime
from functools import partial

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role, is_staff_member, role_of

from .. import audit, hooks
from .. import notifications as emails
from ..exceptions import TicketConflict, TicketForbidden, TicketInvalid
from ..models import Priority, Team, Ticket
from ._common import Kind, Status, _can_work_on, _lock, _require_staff, _touch, move_unassigns


@transaction.atomic
def ticket_claim(*, ticket: Ticket, agent: User, now: datetime) -> Ticket:
    _require_staff(agent)
    locked = _lock(ticket)
    if locked.status == Status.CLOSED:
        raise TicketConflict(_("This ticket is closed and cannot be claimed."))
    if locked.assignee_id not in (None, agent.pk):
        raise TicketConflict(_("Another agent is already working on this ticket."))
    if locked.assignee_id == agent.pk:
        return locked
    locked.assignee = agent
    _touch(locked, now, "assignee")
    audit.record(locked, actor=agent, kind=Kind.ASSIGNED, at=now, assignee=agent.pk, claimed=True)
    hooks.emit(hooks.TicketAssigned(ticket=locked, previous=None, claimed=True, now=now))
    return locked


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor: User, assignee: User | None, now: datetime) -> Ticket:
    _require_staff(actor)
    locked = _lock(ticket)
    if locked.status == Status.CLOSED:
        raise TicketConflict(_("This ticket is closed and cannot be assigned."))
    if assignee is not None:
        if not is_staff_member(assignee):
            raise TicketInvalid(_("Tickets can only be assigned to support staff."), field="assignee")
        if not _can_work_on(assignee, locked.team):
            raise TicketInvalid(
                _("%(user)s is not a member of the %(team)s team.")
                % {"user": assignee.username, "team": locked.team.name},
                field="assignee",
            )
        if role_of(actor) == Role.AGENT and not _can_work_on(actor, locked.team):
            raise TicketForbidden(_("Only members of the ticket's team can assign it."))
    if locked.assignee_id == (assignee.pk if assignee else None):
        return locked
    previous = locked.assignee_id
    locked.assignee = assignee
    _touch(locked, now, "assignee")
    if assignee is None:
        audit.record(locked, actor=actor, kind=Kind.UNASSIGNED, at=now, previous=previous)
        return locked
    audit.record(locked, actor=actor, kind=Kind.ASSIGNED, at=now, assignee=assignee.pk, previous=previous)
    hooks.emit(hooks.TicketAssigned(ticket=locked, previous=previous, claimed=False, now=now))
    if assignee.pk != actor.pk:
        emails.ticket_assigned(ticket=locked, assignee=assignee, actor=actor, now=now)
    return locked


@transaction.atomic
def ticket_change_priority(
    *, ticket: Ticket, actor: User | None, priority: str, now: datetime, reason: str = "", recompute_sla: bool = True
) -> Ticket:
    locked = _lock(ticket)
    if locked.priority == priority:
        return locked
    previous = locked.priority
    locked.priority = Priority(priority)
    _touch(locked, now, "priority")
    audit.record(
        locked, actor=actor, kind=Kind.PRIORITY_CHANGED, at=now, **{"from": previous, "to": priority, "reason": reason}
    )
    if recompute_sla:
        hooks.emit(hooks.TicketReclassified(ticket=locked, now=now))
    return locked


@transaction.atomic
def ticket_change_team(
    *, ticket: Ticket, actor: User | None, team: Team, now: datetime, recompute_sla: bool = True
) -> Ticket:
    locked = _lock(ticket)
    if locked.team_id == team.pk:
        return locked
    previous = locked.team.code
    locked.team = team
    changed = ["team"]
    if move_unassigns(locked.assignee_id, partial(_can_work_on, locked.assignee, team)):
        # The holder cannot follow the ticket into a team they are not in.
        locked.assignee = None
        changed.append("assignee")
    _touch(locked, now, *changed)
    audit.record(
        locked,
        actor=actor,
        kind=Kind.TEAM_CHANGED,
        at=now,
        **{"from": previous, "to": team.code, "unassigned": "assignee" in changed},
    )
    if recompute_sla:
        hooks.emit(hooks.TicketReclassified(ticket=locked, now=now))
    return locked
