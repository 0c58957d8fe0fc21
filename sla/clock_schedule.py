"""A clock's scheduling arithmetic: the working time it has run, when it reaches a fraction of
its target, its due and next check times, a new target. No saves; works on model instances and
on the sweep's rows alike. Below sla.services and sla.sweep, which both build on it."""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from .models import SlaClock, SlaPolicy
from .policies import ladder_steps
from .working_time import NoWorkingTime, Schedule, add_working_time, working_time_between

logger = logging.getLogger(__name__)

State = SlaClock.State
ACTIVE_STATES = (State.RUNNING, State.PAUSED)


def elapsed_seconds(clock: SlaClock, schedule: Schedule, now: datetime) -> float:
    running = 0.0
    if clock.state == State.RUNNING and clock.segment_started_at is not None:
        running = working_time_between(schedule, clock.segment_started_at, now).total_seconds()
    return clock.elapsed_seconds + running


def moment_at_fraction(clock: SlaClock, schedule: Schedule, fraction: float) -> datetime:
    """When a running clock reaches `fraction` of its target (1.0 = due)."""
    remaining = clock.target_seconds * fraction - clock.elapsed_seconds
    start = clock.segment_started_at
    if remaining <= 0:
        return start
    return add_working_time(schedule, start, timedelta(seconds=remaining))


def schedule_clock(
    clock: SlaClock, *, schedule: Schedule, fired_step_ids: Iterable[int], steps_cache: dict | None = None
) -> None:
    """Set due_at and next_check_at of a clock from its state (no save)."""
    if clock.state != State.RUNNING:
        clock.next_check_at = None
        if clock.state != State.PAUSED:
            return
        if clock.breached_at is None and clock.due_at is not None and clock.elapsed_seconds > clock.target_seconds:
            # Paused after its due time before any sweep saw it: it keeps that due time and stays
            # due, so the sweep records the breach and runs the ladder (the ticket is still open).
            clock.next_check_at = clock.due_at
            return
        # A paused clock keeps no due time: it is not running out.
        clock.due_at = None
        return
    try:
        clock.due_at = moment_at_fraction(clock, schedule, 1.0)
        fired = set(fired_step_ids)
        candidates = [
            moment_at_fraction(clock, schedule, step.percent / 100)
            for step in ladder_steps(clock.policy_id, clock.metric, steps_cache)
            if step.pk not in fired
        ]
    except NoWorkingTime:
        logger.error("Calendar %s has no working time; clock %s cannot be scheduled", clock.calendar_id, clock.pk)
        clock.due_at = clock.next_check_at = None
        return
    if clock.breached_at is None:
        candidates.append(clock.due_at)
    clock.next_check_at = min(candidates) if candidates else None


def retarget_clock(
    clock, *, policy: SlaPolicy, seconds: int, schedule_for: Callable[[int | None], Schedule], now: datetime
) -> None:
    """Give an active clock (a model instance or the sweep's row) a new target and the policy and
    calendar it comes from, keeping the working time it has run (no save, no schedule)."""
    if clock.state == State.RUNNING and clock.calendar_id != policy.calendar_id:
        # Bank the time run so far under the old calendar before switching; with the same
        # calendar the running segment is kept, so an overdue clock keeps its true due time.
        clock.elapsed_seconds = elapsed_seconds(clock, schedule_for(clock.calendar_id), now)
        clock.segment_started_at = now
    clock.policy_id, clock.calendar_id = policy.pk, policy.calendar_id
    clock.target_seconds = seconds
