"""SLA clocks: started, paused, resumed and fulfilled by the ticket services; scheduled so the
sweep only ever looks at clocks whose next check has come."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import Min

from support_desk.compiled_insert import bulk_create_compiled
from tickets.models import Ticket

from .clock_schedule import ACTIVE_STATES, State, elapsed_seconds, moment_at_fraction, retarget_clock, schedule_clock
from .config_cache import config_snapshot
from .models import BusinessCalendar, EscalationFiring, Metric, SlaClock, SlaPolicy
from .policies import PolicyFacts as PolicyFacts  # re-exported: moved to sla.policies, still importable here
from .policies import active_policies, ladder_steps, matching_policies, policy_for_metric, target_seconds
from .policies import policy_matches as policy_matches  # re-exported
from .sweep import sla_clock_catch_up
from .working_time import NoWorkingTime, Schedule

# --- calendars ------------------------------------------------------------------------------


def schedule_of(calendar: BusinessCalendar | None) -> Schedule:
    # From the configuration snapshot: a clock's calendar (select_related) has no prefetched
    # intervals and holidays, so building its schedule cost two queries per clock.
    return config_snapshot().schedule(calendar)


# --- scheduling a clock ----------------------------------------------------------------------


def _fired_ids(clock: SlaClock) -> list[int]:
    if clock.pk is None:
        return []
    return list(EscalationFiring.objects.filter(clock=clock, cycle=clock.cycle).values_list("step_id", flat=True))


def _save(clock: SlaClock, schedule: Schedule) -> None:
    schedule_clock(clock, schedule=schedule, fired_step_ids=_fired_ids(clock))
    clock.save()


# --- the ticket services call these ---------------------------------------------------------------


def _held(clocks: dict[str, SlaClock]) -> bool:
    return any(clock.held for clock in clocks.values())


def _clocks(ticket: Ticket) -> dict[str, SlaClock]:
    clocks = SlaClock.objects.select_for_update(of=("self",)).filter(ticket=ticket).select_related("policy", "calendar")
    return {clock.metric: clock for clock in clocks}


def _start(
    ticket: Ticket,
    metric: str,
    *,
    policy: SlaPolicy | None,
    existing: SlaClock | None,
    now: datetime,
    held: bool = False,
) -> SlaClock | None:
    """(Re)start the metric's clock; `held`: the ticket's other clocks are held by an incident, so
    this one starts held (and paused) too, even as the metric's first clock."""
    seconds = target_seconds(policy, priority=ticket.priority, metric=metric) if policy else None
    if seconds is None:
        if existing is not None and existing.state in ACTIVE_STATES:
            existing.state, existing.next_check_at, existing.due_at = State.STOPPED, None, None
            existing.save()
        return None
    clock = existing or SlaClock(ticket=ticket, metric=metric, cycle=0)
    clock.held = clock.held or held
    _arm(clock, ticket, metric, policy=policy, seconds=seconds, now=now)
    clock.save()
    return clock


def _arm(clock: SlaClock, ticket: Ticket, metric: str, *, policy: SlaPolicy, seconds: int, now: datetime) -> None:
    """(Re)start a clock's cycle under a policy and schedule it (no save)."""
    clock.policy, clock.calendar_id = policy, policy.calendar_id
    clock.cycle += 1
    clock.target_seconds = seconds
    clock.started_at = now
    clock.segment_started_at = now
    clock.elapsed_seconds = 0
    clock.paused_at = None
    clock.paused_intervals = []
    clock.fulfilled_at = None
    clock.breached_at = None
    clock.state = State.RUNNING
    if clock.held or policy.pauses(metric, ticket.status):  # a new cycle of a held clock starts paused
        clock.state, clock.paused_at, clock.segment_started_at = State.PAUSED, now, None
    schedule_clock(clock, schedule=schedule_of(policy.calendar), fired_step_ids=[])


# Working seconds past the target before an ended clock counts as late: an answer at the due
# instant itself is in time, whatever the float arithmetic of the working time says.
OVERDUE_SLACK_SECONDS = 1e-3


def _moments(clock: SlaClock, schedule: Schedule, percents: Iterable[int], now: datetime) -> dict[int, datetime]:
    """When a clock reached each percentage of its target (computed before it stops running)."""
    if clock.state == State.RUNNING and clock.segment_started_at is not None:
        try:
            return {percent: moment_at_fraction(clock, schedule, percent / 100) for percent in percents}
        except NoWorkingTime:
            pass
    # Paused (its due time was kept when it paused overdue), or a calendar with no working time.
    fallback = clock.due_at or clock.paused_at or now
    return dict.fromkeys(percents, fallback)


def _fulfil(ticket: Ticket, clock: SlaClock | None, now: datetime, state: str = State.FULFILLED) -> None:
    """End a clock: fulfilled (the promise was kept or broken) or stopped (no longer owed).

    A clock that ends after its due time was breached at its due time, whether or not a sweep saw
    it: when none did, the breach and the ladder's notification steps are recorded here
    (sweep.sla_clock_catch_up), so a late answer never counts as met."""
    if clock is None or clock.state not in ACTIVE_STATES:
        return
    schedule = schedule_of(clock.calendar)
    elapsed = elapsed_seconds(clock, schedule, now)
    overdue = elapsed - clock.target_seconds > OVERDUE_SLACK_SECONDS
    moments: dict[int, datetime] = {}
    if overdue:
        percents = {100, *(step.percent for step in ladder_steps(clock.policy_id, clock.metric))}
        moments = _moments(clock, schedule, percents, now)
    clock.elapsed_seconds = elapsed
    if clock.state == State.PAUSED and clock.paused_at:
        clock.paused_intervals = [*clock.paused_intervals, [clock.paused_at.isoformat(), now.isoformat()]]
    clock.state = state
    clock.fulfilled_at = now if state == State.FULFILLED else None
    if state == State.FULFILLED:  # where the ticket stood: the report's breakdowns read these
        clock.ended_team_id, clock.ended_category_id = ticket.team_id, ticket.category_id
        clock.ended_assignee_id, clock.ended_priority = ticket.assignee_id, ticket.priority
        clock.ended_channel = ticket.channel
    clock.segment_started_at = clock.paused_at = clock.next_check_at = None
    breach_recorded = overdue and clock.breached_at is None
    if breach_recorded:
        clock.breached_at = moments[100]
    clock.save()
    if overdue:
        sla_clock_catch_up(
            ticket=ticket,
            clock=clock,
            reached=elapsed / clock.target_seconds * 100 + 1e-9,
            moments=moments,
            breach_recorded=breach_recorded,
            now=now,
        )


def _pause(clock: SlaClock, now: datetime) -> None:
    if clock.state != State.RUNNING:
        return
    schedule = schedule_of(clock.calendar)
    clock.elapsed_seconds = elapsed_seconds(clock, schedule, now)
    clock.state, clock.paused_at, clock.segment_started_at = State.PAUSED, now, None
    _save(clock, schedule)


def _resume(clock: SlaClock, now: datetime) -> None:
    if clock.state != State.PAUSED:
        return
    clock.paused_intervals = [*clock.paused_intervals, [clock.paused_at.isoformat(), now.isoformat()]]
    clock.state, clock.paused_at, clock.segment_started_at = State.RUNNING, None, now
    _save(clock, schedule_of(clock.calendar))


def refresh_ticket_due(ticket: Ticket) -> None:
    """Keep the ticket's nearest due time (the queue's sort key) in step with its clocks."""
    due = SlaClock.objects.filter(ticket=ticket, state=State.RUNNING).aggregate(due=Min("due_at"))["due"]
    if ticket.sla_due_at != due:
        ticket.sla_due_at = due
        Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=due)


def sla_clocks_plan(*, ticket: Ticket, now: datetime) -> list[SlaClock]:
    """The first clocks of a ticket about to be inserted, scheduled but not saved, and the
    ticket's `sla_due_at` set from them: the ticket's own INSERT carries its queue key (no UPDATE
    after it) and sla_clocks_save writes the clocks in one INSERT."""
    matching = matching_policies(ticket)
    clocks = []
    for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION):
        policy = policy_for_metric(ticket, metric, matching=matching)
        seconds = target_seconds(policy, priority=ticket.priority, metric=metric) if policy else None
        if seconds is None:
            continue
        clock = SlaClock(metric=metric, cycle=0)
        _arm(clock, ticket, metric, policy=policy, seconds=seconds, now=now)
        clocks.append(clock)
    running = [clock.due_at for clock in clocks if clock.state == State.RUNNING and clock.due_at is not None]
    ticket.sla_due_at = min(running) if running else None
    return clocks


def sla_clocks_save(*, ticket: Ticket, clocks: list[SlaClock]) -> list[SlaClock]:
    """Insert the clocks sla_clocks_plan made, once the ticket has its id."""
    for clock in clocks:
        clock.ticket = ticket
    return bulk_create_compiled(clocks)


def sla_ticket_created(*, ticket: Ticket, now: datetime) -> None:
    """The clocks of a ticket already saved (tickets.services.ticket_create plans them before
    the INSERT instead)."""
    clocks = sla_clocks_plan(ticket=ticket, now=now)
    sla_clocks_save(ticket=ticket, clocks=clocks)
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=ticket.sla_due_at)


def sla_public_agent_reply(*, ticket: Ticket, now: datetime) -> None:
    clocks = _clocks(ticket)
    _fulfil(ticket, clocks.get(Metric.FIRST_RESPONSE), now)
    _fulfil(ticket, clocks.get(Metric.NEXT_RESPONSE), now)
    periodic = clocks.get(Metric.PERIODIC_UPDATE)
    # The update is given: the running cycle ends (breached if late) before the next one starts.
    _fulfil(ticket, periodic, now)
    if ticket.is_open:
        _start(
            ticket,
            Metric.PERIODIC_UPDATE,
            policy=policy_for_metric(ticket, Metric.PERIODIC_UPDATE),
            existing=periodic,
            now=now,
            held=_held(clocks),
        )
    refresh_ticket_due(ticket)


def sla_customer_reply(*, ticket: Ticket, now: datetime) -> None:
    clocks = _clocks(ticket)
    first = clocks.get(Metric.FIRST_RESPONSE)
    if first is not None and first.state in ACTIVE_STATES:
        return  # the first response clock already covers this wait
    following = clocks.get(Metric.NEXT_RESPONSE)
    if following is not None and following.state in ACTIVE_STATES:
        return  # still waiting for the answer to an earlier message
    policy = policy_for_metric(ticket, Metric.NEXT_RESPONSE)
    _start(ticket, Metric.NEXT_RESPONSE, policy=policy, existing=following, now=now, held=_held(clocks))
    refresh_ticket_due(ticket)


def sla_status_changed(*, ticket: Ticket, previous: str, now: datetime) -> None:
    clocks = _clocks(ticket)
    status = ticket.status
    if status == Ticket.Status.SOLVED:
        _fulfil(ticket, clocks.get(Metric.RESOLUTION), now)
        for metric in (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.PERIODIC_UPDATE):
            _fulfil(ticket, clocks.get(metric), now, State.STOPPED)
    elif status == Ticket.Status.CLOSED:
        for clock in clocks.values():
            _fulfil(ticket, clock, now, State.STOPPED)
    else:
        if previous == Ticket.Status.SOLVED:
            _reopen_resolution(ticket, clocks.get(Metric.RESOLUTION), now)
        for clock in clocks.values():
            if clock.policy is None or clock.state not in ACTIVE_STATES:
                continue
            if clock.held or clock.policy.pauses(clock.metric, status):
                _pause(clock, now)  # an incident's hold outlasts any status change
            else:
                _resume(clock, now)
    refresh_ticket_due(ticket)


def _reopen_resolution(ticket: Ticket, clock: SlaClock | None, now: datetime) -> None:
    """A reopened ticket is not solved after all: its resolution clock runs on from where it stopped."""
    if clock is None or clock.state != State.FULFILLED:
        return
    clock.state, clock.fulfilled_at, clock.segment_started_at = State.RUNNING, None, now
    _save(clock, schedule_of(clock.calendar))


def sla_ticket_changed(*, ticket: Ticket, now: datetime) -> None:
    """Priority, category, team or complaint flag changed: the policy or targets may differ."""
    recompute_ticket_clocks(ticket=ticket, now=now)


def recompute_ticket_clocks(*, ticket: Ticket, now: datetime, policies: list[SlaPolicy] | None = None) -> int:
    """Re-apply the current targets to the ticket's active clocks, each metric from its own policy
    (policy_for_metric), keeping the working time they have already run."""
    matching = matching_policies(ticket, policies)
    calendars = {policy.calendar_id: policy.calendar for policy in matching}
    changed = 0
    clocks = SlaClock.objects.select_for_update(of=("self",)).filter(ticket=ticket, state__in=ACTIVE_STATES)
    for clock in clocks.select_related("calendar"):
        policy = policy_for_metric(ticket, clock.metric, matching=matching)
        if policy is None:
            _fulfil(ticket, clock, now, State.STOPPED)
            changed += 1
            continue
        seconds = target_seconds(policy, priority=ticket.priority, metric=clock.metric)
        old_calendar = clock.calendar
        retarget_clock(
            clock,
            policy=policy,
            seconds=seconds,
            schedule_for=lambda _calendar_id, calendar=old_calendar: schedule_of(calendar),
            now=now,
        )
        _save(clock, schedule_of(calendars[policy.calendar_id]))
        changed += 1
    refresh_ticket_due(ticket)
    return changed


@transaction.atomic
def recompute_batch(*, ticket_ids: list[int], now: datetime) -> int:
    policies = active_policies()
    count = 0
    for ticket in (
        Ticket.objects.select_for_update(of=("self",))
        .filter(pk__in=ticket_ids)
        .select_related("requester__customer_profile")
    ):
        count += recompute_ticket_clocks(ticket=ticket, now=now, policies=policies)
    return count


def sla_clocks_hold(*, ticket_ids: Iterable[int], held: bool, now: datetime) -> int:
    """An incident holds its linked tickets' clocks (tickets.hooks.ClocksHeld): running clocks
    pause; released, paused clocks run again unless the ticket's status pauses them under its
    policy. Returns how many clocks changed. The hold is kept on each clock (SlaClock.held), so a
    status change while held leaves the clock paused (sla_status_changed)."""
    ids = list(ticket_ids)
    clocks = (
        SlaClock.objects.select_for_update(of=("self",))
        .filter(ticket_id__in=ids, state__in=ACTIVE_STATES)
        .select_related("policy", "calendar", "ticket")
    )
    changed, tickets = 0, {}
    for clock in clocks:
        clock.held = held
        tickets[clock.ticket_id] = clock.ticket
        if held and clock.state == State.RUNNING:
            _pause(clock, now)
            changed += 1
        elif not held and clock.state == State.PAUSED:
            if clock.policy is not None and clock.policy.pauses(clock.metric, clock.ticket.status):
                continue
            _resume(clock, now)
            changed += 1
    # Every clock of the ticket, ended ones too: a new cycle of one (a next response) starts held.
    SlaClock.objects.filter(ticket_id__in=ids).update(held=held)
    for ticket in tickets.values():
        refresh_ticket_due(ticket)
    return changed
