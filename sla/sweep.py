"""The sweep: take due clocks in batches, fire their ladder steps exactly once, set the next check.

Per batch the work is set-based: one locking read, one INSERT … ON CONFLICT DO NOTHING
RETURNING for the firings (the unique row per clock, step and cycle is what makes a step fire
once whatever the number of workers or retries), and bulk writes for events, notes, ticket
changes and outbox rows. Its cost follows the number of due clocks, not of tickets.
"""

import logging
import threading
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q

from accounts.models import CustomerProfile, User
from accounts.roles import ROLE_GROUPS, Role
from notifications.models import OutboxMessage
from notifications.services import relay_many
from support_desk.bulk_sql import array_literal, update_rows
from tickets import audit
from tickets.models import PRIORITY_RANK, Category, Message, Priority, Team, Ticket, TicketEvent
from tickets.queue_version import queue_version_bump
from tickets.routing import raise_priority

from .models import BusinessCalendar, EscalationFiring, EscalationStep, SlaClock, SlaPolicy
from .services import (
    ACTIVE_STATES,
    PolicyFacts,
    active_policies,
    elapsed_seconds,
    ladder_steps,
    matching_policies,
    policy_for_metric,
    retarget_clock,
    schedule_clock,
    target_seconds,
)
from .working_time import Schedule

logger = logging.getLogger(__name__)
Kind = TicketEvent.Kind
FIRING_CHUNK = 500


@dataclass
class SweepResult:
    clocks: int = 0
    steps_fired: int = 0
    breaches: int = 0
    emails: int = 0
    webhooks: int = 0
    batches: int = 0
    fired_by_kind: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @classmethod
    def merge(cls, results: list["SweepResult"]) -> "SweepResult":
        total = cls()
        for part in results:
            for name, count in part.as_dict().items():
                setattr(total, name, getattr(total, name) + count)
            for kind, count in part.fired_by_kind.items():
                total.fired_by_kind[kind] += count
        return total

    def as_dict(self) -> dict:
        return {
            "clocks": self.clocks,
            "steps_fired": self.steps_fired,
            "breaches": self.breaches,
            "emails": self.emails,
            "webhooks": self.webhooks,
            "batches": self.batches,
        }


class _Context:
    """What a sweep caches across batches: calendars, ladders, policies, teams, categories, the
    leads-and-admins list. The parallel sweepers of one sweep share one cache (`shared`): each
    thread keeps only its partition and the clocks it skipped, and nothing is loaded twice."""

    def __init__(self, partition: tuple[int, int] | None = None, shared: "_Context | None" = None) -> None:
        self.partition = partition
        self.skipped: set[int] = set()
        self._shared = shared
        if shared is not None:
            self._lock = shared._lock
            self.schedules, self.steps = shared.schedules, shared.steps
            self._named, self._teams, self._categories = shared._named, shared._teams, shared._categories
            self._matching, self._targets = shared._matching, shared._targets
            return
        # Loads happen under the lock: a second thread waits for the first one's rows instead
        # of reading the same configuration again.
        self._lock = threading.RLock()
        self.schedules: dict[int | None, Schedule] = {None: Schedule()}
        self.steps: dict = {}
        self._leads: list[User] | None = None
        self._named: dict[int, list[User]] = {}
        self._teams: dict[int, Team] = {}
        self._categories: dict[int, Category] = {}
        self._policies: list[SlaPolicy] | None = None
        self._matching: dict[PolicyFacts, list[SlaPolicy]] = {}
        self._targets: dict[tuple[PolicyFacts, str], tuple[SlaPolicy | None, int | None]] = {}

    def policies(self) -> list[SlaPolicy]:
        """The active policies, loaded once per sweep (only when a step raised a priority). The
        retarget reads their conditions and targets; calendars come from schedule()."""
        if self._shared is not None:
            return self._shared.policies()
        with self._lock:
            if self._policies is None:
                self._policies = active_policies(calendars=False)
            return self._policies

    def target_for(self, facts: PolicyFacts, metric: str) -> tuple[SlaPolicy | None, int | None]:
        """The policy giving this metric's target to tickets with these facts, and the target in
        seconds (services.policy_for_metric): worked out once per sweep for each set of facts
        and metric, not per clock (a batch's tickets share a few sets of facts)."""
        key = (facts, metric)
        if key not in self._targets:
            matching = self._matching.get(facts)
            if matching is None:
                matching = self._matching.setdefault(facts, matching_policies(facts, self.policies()))
            policy = policy_for_metric(facts, metric, matching=matching)
            seconds = target_seconds(policy, priority=facts.priority, metric=metric) if policy else None
            self._targets[key] = (policy, seconds)
        return self._targets[key]

    def team(self, team_id: int) -> Team:
        """Teams (with their lead) and categories are few: loaded once per sweep, not per ticket."""
        with self._lock:
            if team_id not in self._teams:
                self._teams.update((team.pk, team) for team in Team.objects.select_related("lead"))
            return self._teams[team_id]

    def category(self, category_id: int) -> Category:
        with self._lock:
            if category_id not in self._categories:
                self._categories.update((category.pk, category) for category in Category.objects.all())
            return self._categories[category_id]

    def schedule(self, calendar_id: int | None) -> Schedule:
        if calendar_id in self.schedules:
            return self.schedules[calendar_id]
        with self._lock:
            if calendar_id not in self.schedules:
                calendar = (
                    BusinessCalendar.objects.prefetch_related("intervals", "holidays").filter(pk=calendar_id).first()
                )
                self.schedules[calendar_id] = Schedule.from_calendar(calendar)
            return self.schedules[calendar_id]

    def ladder(self, policy_id: int | None, metric: str) -> list[EscalationStep]:
        if (policy_id, metric) in self.steps:
            return self.steps[(policy_id, metric)]
        with self._lock:
            return ladder_steps(policy_id, metric, self.steps)

    def named_users(self, step: EscalationStep) -> list[User]:
        with self._lock:
            if step.pk not in self._named:
                self._named[step.pk] = list(step.notify_users.all())
            return self._named[step.pk]

    def can_work_on(self, user_id: int, team_id: int, members: dict[int, list[User]]) -> bool:
        """tickets.services._can_work_on for a whole batch: a member of the team, or a lead or admin."""
        return user_id in {user.pk for user in members.get(team_id, [])} or user_id in {
            user.pk for user in self.leads_and_admins()
        }

    def leads_and_admins(self) -> list[User]:
        if self._shared is not None:
            return self._shared.leads_and_admins()
        with self._lock:
            if self._leads is None:
                self._leads = list(
                    User.objects.filter(is_active=True)
                    .filter(
                        Q(is_superuser=True) | Q(groups__name__in=[ROLE_GROUPS[Role.LEAD], ROLE_GROUPS[Role.ADMIN]])
                    )
                    .distinct()
                )
            return self._leads


# A batch reads a thousand clocks and tickets: as plain rows (slots), not model instances, whose
# construction would cost more than the SQL. The attribute names are the models' own, so the
# services' clock arithmetic (elapsed_seconds, schedule_clock) and _update_rows take them as they are.
CLOCK_COLUMNS = (
    "id",
    "ticket_id",
    "policy_id",
    "calendar_id",
    "metric",
    "state",
    "cycle",
    "target_seconds",
    "segment_started_at",
    "elapsed_seconds",
    "due_at",
    "breached_at",
    "next_check_at",
)
TICKET_COLUMNS = (
    "id",
    "reference",
    "status",
    "priority",
    "priority_rank",
    "sla_breached",
    "breached_metrics",
    "updated_at",
    "team_id",
    "category_id",
    "assignee_id",
    "sla_due_at",
    # What a policy's conditions look at (the retarget after a priority raise), with the lock.
    "channel",
    "is_complaint",
    "requester__customer_profile__tier",
)


@dataclass(slots=True)
class ClockRow:
    id: int
    ticket_id: int
    policy_id: int | None
    calendar_id: int | None
    metric: str
    state: str
    cycle: int
    target_seconds: int
    segment_started_at: datetime | None
    elapsed_seconds: float
    due_at: datetime | None
    breached_at: datetime | None
    next_check_at: datetime | None

    @property
    def pk(self) -> int:
        return self.id


@dataclass(slots=True)
class TicketRow:
    id: int
    reference: str
    status: str
    priority: str
    priority_rank: int
    sla_breached: bool
    breached_metrics: list[str]
    updated_at: datetime
    team_id: int
    category_id: int
    assignee_id: int | None
    sla_due_at: datetime | None
    channel: str
    is_complaint: bool
    tier: str | None
    team: Team | None = None
    category: Category | None = None
    assignee: User | None = None

    @property
    def pk(self) -> int:
        return self.id

    def move_to(self, team: Team) -> None:
        self.team, self.team_id = team, team.pk

    def unassign(self) -> None:
        self.assignee, self.assignee_id = None, None


def lock_due_query(
    now: datetime, batch_size: int, skipped: set[int] = frozenset(), partition: tuple[int, int] | None = None
):
    """The locking read of one batch: due clocks in due order, rows other sweepers hold skipped.
    (Public for bench/sla_sweep.py, which EXPLAINs this very statement.)"""
    query = SlaClock.objects.filter(next_check_at__lte=now).order_by("next_check_at")
    if partition is not None:
        # Parallel sweepers split by ticket: two clocks of one ticket never go to two sweepers,
        # which would each hold what the other needs (one would skip the ticket until next time).
        index, count = partition
        query = query.alias(partition=F("ticket_id") % count).filter(partition=index)
    if skipped:
        query = query.exclude(pk__in=skipped)
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True, of=("self",))
    return query.values_list(*CLOCK_COLUMNS)[:batch_size]


def _lock_due_batch(
    now: datetime, batch_size: int, skipped: set[int], partition: tuple[int, int] | None = None
) -> list[ClockRow]:
    query = lock_due_query(now, batch_size, skipped, partition)
    if connection.vendor != "postgresql":
        return [ClockRow(*row) for row in query]
    with connection.cursor() as cursor:
        # Statistics taken before a burst fell due make the planner pick a bitmap scan that reads
        # and sorts every due clock for each batch; walking the partial index in order stops
        # after batch_size rows whatever the estimate. Local to this transaction.
        cursor.execute("SELECT set_config('enable_bitmapscan', 'off', true)")
        rows = [ClockRow(*row) for row in query]
        cursor.execute("SELECT set_config('enable_bitmapscan', 'on', true)")
    return rows


PERSON_FIELDS = ("id", "email", "first_name", "username", "is_active")


def _lock_tickets(ticket_ids: set[int], context: "_Context") -> dict[int, TicketRow]:
    """The batch's tickets, locked. Ticket services lock the ticket, then its clocks; the sweep
    locks clocks, then tickets. Skipping tickets a request holds (instead of waiting) rules out a
    deadlock: those clocks stay due and the next sweep takes them."""
    query = Ticket.objects.filter(pk__in=ticket_ids).order_by()
    if connection.features.has_select_for_update_skip_locked:
        query = query.select_for_update(skip_locked=True, no_key=True, of=("self",))
    tickets = {row[0]: TicketRow(*row) for row in query.values_list(*TICKET_COLUMNS)}
    assignee_ids = {ticket.assignee_id for ticket in tickets.values() if ticket.assignee_id}
    assignees = (
        {user.pk: user for user in User.objects.filter(pk__in=assignee_ids).only(*PERSON_FIELDS)}
        if assignee_ids
        else {}
    )
    for ticket in tickets.values():
        ticket.team = context.team(ticket.team_id)
        ticket.category = context.category(ticket.category_id)
        ticket.assignee = assignees.get(ticket.assignee_id)
    return tickets


# The ticket columns the sweep may change; the rows are locked, so writing them all is safe.
TICKET_SWEEP_FIELDS = [
    "sla_breached",
    "breached_metrics",
    "priority",
    "priority_rank",
    "team",
    "assignee",
    "sla_due_at",
    "updated_at",
]


def _insert_firings(rows: list[tuple[int, int, int]], now: datetime) -> set[tuple[int, int]]:
    """Insert (clock, step, cycle) rows; return the (clock, step) pairs this call inserted."""
    inserted: set[tuple[int, int]] = set()
    table = EscalationFiring._meta.db_table
    conflict = "ON CONFLICT (clock_id, step_id, cycle) DO NOTHING RETURNING clock_id, step_id"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement whatever the batch: three arrays, not four placeholders per row.
            clock_ids, step_ids, cycles = (list(column) for column in zip(*rows, strict=True))
            cursor.execute(
                f"INSERT INTO {table} (clock_id, step_id, cycle, fired_at) "
                "SELECT v.clock_id, v.step_id, v.cycle, %s "
                f"FROM unnest(%s::bigint[], %s::bigint[], %s::integer[]) AS v(clock_id, step_id, cycle) {conflict}",
                [now, *(array_literal(column, "number") for column in (clock_ids, step_ids, cycles))],
            )
            inserted.update((row[0], row[1]) for row in cursor.fetchall())
            return inserted
        for offset in range(0, len(rows), FIRING_CHUNK):
            chunk = rows[offset : offset + FIRING_CHUNK]
            values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
            params = [value for clock_id, step_id, cycle in chunk for value in (clock_id, step_id, cycle, now)]
            sql = f"INSERT INTO {table} (clock_id, step_id, cycle, fired_at) VALUES {values} {conflict}"
            cursor.execute(sql, params)
            inserted.update((row[0], row[1]) for row in cursor.fetchall())
    return inserted


def _mark_breached(clock_ids: list[int], now: datetime) -> set[int]:
    """Only the sweep that flips breached_at from empty records the breach. On PostgreSQL the
    batch's clocks are locked FOR UPDATE by this transaction, so the rows read are the truth and
    the final clock update writes breached_at; elsewhere a conditional update decides."""
    if not clock_ids:
        return set()
    if connection.features.has_select_for_update_skip_locked:
        return set(clock_ids)
    table = SlaClock._meta.db_table
    marked: set[int] = set()
    with connection.cursor() as cursor:
        for offset in range(0, len(clock_ids), FIRING_CHUNK):
            chunk = clock_ids[offset : offset + FIRING_CHUNK]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {table} SET breached_at = %s "
                f"WHERE id IN ({placeholders}) AND breached_at IS NULL RETURNING id",
                [now, *chunk],
            )
            marked.update(row[0] for row in cursor.fetchall())
    return marked


def _alert(*, to: User, ticket: TicketRow, clock: ClockRow, step: EscalationStep | None, kind: str) -> dict | None:
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


def _webhook_row(
    *, step: EscalationStep, ticket: TicketRow, clock: ClockRow, kind: str, now: datetime
) -> OutboxMessage:
    return OutboxMessage(
        kind=OutboxMessage.Kind.WEBHOOK,
        recipient=step.webhook_url,
        subject=f"{kind} {ticket.reference}",
        payload={
            "step_id": step.pk,
            "body": {
                "event": kind,
                "ticket": {
                    "reference": ticket.reference,
                    "priority": ticket.priority,
                    "status": ticket.status,
                    "team": ticket.team.code,
                    "category": ticket.category.code,
                },
                "sla": {
                    "metric": clock.metric,
                    "percent": step.percent,
                    "cycle": clock.cycle,
                    "due_at": clock.due_at.isoformat() if clock.due_at else None,
                },
                "at": now.isoformat(),
            },
        },
        purpose=f"sla_{kind}",
        ticket_reference=ticket.reference,
        created_at=now,
        next_attempt_at=now,
    )


def _recipients(
    step: EscalationStep, ticket: TicketRow, members: dict[int, list[User]], context: _Context
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


def _notify(
    step: EscalationStep, ticket, clock, members: dict[int, list[User]], context: _Context, alerts: list[dict]
) -> list[str]:
    """Queue a step's alerts; the actions it took, for the step's event."""
    actions = []
    for person in _recipients(step, ticket, members, context).values():
        alert = _alert(to=person, ticket=ticket, clock=clock, step=step, kind=step.event_kind)
        if alert:
            alerts.append(alert)
            actions.append(f"notify:{person.username}")
    return actions


def _note_and_webhook(
    step: EscalationStep, ticket, clock, now: datetime, notes: list[Message], outbox: list, result: SweepResult
) -> list[str]:
    """A step's internal note and webhook (after its ticket changes: the webhook says the ticket as it is)."""
    actions = []
    if step.internal_note:
        notes.append(
            Message(
                ticket_id=ticket.pk, author=None, kind=Message.Kind.INTERNAL, body=step.internal_note, created_at=now
            )
        )
        actions.append("internal_note")
    if step.webhook_url:
        outbox.append(_webhook_row(step=step, ticket=ticket, clock=clock, kind=step.event_kind, now=now))
        result.webhooks += 1
        actions.append("webhook")
    return actions


def _write_effects(
    *, events: list, notes: list[Message], alerts: list[dict], outbox: list, now: datetime, result: SweepResult
) -> None:
    """Notes, audit events and outbox rows of fired steps, each kind in one statement."""
    if notes:
        Message.objects.bulk_create(notes, batch_size=1000)
        events.extend(
            audit.row(note.ticket_id, Kind.MESSAGE_ADDED, now, message_id=note.pk, internal=True, by="system")
            for note in notes
        )
    audit.record_many(events)
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
    if outbox:
        OutboxMessage.objects.bulk_create(outbox, batch_size=1000)
        ids = [row.pk for row in outbox]
        transaction.on_commit(lambda: relay_many(ids))


def _sweep_batch(now: datetime, batch_size: int, context: _Context, result: SweepResult) -> int:
    clocks = _lock_due_batch(now, batch_size, context.skipped, context.partition)
    if not clocks:
        return 0
    taken = len(clocks)
    tickets = _lock_tickets({c.ticket_id for c in clocks}, context)
    context.skipped.update(c.pk for c in clocks if c.ticket_id not in tickets)
    clocks = [c for c in clocks if c.ticket_id in tickets]
    fired_before: dict[int, set[int]] = defaultdict(set)
    for clock_id, step_id, cycle in EscalationFiring.objects.filter(clock__in=[c.id for c in clocks]).values_list(
        "clock_id", "step_id", "cycle"
    ):
        fired_before[(clock_id, cycle)].add(step_id)

    wanted: list[tuple[int, int, int]] = []
    crossing: list[int] = []
    steps_by_id: dict[int, EscalationStep] = {}
    for clock in clocks:
        schedule = context.schedule(clock.calendar_id)
        elapsed = elapsed_seconds(clock, schedule, now)
        # A microsecond of float error must not delay a step by a whole sweep.
        reached = elapsed / clock.target_seconds * 100 + 1e-9
        done = fired_before[(clock.pk, clock.cycle)]
        for step in context.ladder(clock.policy_id, clock.metric):
            steps_by_id[step.pk] = step
            if step.percent <= reached and step.pk not in done:
                wanted.append((clock.pk, step.pk, clock.cycle))
        if clock.breached_at is None and reached >= 100:
            crossing.append(clock.pk)

    fired = _insert_firings(wanted, now) if wanted else set()
    breached = _mark_breached(crossing, now)

    # Members of the batch's teams and of the teams steps move tickets to.
    team_ids = {tickets[c.ticket_id].team_id for c in clocks}
    team_ids |= {step.move_to_team_id for step in steps_by_id.values() if step.move_to_team_id}
    members: dict[int, list[User]] = defaultdict(list)
    for membership in Team.members.through.objects.filter(team_id__in=team_ids).select_related("user"):
        members[membership.team_id].append(membership.user)

    events: list[audit.EventRow] = []
    outbox: list[OutboxMessage] = []
    alerts: list[dict] = []
    notes: list[Message] = []
    # Tickets a step changed; all TICKET_SWEEP_FIELDS of these (locked) rows are written back.
    changed_tickets: set[int] = set()
    raised: set[int] = set()  # tickets whose priority a step raised: their clocks get the new targets
    fired_by_clock: dict[int, list[EscalationStep]] = defaultdict(list)
    for clock_id, step_id in sorted(fired, key=lambda pair: (pair[0], steps_by_id[pair[1]].percent)):
        fired_by_clock[clock_id].append(steps_by_id[step_id])

    for clock in clocks:
        ticket = tickets[clock.ticket_id]
        # Where the ticket stood when the clock ran out (before any step moves it): the report
        # counts breaches by these, with no join to the tickets.
        where = _where(ticket)
        # The promise broke at the due time, not when this sweep noticed (seconds or, after a
        # worker outage, hours later): the clock and its breach event say so.
        breach_moment = min(clock.due_at, now) if clock.due_at else now
        if clock.pk in breached:
            clock.breached_at = breach_moment
            result.breaches += 1
            if clock.metric not in ticket.breached_metrics:
                ticket.breached_metrics = [*ticket.breached_metrics, clock.metric]
            ticket.sla_breached = True
            changed_tickets.add(ticket.pk)
            if not any(step.percent == 100 for step in fired_by_clock[clock.pk]):
                events.append(
                    audit.row(
                        ticket.pk,
                        Kind.SLA_BREACHED,
                        breach_moment,
                        metric=clock.metric,
                        cycle=clock.cycle,
                        percent=100,
                        due_at=_iso(clock.due_at),
                        **where,
                    )
                )
        for step in fired_by_clock[clock.pk]:
            kind = step.event_kind
            result.steps_fired += 1
            result.fired_by_kind[kind] += 1
            actions = _notify(step, ticket, clock, members, context, alerts)
            # A step never changes the ticket for a clock that has already ended (fulfilled or
            # stopped): only its notifications are due, as in sla_clock_catch_up.
            changes = clock.state in ACTIVE_STATES
            if changes and step.raise_priority and ticket.priority != Priority.URGENT:
                previous = ticket.priority
                ticket.priority = raise_priority(ticket.priority)
                ticket.priority_rank = PRIORITY_RANK[Priority(ticket.priority)]
                changed_tickets.add(ticket.pk)
                raised.add(ticket.pk)
                events.append(
                    audit.row(
                        ticket.pk,
                        Kind.PRIORITY_CHANGED,
                        now,
                        **{"from": previous, "to": ticket.priority, "reason": "escalation"},
                    )
                )
            if changes and step.move_to_team_id and step.move_to_team_id != ticket.team_id:
                previous_team = ticket.team.code
                ticket.move_to(step.move_to_team)
                changed_tickets.add(ticket.pk)
                if ticket.assignee_id and not context.can_work_on(ticket.assignee_id, ticket.team_id, members):
                    # As tickets.services.ticket_change_team: the holder follows only into a team they work.
                    ticket.unassign()
                    changed_tickets.add(ticket.pk)
                events.append(
                    audit.row(
                        ticket.pk,
                        Kind.TEAM_CHANGED,
                        now,
                        **{"from": previous_team, "to": step.move_to_team.code, "reason": "escalation"},
                    )
                )
            if changes and step.unassign and ticket.assignee_id:
                previous_assignee = ticket.assignee_id
                ticket.unassign()
                changed_tickets.add(ticket.pk)
                events.append(
                    audit.row(ticket.pk, Kind.UNASSIGNED, now, previous=previous_assignee, reason="escalation")
                )
            actions += _note_and_webhook(step, ticket, clock, now, notes, outbox, result)
            events.append(
                audit.row(
                    ticket.pk,
                    kind,
                    breach_moment if kind == Kind.SLA_BREACHED else now,
                    metric=clock.metric,
                    percent=step.percent,
                    cycle=clock.cycle,
                    step_id=step.pk,
                    due_at=_iso(clock.due_at),
                    actions=actions,
                    **where,
                )
            )

    _write_effects(events=events, notes=notes, alerts=alerts, outbox=outbox, now=now, result=result)

    retargeted: dict[int, ClockRow] = {}
    others: list[ClockRow] = []  # the raised tickets' clocks outside the batch
    read_due = {clock.pk: clock.due_at for clock in clocks}  # as locked, before scheduling
    if raised:
        done_by_clock = {
            clock.pk: fired_before[(clock.pk, clock.cycle)] | {step.pk for step in fired_by_clock[clock.pk]}
            for clock in clocks
        }
        retargeted = _retarget_raised(raised, tickets, clocks, done_by_clock, others, context, now)
    for clock in clocks:
        done = fired_before[(clock.pk, clock.cycle)] | {step.pk for step in fired_by_clock[clock.pk]}
        schedule_clock(
            clock, schedule=context.schedule(clock.calendar_id), fired_step_ids=done, steps_cache=context.steps
        )
        if clock.next_check_at is not None and clock.next_check_at <= now:
            # Rounding can leave a step a hair in the future; never spin on the same clock.
            clock.next_check_at = now + timedelta(seconds=1)
    if raised:
        _refresh_due(raised, tickets, [*clocks, *others])
    if changed_tickets:
        rows = [tickets[ticket_id] for ticket_id in changed_tickets]
        for row in rows:
            row.updated_at = now
        update_rows(Ticket, rows, TICKET_SWEEP_FIELDS)
    if retargeted:
        # One UPDATE for the batch and the retargeted clocks: the batch's other clocks write their
        # retarget fields as read (their due time too: only a retarget writes a new one).
        rows = [clock if clock.pk in retargeted else replace(clock, due_at=read_due[clock.pk]) for clock in clocks] + [
            clock for clock in retargeted.values() if clock.pk not in read_due
        ]
        update_rows(SlaClock, rows, RETARGET_FIELDS)
    else:
        update_rows(SlaClock, clocks, ["next_check_at", "breached_at"])
    if changed_tickets or events:
        # These UPDATEs bypass Ticket.save(): tell the agents' queue polls, once for the batch.
        queue_version_bump()
    result.clocks += len(clocks)
    return taken


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


def _retarget_raised(
    raised: set[int],
    tickets: dict[int, TicketRow],
    batch: list[ClockRow],
    done_by_clock: dict[int, set[int]],
    others: list[ClockRow],
    context: _Context,
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


def _refresh_due(raised: set[int], tickets: dict[int, TicketRow], clocks: list[ClockRow]) -> None:
    """The raised tickets' nearest due time (services.refresh_ticket_due) from all their active clocks."""
    due: dict[int, datetime] = {}
    for clock in clocks:
        if clock.ticket_id in raised and clock.state == SlaClock.State.RUNNING and clock.due_at is not None:
            due[clock.ticket_id] = min(clock.due_at, due.get(clock.ticket_id, clock.due_at))
    for ticket_id in raised:
        tickets[ticket_id].sla_due_at = due.get(ticket_id)


def _where(ticket) -> dict[str, str | int | None]:
    """Where the ticket stood, as an SLA event records it (sla.reports counts breaches by these):
    team and category codes, priority, channel and the assignee's id."""
    return {
        "team": ticket.team.code,
        "category": ticket.category.code,
        "priority": ticket.priority,
        "channel": ticket.channel,
        "assignee": ticket.assignee_id if ticket.assignee_id is not None else "",  # "": nobody
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def sla_clock_catch_up(
    *,
    ticket: Ticket,
    clock: SlaClock,
    reached: float,
    moments: dict[int, datetime],
    breach_recorded: bool,
    now: datetime,
) -> SweepResult:
    """What the sweep would have done for a clock that ends (fulfilled or stopped) after its due
    time, had it run in time: the breach at the due time (when the caller is the one that set
    breached_at), the ticket's breach flags, and each ladder step reached and not fired yet, once
    (the firing row per clock, step and cycle decides, as in the sweep). Only the steps'
    notifications act: raising the priority, moving or unassigning the ticket would act on a
    promise that has already ended. `moments` maps each step's percent (and 100) to when the clock
    reached it; the events carry those times. Called by the ticket services inside their
    transaction, with the ticket and the clock locked."""
    context = _Context()
    result = SweepResult(clocks=1)
    steps = ladder_steps(clock.policy_id, clock.metric, context.steps)
    wanted = [(clock.pk, step.pk, clock.cycle) for step in steps if step.percent <= reached]
    inserted = {step_id for _, step_id in _insert_firings(wanted, now)} if wanted else set()
    fired = [step for step in steps if step.pk in inserted]
    due_at = moments[100]
    events: list[audit.EventRow] = []
    if breach_recorded:
        result.breaches += 1
        if clock.metric not in (ticket.breached_metrics or []):
            ticket.breached_metrics = [*(ticket.breached_metrics or []), clock.metric]
        ticket.sla_breached = True
        Ticket.objects.filter(pk=ticket.pk).update(sla_breached=True, breached_metrics=ticket.breached_metrics)
        if not any(step.percent == 100 for step in fired):
            events.append(
                audit.row(
                    ticket.pk,
                    Kind.SLA_BREACHED,
                    due_at,
                    metric=clock.metric,
                    cycle=clock.cycle,
                    percent=100,
                    due_at=_iso(due_at),
                    recorded="on_" + clock.state,
                    **_where(ticket),
                )
            )
    members: dict[int, list[User]] = defaultdict(list)
    if fired:
        for membership in Team.members.through.objects.filter(team_id=ticket.team_id).select_related("user"):
            members[membership.team_id].append(membership.user)
    alerts: list[dict] = []
    notes: list[Message] = []
    outbox: list[OutboxMessage] = []
    for step in fired:
        result.steps_fired += 1
        result.fired_by_kind[step.event_kind] += 1
        actions = _notify(step, ticket, clock, members, context, alerts)
        actions += _note_and_webhook(step, ticket, clock, now, notes, outbox, result)
        events.append(
            audit.row(
                ticket.pk,
                step.event_kind,
                moments.get(step.percent, due_at),
                metric=clock.metric,
                percent=step.percent,
                cycle=clock.cycle,
                step_id=step.pk,
                due_at=_iso(due_at),
                actions=actions,
                recorded="on_" + clock.state,
                **_where(ticket),
            )
        )
    _write_effects(events=events, notes=notes, alerts=alerts, outbox=outbox, now=now, result=result)
    return result


def sla_sweep(*, now: datetime, batch_size: int = 500, workers: int | None = None) -> SweepResult:
    """Fire every due step. Each batch is its own transaction, so a long sweep never holds locks
    on more than one batch and a crash loses at most one batch's uncommitted work (redone next time).

    On PostgreSQL `workers` threads (default settings.SLA_SWEEP_WORKERS) sweep side by side, each
    on its own connection and its own share of the tickets (ticket_id % workers): while one waits
    on the database the other computes. Elsewhere, or inside a caller's transaction (whose
    uncommitted rows other connections could not see), one thread does it all."""
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    workers = settings.SLA_SWEEP_WORKERS if workers is None else workers
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        return _sweep_serial(now=now, batch_size=batch_size)
    # A sweeper whose share is about a batch takes it in one (1,003 due must not cost a second
    # round of statements and a commit for 3 clocks): look at the first due clocks, by share.
    slack = batch_size * 5 // 4
    due = Counter(
        ticket_id % workers
        for ticket_id in SlaClock.objects.filter(next_check_at__lte=now)
        .order_by("next_check_at")
        .values_list("ticket_id", flat=True)[: slack * workers]
    )
    if not due:
        return SweepResult()
    shared = _Context()  # one cache for the sweepers: policies, calendars, ladders are read once
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sla-sweep") as pool:
        futures = [
            pool.submit(
                _sweep_thread,
                now=now,
                batch_size=max(batch_size, due[index]) if due[index] <= slack else batch_size,
                partition=(index, workers),
                shared=shared,
            )
            for index in range(workers)
        ]
        results = [future.result() for future in futures]
    return SweepResult.merge(results)


def _sweep_thread(**kwargs) -> "SweepResult":
    try:
        return _sweep_serial(**kwargs)
    finally:
        connection.close()  # this thread's own connection


def _sweep_serial(
    *, now: datetime, batch_size: int, partition: tuple[int, int] | None = None, shared: _Context | None = None
) -> SweepResult:
    result = SweepResult()
    context = _Context(partition, shared)
    while True:
        with transaction.atomic():
            taken = _sweep_batch(now, batch_size, context, result)
        if not taken:
            break
        result.batches += 1
        if taken < batch_size:
            break
    return result
