"""Applying a batch's decisions: the steps' alerts, internal notes, webhooks and ticket changes
(through the set-based ticket services of tickets.bulk, staged in the batch's RowsWrite: one
ticket UPDATE, one notes INSERT and one events INSERT per batch), the retarget of a raised
ticket's clocks, and the outbox rows (relayed after commit)."""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from django.db import transaction

from accounts.models import CustomerProfile, User
from notifications.models import OutboxMessage
from notifications.services import relay_many
from notifications.webhooks import WebhookEvent, webhook_enqueue
from tickets.bulk import (
    RowsWrite,
    TeamMembership,
    messages_bulk_add_internal_notes,
    tickets_bulk_move_team,
    tickets_bulk_raise_priority,
    tickets_bulk_unassign,
)
from tickets.models import TicketEvent

from ..clock_schedule import ACTIVE_STATES, retarget_clock, schedule_clock
from ..models import EscalationFiring, EscalationStep, SlaClock
from ..notifications import step_webhook_event
from ..policies import PolicyFacts
from .context import SweepContext, SweepResult
from .ladder import TicketAsks
from .rows import CLOCK_COLUMNS, ClockRow, TicketRow

Kind = TicketEvent.Kind


def staff_alert(*, to: User, ticket: TicketRow, clock: ClockRow, step: EscalationStep | None, kind: str) -> dict | None:
    """One staff alert, as compact data; the worker that fans the batch out builds the e-mail
    (notifications.services._fan_out), so the sweep's transaction stays small."""
    if not to.email:
        return None
    return {
        "to": to.email,
        "name": to.first_name or to.username,
        "ref": ticket.reference,
        "metric": clock.metric,
        "percent": step.percent if step else 100,
        "kind": kind,
        "due": clock.due_at.isoformat() if clock.due_at else None,
    }


def recipients(
    step: EscalationStep, ticket: TicketRow, members: dict[int, list[User]], context: SweepContext
) -> dict[int, User]:
    people: dict[int, User] = {}

    def add(users):
        for user in users:
            if user is not None and user.is_active:
                people[user.pk] = user

    if step.notify_assignee:
        add([ticket.assignee] if ticket.assignee else members.get(ticket.team_id, []))
    if step.notify_team:
        add(members.get(ticket.team_id, []))
    if step.notify_team_lead:
        add([ticket.team.lead])
    if step.notify_leads_and_admins:
        add(context.leads_and_admins())
    add(context.named_users(step))
    return people


def notify(
    step: EscalationStep, ticket, clock, members: dict[int, list[User]], context: SweepContext, alerts: list[dict]
) -> list[str]:
    """Queue a step's alerts; the actions it took, for the step's event."""
    actions = []
    for person in recipients(step, ticket, members, context).values():
        alert = staff_alert(to=person, ticket=ticket, clock=clock, step=step, kind=step.event_kind)
        if alert:
            alerts.append(alert)
            actions.append(f"notify:{person.username}")
    return actions


def apply_ticket_asks(
    step: EscalationStep,
    ticket: TicketRow,
    asks: TicketAsks,
    *,
    write: RowsWrite,
    membership: Callable[[], TeamMembership],
    now: datetime,
) -> bool:
    """What a fired step asks of its (locked) ticket, through the set-based ticket services, staged
    in the batch's write: raise the priority, move to the step's team (the holder follows only into
    a team they work on), unassign. One step at a time, in ladder order, so a ticket two steps
    change in one batch gets the events a sweep per step would have written. The sweep retargets
    the raised tickets' clocks itself (effects.retarget_raised, in the batch's clock UPDATE), hence
    recompute_sla=False. Returns whether the priority was raised."""
    common = {"now": now, "reason": "escalation", "write": write}
    raised = asks.raise_priority and bool(tickets_bulk_raise_priority(tickets=[ticket], recompute_sla=False, **common))
    if asks.move_to_team_id:
        tickets_bulk_move_team(
            moves=[(ticket, step.move_to_team)], membership=membership(), recompute_sla=False, **common
        )
    if asks.unassign:
        tickets_bulk_unassign(tickets=[ticket], **common)
    return raised


def note_and_webhook(
    step: EscalationStep, ticket, clock, now: datetime, write: RowsWrite, outbox: list, result: SweepResult
) -> list[str]:
    """A step's internal note and webhook (after its ticket changes: the webhook says the ticket as it is)."""
    actions = []
    if step.internal_note:
        messages_bulk_add_internal_notes(notes=[(ticket.pk, step.internal_note)], now=now, write=write)
        actions.append("internal_note")
    # Every fired step is an event (ticket.sla_warning/sla_breached/escalated); it becomes a delivery
    # per subscribed endpoint and for the step's own endpoint (sla.notifications; none: no row).
    outbox.append(step_webhook_event(step=step, ticket=ticket, clock=clock, now=now))
    if step.webhook_endpoint_id:
        actions.append("webhook")
    return actions


def write_effects(*, alerts: list[dict], outbox: list, now: datetime, result: SweepResult) -> None:
    """The fired steps' outbox rows, in one statement (their notes, ticket changes and events are
    written by the batch's RowsWrite)."""
    if alerts:
        # One row for the batch's alerts, written with the firings; the worker turns it into one
        # outbox row per e-mail. Thousands of e-mail rows must not lengthen the sweep's transaction.
        outbox.append(
            OutboxMessage(
                kind=OutboxMessage.Kind.EMAIL_BATCH,
                recipient=f"{len(alerts)} recipients",
                subject="SLA alerts",
                payload={"emails": alerts},
                purpose="sla_alerts",
                created_at=now,
                next_attempt_at=now,
            )
        )
        result.emails += len(alerts)
    webhook_events = [item for item in outbox if isinstance(item, WebhookEvent)]
    outbox = [item for item in outbox if not isinstance(item, WebhookEvent)]
    # The batch's webhook deliveries in one INSERT (none when no endpoint wants them).
    result.webhooks += len(webhook_enqueue(webhook_events, now=now))
    if outbox:
        OutboxMessage.objects.bulk_create(outbox, batch_size=1000)
        ids = [row.pk for row in outbox]
        transaction.on_commit(lambda: relay_many(ids))


# What an escalation's priority raise may change on a clock (tickets' other clocks included).
RETARGET_FIELDS = [
    "policy",
    "calendar",
    "target_seconds",
    "elapsed_seconds",
    "segment_started_at",
    "due_at",
    "next_check_at",
    "breached_at",
]


def retarget_raised(
    raised: set[int],
    tickets: dict[int, TicketRow],
    batch: list[ClockRow],
    done_by_clock: dict[int, set[int]],
    others: list[ClockRow],
    context: SweepContext,
    now: datetime,
) -> dict[int, ClockRow]:
    """A step raised these tickets' priority: their open clocks take the new priority's targets,
    each from its own policy, as after a manual priority change (services.recompute_ticket_clocks),
    except that a due time never moves later, and a clock already breached keeps the promise it
    broke (its own ladder goes on against that target). Returns the clocks changed, by id; the
    batch's own clocks are changed in place and scheduled by the caller. Fills `others` with the
    tickets' active clocks outside the batch."""
    facts = {
        ticket_id: PolicyFacts(
            category_id=tickets[ticket_id].category_id,
            priority=tickets[ticket_id].priority,
            tier=tickets[ticket_id].tier or CustomerProfile.Tier.STANDARD,
            channel=tickets[ticket_id].channel,
            is_complaint=tickets[ticket_id].is_complaint,
        )
        for ticket_id in raised
    }
    in_batch = {clock.pk for clock in batch}
    # Every other active clock of these tickets (breached ones too: they count for the nearest due).
    query = SlaClock.objects.filter(ticket_id__in=raised, state__in=ACTIVE_STATES).exclude(pk__in=in_batch)
    others[:] = [ClockRow(*row) for row in query.values_list(*CLOCK_COLUMNS)]
    # Their firings in a second statement: a correlated subquery per clock would be planned
    # against the firings table's statistics, stale after a burst (a scan of it per clock).
    cycles = {clock.pk: clock.cycle for clock in others if clock.breached_at is None}
    if cycles:
        for clock_id, step_id, cycle in EscalationFiring.objects.filter(clock__in=list(cycles)).values_list(
            "clock_id", "step_id", "cycle"
        ):
            if cycle == cycles[clock_id]:
                done_by_clock.setdefault(clock_id, set()).add(step_id)
    changed: dict[int, ClockRow] = {}
    for clock in [c for c in batch if c.ticket_id in raised] + others:
        if clock.state not in ACTIVE_STATES or clock.breached_at is not None or clock.ticket_id not in facts:
            continue
        policy, seconds = context.target_for(facts[clock.ticket_id], clock.metric)
        if policy is None:
            continue  # an escalation never takes a promise away
        candidate = replace(clock)
        retarget_clock(candidate, policy=policy, seconds=seconds, schedule_for=context.schedule, now=now)
        done = done_by_clock.get(clock.pk, set())
        context.ladder(candidate.policy_id, candidate.metric)  # loaded once for all threads
        schedule_clock(
            candidate, schedule=context.schedule(candidate.calendar_id), fired_step_ids=done, steps_cache=context.steps
        )
        if clock.state == SlaClock.State.RUNNING:
            later = clock.due_at is not None and (candidate.due_at is None or candidate.due_at > clock.due_at)
        else:  # paused: no due time, compare what is left to run
            later = candidate.target_seconds - candidate.elapsed_seconds > clock.target_seconds - clock.elapsed_seconds
        if later or (candidate.target_seconds, candidate.policy_id) == (clock.target_seconds, clock.policy_id):
            continue
        for name in ("policy_id", "calendar_id", "target_seconds", "elapsed_seconds", "segment_started_at"):
            setattr(clock, name, getattr(candidate, name))
        if clock.pk not in in_batch:
            # Not swept in this pass yet: when a step is now due, a later batch takes it.
            clock.due_at, clock.next_check_at = candidate.due_at, candidate.next_check_at
        changed[clock.pk] = clock
    return changed


def refresh_due(raised: set[int], tickets: dict[int, TicketRow], clocks: list[ClockRow]) -> None:
    """The raised tickets' nearest due time (services.refresh_ticket_due) from all their active clocks."""
    due: dict[int, datetime] = {}
    for clock in clocks:
        if clock.ticket_id in raised and clock.state == SlaClock.State.RUNNING and clock.due_at is not None:
            due[clock.ticket_id] = min(clock.due_at, due.get(clock.ticket_id, clock.due_at))
    for ticket_id in raised:
        tickets[ticket_id].sla_due_at = due.get(ticket_id)


def where(ticket) -> dict[str, str | int | None]:
    """Where the ticket stood, as an SLA event records it (sla.reports counts breaches by these):
    team and category codes, priority, channel and the assignee's id."""
    return {
        "team": ticket.team.code,
        "category": ticket.category.code,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "assignee": ticket.assignee_id if ticket.assignee_id is not None else "",  # "": nobody
    }


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
