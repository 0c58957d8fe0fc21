"""Bulk ticket services: one change applied to many tickets, as one transaction.

Each ticket goes through the very single-ticket service an agent's click would call
(ticket_assign, ticket_claim, ticket_update, macro_apply), inside its own savepoint: a refusal
undoes that ticket's partial work only, and is reported with the service's own message. So every
rule (the transition table, team membership, closed tickets, another agent's claim) lives in one
place, and each ticket gets the audit events its service writes.

Cost: one query to find the visible tickets, then per ticket what the single service costs plus a
savepoint and its release.

The set-based variants at the end (tickets_bulk_raise_priority, tickets_bulk_move_team,
tickets_bulk_unassign, messages_bulk_add_internal_notes) are for a caller that already holds many
locked rows and has decided what to do with them (the SLA sweep, acting as the system): they apply
the single-ticket services' rules to plain rows and stage what changes in a `RowsWrite`, whose
flush() writes it all at once: one INSERT of the notes, one UPDATE of the changed tickets, one
INSERT of the events (audit.record_many), then the hooks.
"""

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from django.db import connection, transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import is_staff_member, sees_every_team
from support_desk.bulk_sql import update_rows
from support_desk.errors import DomainError

from . import audit, hooks, selectors, services
from .exceptions import TicketForbidden, TicketInvalid
from .models import PRIORITY_RANK, Message, Priority, Team, Ticket, TicketEvent
from .routing import raise_priority

Kind = TicketEvent.Kind


@dataclass(frozen=True)
class BulkResult:
    reference: str
    ok: bool
    error: str = ""
    code: str = ""

    def as_dict(self) -> dict[str, Any]:
        if self.ok:
            return {"reference": self.reference, "ok": True}
        return {"reference": self.reference, "ok": False, "error": self.error, "code": self.code}


def _each(*, actor: User, references: Sequence[str], apply: Callable[[Ticket], object]) -> list[BulkResult]:
    """Run `apply` on every ticket the actor may see, each in a savepoint, in the order sent. A
    reference the actor may not see is "Not found." (whether or not it exists)."""
    if not is_staff_member(actor):
        raise TicketForbidden(_("Only support staff can do this."))
    visible = {
        ticket.reference: ticket
        for ticket in selectors.tickets_visible_to(actor).filter(reference__in=list(references)).select_related("team")
    }
    results = []
    for reference in references:
        ticket = visible.get(reference)
        if ticket is None:
            results.append(BulkResult(reference, ok=False, error=_("Not found."), code="not_found"))
            continue
        try:
            with transaction.atomic():  # a savepoint: a refusal rolls back this ticket only
                apply(ticket)
        except DomainError as error:
            results.append(BulkResult(reference, ok=False, error=error.message, code=error.code))
        else:
            results.append(BulkResult(reference, ok=True))
    return results


@transaction.atomic
def tickets_bulk_assign(
    *, actor: User, references: Sequence[str], assignee: User | None, now: datetime
) -> list[BulkResult]:
    return _each(
        actor=actor,
        references=references,
        apply=lambda ticket: services.ticket_assign(ticket=ticket, actor=actor, assignee=assignee, now=now),
    )


@transaction.atomic
def tickets_bulk_claim(*, actor: User, references: Sequence[str], now: datetime) -> list[BulkResult]:
    return _each(
        actor=actor,
        references=references,
        apply=lambda ticket: services.ticket_claim(ticket=ticket, agent=actor, now=now),
    )


@transaction.atomic
def tickets_bulk_update(
    *, actor: User, references: Sequence[str], changes: dict[str, Any], now: datetime
) -> list[BulkResult]:
    """Status, priority or team: the PATCH service (`ticket_update`) per ticket."""
    return _each(
        actor=actor,
        references=references,
        apply=lambda ticket: services.ticket_update(ticket=ticket, actor=actor, changes=changes, now=now),
    )


def tickets_bulk_change_status(*, actor: User, references: Sequence[str], status: str, now: datetime):
    return tickets_bulk_update(actor=actor, references=references, changes={"status": status}, now=now)


def tickets_bulk_change_priority(*, actor: User, references: Sequence[str], priority: str, now: datetime):
    return tickets_bulk_update(actor=actor, references=references, changes={"priority": priority}, now=now)


def tickets_bulk_change_team(*, actor: User, references: Sequence[str], team: Team, now: datetime):
    return tickets_bulk_update(actor=actor, references=references, changes={"team": team}, now=now)


@transaction.atomic
def tickets_bulk_apply_macro(
    *, actor: User, references: Sequence[str], macro_id: int, now: datetime
) -> list[BulkResult]:
    """The macro is looked up once, among those the actor may use (else a 400 naming `macro`)."""
    macro = selectors.macros_visible_to(actor).filter(pk=macro_id).first()
    if macro is None:
        raise TicketInvalid(_("No such macro."), field="macro")
    return _each(
        actor=actor,
        references=references,
        apply=lambda ticket: services.macro_apply(ticket=ticket, macro=macro, actor=actor, now=now),
    )


def tickets_bulk(*, actor: User, references: Sequence[str], action: str, params: dict[str, Any], now: datetime):
    """Dispatch a validated bulk request (tickets.api.serializers.BulkRequestSerializer)."""
    common = {"actor": actor, "references": references, "now": now}
    if action == "assign":
        return tickets_bulk_assign(assignee=params["assignee"], **common)
    if action == "claim":
        return tickets_bulk_claim(**common)
    if action == "status":
        return tickets_bulk_change_status(status=params["status"], **common)
    if action == "priority":
        return tickets_bulk_change_priority(priority=params["priority"], **common)
    if action == "team":
        return tickets_bulk_change_team(team=params["team"], **common)
    if action == "apply_macro":
        return tickets_bulk_apply_macro(macro_id=params["macro"], **common)
    raise TicketInvalid(_("Unknown action."), field="action")


@transaction.atomic
def tickets_bulk_reassign_agent(*, actor: User, agent: User, assignee: User | None, now: datetime) -> list[BulkResult]:
    """A lead's choice when an agent goes away: every open ticket the agent holds goes to
    `assignee`, or back to the queue (None), through tickets_bulk_assign (the same rules and
    events as assigning each one by hand). Never automatic."""
    if not sees_every_team(actor):
        raise TicketForbidden(_("Only leads and admins can reassign another agent's tickets."))
    references = list(
        selectors.tickets_visible_to(actor)
        .filter(assignee_id=agent.pk, status__in=selectors.OPEN_STATUSES)
        .order_by("created_at", "id")
        .values_list("reference", flat=True)
    )
    return tickets_bulk_assign(actor=actor, references=references, assignee=assignee, now=now)


# --- set-based variants: many locked rows, one write --------------------------------------------


class TicketRowLike(Protocol):
    """A locked ticket as a plain row (the SLA sweep's slotted rows) or a Ticket: the attributes
    the set-based services read and change. `team` and `assignee` may be None when not loaded."""

    pk: int
    priority: str
    priority_rank: int
    team_id: int
    team: Team | None
    assignee_id: int | None
    assignee: User | None
    updated_at: datetime


@dataclass
class RowsWrite:
    """What set-based services (and their caller) staged for many locked ticket rows, written by
    flush(): the notes in one INSERT, the changed tickets' fields in one UPDATE (updated_at set to
    `now`), the events in one INSERT in the order staged (audit.record_many), then the hooks. A
    caller composing several services and its own changes (the sweep's breach flags and events)
    shares one write, so a batch costs the same statements whatever the steps did."""

    now: datetime
    events: list[audit.EventRow] = field(default_factory=list)
    changed: dict[int, TicketRowLike] = field(default_factory=dict)
    fields: dict[str, None] = field(default_factory=dict)  # ordered set of model field names
    notes: list[Message] = field(default_factory=list)
    reclassified: dict[int, None] = field(default_factory=dict)
    # Locked tickets (rows or instances) holding audit_head and audit_length: the events' chain
    # heads come from them and advance on them (a service that records on an instance afterwards
    # must see the new head); the other tickets' heads are read in one SELECT (audit.record_many).
    instances: list = field(default_factory=list)

    def change(self, ticket: TicketRowLike, *fields: str) -> None:
        self.changed[ticket.pk] = ticket
        self.fields.update(dict.fromkeys(fields))

    def flush(self, *, model: type = Ticket) -> None:
        if self.notes:
            Message.objects.bulk_create(self.notes, batch_size=1000)
            self.events.extend(
                audit.row(note.ticket_id, Kind.MESSAGE_ADDED, self.now, message_id=note.pk, internal=True, by="system")
                for note in self.notes
            )
        chained = audit.chain(self.events, tickets=[*self.instances, *self.changed.values()])
        if self.changed:
            rows = list(self.changed.values())
            for row in rows:
                row.updated_at = self.now
            fields = [*self.fields, "updated_at"]
            if chained and connection.vendor == "postgresql" and all(hasattr(row, "audit_head") for row in rows):
                # The changed tickets' new chain heads go in this UPDATE: the events' trigger finds
                # them advanced and leaves those rows alone (one row version, not two).
                fields += ["audit_head", "audit_length"]
            update_rows(model, rows, fields)
        audit.insert(self.events)
        if self.notes:
            hooks.emit(hooks.MessagesAdded(messages=tuple(self.notes), by_staff=False, now=self.now))
        if self.reclassified:
            hooks.emit(hooks.TicketsReclassified(ticket_ids=tuple(self.reclassified), now=self.now))
        self.events, self.changed, self.fields, self.notes, self.reclassified = [], {}, {}, [], {}


@dataclass(frozen=True)
class TeamMembership:
    """Who may work on a team's tickets (services._can_work_on: a member, or a lead or admin), for
    many tickets at once, from rows the caller loaded: team id -> member ids, and the users who
    see every team."""

    members: Mapping[int, Collection[int]]
    every_team: Collection[int]

    def can_work_on(self, user_id: int, team_id: int) -> bool:
        # Members first: `every_team` may be loaded lazily, only when a non-member is asked about.
        return user_id in self.members.get(team_id, ()) or user_id in self.every_team


def _staged(write: RowsWrite | None, now: datetime) -> tuple[RowsWrite, bool]:
    return (write, False) if write is not None else (RowsWrite(now=now), True)


def tickets_bulk_raise_priority(
    *,
    tickets: Sequence[TicketRowLike],
    now: datetime,
    reason: str = "",
    actor_id: int | None = None,
    recompute_sla: bool = True,
    write: RowsWrite | None = None,
) -> list[TicketRowLike]:
    """Raise each ticket one priority level (routing.raise_priority; urgent stays urgent), with the
    priority_changed event of ticket_change_priority. A ticket listed twice is raised twice, in
    order. Returns the tickets raised. `recompute_sla=False`: the caller retargets the SLA clocks
    itself (as ticket_update does once for its changes); else TicketsReclassified after the write.
    Without `write`, written at once; with it, staged for the caller's flush()."""
    write, own = _staged(write, now)
    raised = []
    for ticket in tickets:
        if ticket.priority == Priority.URGENT:
            continue
        previous = ticket.priority
        ticket.priority = raise_priority(previous)
        ticket.priority_rank = PRIORITY_RANK[Priority(ticket.priority)]
        write.change(ticket, "priority", "priority_rank")
        write.events.append(
            audit.row(
                ticket.pk,
                Kind.PRIORITY_CHANGED,
                now,
                actor_id=actor_id,
                **{"from": previous, "to": ticket.priority, "reason": reason},
            )
        )
        if recompute_sla:
            write.reclassified[ticket.pk] = None
        raised.append(ticket)
    if own:
        write.flush()
    return raised


def tickets_bulk_move_team(
    *,
    moves: Sequence[tuple[TicketRowLike, Team]],
    membership: TeamMembership,
    now: datetime,
    reason: str = "",
    actor_id: int | None = None,
    recompute_sla: bool = True,
    write: RowsWrite | None = None,
) -> list[TicketRowLike]:
    """Move each ticket to its team, as ticket_change_team: the holder follows only into a team
    they work on (else the ticket is unassigned, and the team_changed event says so). A ticket
    already in that team is left alone. Returns the tickets moved."""
    write, own = _staged(write, now)
    moved = []
    for ticket, team in moves:
        if ticket.team_id == team.pk:
            continue
        previous = ticket.team.code
        ticket.team, ticket.team_id = team, team.pk
        write.change(ticket, "team")
        unassigned = services.move_unassigns(
            ticket.assignee_id, partial(membership.can_work_on, ticket.assignee_id, team.pk)
        )
        if unassigned:
            ticket.assignee, ticket.assignee_id = None, None
            write.change(ticket, "assignee")
        data = {"from": previous, "to": team.code, "unassigned": unassigned}
        if reason:
            data["reason"] = reason
        write.events.append(audit.row(ticket.pk, Kind.TEAM_CHANGED, now, actor_id=actor_id, **data))
        if recompute_sla:
            write.reclassified[ticket.pk] = None
        moved.append(ticket)
    if own:
        write.flush()
    return moved


def tickets_bulk_unassign(
    *,
    tickets: Sequence[TicketRowLike],
    now: datetime,
    reason: str = "",
    actor_id: int | None = None,
    write: RowsWrite | None = None,
) -> list[TicketRowLike]:
    """Back to the queue, as ticket_assign(assignee=None): the unassigned event names the former
    holder. Tickets nobody holds are left alone. Returns the tickets unassigned."""
    write, own = _staged(write, now)
    unassigned = []
    for ticket in tickets:
        if not ticket.assignee_id:
            continue
        previous = ticket.assignee_id
        ticket.assignee, ticket.assignee_id = None, None
        write.change(ticket, "assignee")
        data = {"previous": previous, **({"reason": reason} if reason else {})}
        write.events.append(audit.row(ticket.pk, Kind.UNASSIGNED, now, actor_id=actor_id, **data))
        unassigned.append(ticket)
    if own:
        write.flush()
    return unassigned


def messages_bulk_add_internal_notes(
    *, notes: Sequence[tuple[int, str]], now: datetime, write: RowsWrite | None = None
) -> list[Message]:
    """Internal notes written by the desk itself (no author), one per (ticket id, body): inserted
    in one statement at flush, each with the message_added event of message_add (by "system") and
    MessagesAdded after the write. Internal notes never reach the customer, so nothing is checked
    or sent; the ticket's updated_at is not touched (the caller's own changes do that)."""
    write, own = _staged(write, now)
    staged = [
        Message(ticket_id=ticket_id, author=None, kind=Message.Kind.INTERNAL, body=body, created_at=now)
        for ticket_id, body in notes
    ]
    write.notes.extend(staged)
    if own:
        write.flush()
    return staged


def messages_bulk_add_system(
    *, messages: Sequence[tuple[int, str]], now: datetime, data: dict[str, Any] | None = None, extra_events=()
) -> list[Message]:
    """Public messages written by the desk itself (no author: an incident's update), one per
    (ticket id, body), for tickets the caller decided about: one INSERT of the messages, one
    INSERT of their message_added events (by "system", with `data`) and of `extra_events`
    (audit.record_many, chaining under the tickets' row locks), one UPDATE of the tickets'
    updated_at. Like system_message_post: not a first response, no status move, no hook."""
    staged = [
        Message(ticket_id=ticket_id, author=None, kind=Message.Kind.SYSTEM, body=body, created_at=now)
        for ticket_id, body in messages
    ]
    if not staged:
        return []
    Message.objects.bulk_create(staged, batch_size=1000)
    extra = data or {}
    events = [
        audit.row(
            message.ticket_id, Kind.MESSAGE_ADDED, now, message_id=message.pk, internal=False, by="system", **extra
        )
        for message in staged
    ]
    audit.record_many([*extra_events, *events])
    Ticket.objects.filter(pk__in=[ticket_id for ticket_id, _body in messages]).update(updated_at=now)
    return staged
