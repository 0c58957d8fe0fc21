"""Running a sweep: batches (each its own transaction), parallel sweepers on PostgreSQL, and the
catch-up of a clock that ends after its due time."""

import logging
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

from accounts.models import User
from notifications.models import OutboxMessage
from support_desk.bulk_sql import update_rows
from tickets import audit
from tickets.bulk import RowsWrite, TeamMembership
from tickets.models import Team, Ticket, TicketEvent
from tickets.queue_version import queue_version_bump

from ..clock_schedule import elapsed_seconds, schedule_clock
from ..models import EscalationStep, SlaClock
from ..policies import ladder_steps
from . import ladder, locking
from .context import SweepContext, SweepResult
from .effects import (
    RETARGET_FIELDS,
    apply_ticket_asks,
    iso,
    note_and_webhook,
    notify,
    refresh_due,
    retarget_raised,
    where,
    write_effects,
)
from .rows import ClockRow


class LazyIds:
    """A set of ids read on first use."""

    def __init__(self, load) -> None:
        self._load, self._ids = load, None

    def __contains__(self, value: object) -> bool:
        if self._ids is None:
            self._ids = set(self._load())
        return value in self._ids


logger = logging.getLogger(__name__)
Kind = TicketEvent.Kind


def _sweep_batch(now: datetime, batch_size: int, context: SweepContext, result: SweepResult) -> int:
    clocks = locking.lock_due_batch(now, batch_size, context.skipped, context.partition)
    if not clocks:
        return 0
    taken = len(clocks)
    tickets = locking.lock_tickets({c.ticket_id for c in clocks}, context)
    context.skipped.update(c.pk for c in clocks if c.ticket_id not in tickets)
    clocks = [c for c in clocks if c.ticket_id in tickets]
    fired_before = locking.fired_before(clocks)

    wanted: list[tuple[int, int, int]] = []
    crossing: list[int] = []
    steps_by_id: dict[int, EscalationStep] = {}
    for clock in clocks:
        steps = context.ladder(clock.policy_id, clock.metric)
        steps_by_id.update((step.pk, step) for step in steps)
        decision = ladder.decide(
            clock,
            elapsed_seconds=elapsed_seconds(clock, context.schedule(clock.calendar_id), now),
            ladder=steps,
            done=fired_before[(clock.pk, clock.cycle)],
        )
        wanted += decision.claims()
        if decision.crosses_breach:
            crossing.append(clock.pk)

    fired = locking.insert_firings(wanted, now) if wanted else set()
    breached = locking.mark_breached(crossing, now)

    # Members of the batch's teams and of the teams steps move tickets to.
    team_ids = {tickets[c.ticket_id].team_id for c in clocks}
    team_ids |= {step.move_to_team_id for step in steps_by_id.values() if step.move_to_team_id}
    members: dict[int, list[User]] = defaultdict(list)
    for membership in Team.members.through.objects.filter(team_id__in=team_ids).select_related("user"):
        members[membership.team_id].append(membership.user)

    # The batch's ticket changes (the bulk ticket services' and the breach flags), notes and events,
    # written once at the end: one UPDATE of the changed tickets, one INSERT each for notes and events.
    write = RowsWrite(now=now, instances=list(tickets.values()))  # the chain heads come with the lock
    events = write.events  # in the order written: a step's ticket changes, then the step's own event
    outbox: list[OutboxMessage] = []
    alerts: list[dict] = []
    raised: set[int] = set()  # tickets whose priority a step raised: their clocks get the new targets
    fired_by_clock = ladder.fired_in_order(fired, steps_by_id)
    memberships: list[TeamMembership] = []  # built for the first move, if any

    def membership() -> TeamMembership:
        if not memberships:
            memberships.append(
                TeamMembership(
                    members={team: {user.pk for user in users} for team, users in members.items()},
                    # Leads and admins (read once per sweep) only when a holder is not a member.
                    every_team=LazyIds(lambda: [user.pk for user in context.leads_and_admins()]),
                )
            )
        return memberships[0]

    for clock in clocks:
        ticket = tickets[clock.ticket_id]
        # Where the ticket stood when the clock ran out (before any step moves it): the report
        # counts breaches by these, with no join to the tickets.
        stood = where(ticket)
        breach_moment = ladder.breach_moment(clock.due_at, now)
        if clock.pk in breached:
            clock.breached_at = breach_moment
            result.breaches += 1
            if clock.metric not in ticket.breached_metrics:
                ticket.breached_metrics = [*ticket.breached_metrics, clock.metric]
            ticket.sla_breached = True
            write.change(ticket, "sla_breached", "breached_metrics")
            if ladder.records_breach_alone(fired_by_clock[clock.pk]):
                events.append(
                    audit.row(
                        ticket.pk,
                        Kind.SLA_BREACHED,
                        breach_moment,
                        metric=clock.metric,
                        cycle=clock.cycle,
                        percent=100,
                        due_at=iso(clock.due_at),
                        **stood,
                    )
                )
        for step in fired_by_clock[clock.pk]:
            kind = step.event_kind
            result.steps_fired += 1
            result.fired_by_kind[kind] += 1
            actions = notify(step, ticket, clock, members, context, alerts)
            asks = ladder.ticket_asks(step, clock_state=clock.state)
            if asks and apply_ticket_asks(step, ticket, asks, write=write, membership=membership, now=now):
                raised.add(ticket.pk)
            actions += note_and_webhook(step, ticket, clock, now, write, outbox, result)
            events.append(
                audit.row(
                    ticket.pk,
                    kind,
                    breach_moment if kind == Kind.SLA_BREACHED else now,
                    metric=clock.metric,
                    percent=step.percent,
                    cycle=clock.cycle,
                    step_id=step.pk,
                    due_at=iso(clock.due_at),
                    actions=actions,
                    **stood,
                )
            )

    write_effects(alerts=alerts, outbox=outbox, now=now, result=result)

    retargeted: dict[int, ClockRow] = {}
    others: list[ClockRow] = []  # the raised tickets' clocks outside the batch
    read_due = {clock.pk: clock.due_at for clock in clocks}  # as locked, before scheduling
    done_by_clock = {
        clock.pk: fired_before[(clock.pk, clock.cycle)] | {step.pk for step in fired_by_clock[clock.pk]}
        for clock in clocks
    }
    if raised:
        retargeted = retarget_raised(raised, tickets, clocks, done_by_clock, others, context, now)
    for clock in clocks:
        schedule_clock(
            clock,
            schedule=context.schedule(clock.calendar_id),
            fired_step_ids=done_by_clock[clock.pk],
            steps_cache=context.steps,
        )
        clock.next_check_at = ladder.next_check(clock.next_check_at, now)
    if raised:
        refresh_due(raised, tickets, [*clocks, *others])
        for ticket_id in raised:
            write.change(tickets[ticket_id], "sla_due_at")
    touched = bool(write.changed or write.events)
    write.flush()
    if retargeted:
        # One UPDATE for the batch and the retargeted clocks: the batch's other clocks write their
        # retarget fields as read (their due time too: only a retarget writes a new one).
        rows = [clock if clock.pk in retargeted else replace(clock, due_at=read_due[clock.pk]) for clock in clocks] + [
            clock for clock in retargeted.values() if clock.pk not in read_due
        ]
        update_rows(SlaClock, rows, RETARGET_FIELDS)
    else:
        update_rows(SlaClock, clocks, ["next_check_at", "breached_at"])
    if touched:
        # These UPDATEs bypass Ticket.save(): tell the agents' queue polls, once for the batch.
        queue_version_bump()
    result.clocks += len(clocks)
    return taken


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
    context = SweepContext()
    result = SweepResult(clocks=1)
    steps = ladder_steps(clock.policy_id, clock.metric)
    # Every step reached; the firing rows already there (a sweep fired it in time) say which are done.
    wanted = [(clock.pk, step.pk, clock.cycle) for step in ladder.steps_due(steps, reached=reached, done=())]
    inserted = {step_id for _, step_id in locking.insert_firings(wanted, now)} if wanted else set()
    fired = [step for step in steps if step.pk in inserted]
    due_at = moments[100]
    events: list[audit.EventRow] = []
    if breach_recorded:
        result.breaches += 1
        if clock.metric not in (ticket.breached_metrics or []):
            ticket.breached_metrics = [*(ticket.breached_metrics or []), clock.metric]
        ticket.sla_breached = True
        Ticket.objects.filter(pk=ticket.pk).update(sla_breached=True, breached_metrics=ticket.breached_metrics)
        if ladder.records_breach_alone(fired):
            events.append(
                audit.row(
                    ticket.pk,
                    Kind.SLA_BREACHED,
                    due_at,
                    metric=clock.metric,
                    cycle=clock.cycle,
                    percent=100,
                    due_at=iso(due_at),
                    recorded="on_" + clock.state,
                    **where(ticket),
                )
            )
    members: dict[int, list[User]] = defaultdict(list)
    if fired:
        for membership in Team.members.through.objects.filter(team_id=ticket.team_id).select_related("user"):
            members[membership.team_id].append(membership.user)
    alerts: list[dict] = []
    # Notes and events; the ticket itself is not changed. Its service records on it afterwards.
    write = RowsWrite(now=now, events=events, instances=[ticket])
    outbox: list[OutboxMessage] = []
    for step in fired:
        result.steps_fired += 1
        result.fired_by_kind[step.event_kind] += 1
        actions = notify(step, ticket, clock, members, context, alerts)
        actions += note_and_webhook(step, ticket, clock, now, write, outbox, result)
        events.append(
            audit.row(
                ticket.pk,
                step.event_kind,
                moments.get(step.percent, due_at),
                metric=clock.metric,
                percent=step.percent,
                cycle=clock.cycle,
                step_id=step.pk,
                due_at=iso(due_at),
                actions=actions,
                recorded="on_" + clock.state,
                **where(ticket),
            )
        )
    write_effects(alerts=alerts, outbox=outbox, now=now, result=result)
    write.flush()
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
    shared = SweepContext()  # one cache for the sweepers: policies, calendars, ladders are read once
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
    *, now: datetime, batch_size: int, partition: tuple[int, int] | None = None, shared: SweepContext | None = None
) -> SweepResult:
    result = SweepResult()
    context = SweepContext(partition, shared)
    while True:
        with transaction.atomic():
            taken = _sweep_batch(now, batch_size, context, result)
        if not taken:
            break
        result.batches += 1
        if taken < batch_size:
            break
    return result
