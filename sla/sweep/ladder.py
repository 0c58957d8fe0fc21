"""The escalation ladder as pure rules: which steps fire for a clock at a moment, and what each
fired step asks of the ticket. Plain rows in (anything with the attributes named), decisions out:
no database, no clock of its own (tests/sla/test_ladder.py runs it without one).

The exactly-once guarantee is not here: a decision says which steps to claim, and the claim (a
firing row per clock, step and cycle, sweep.locking.insert_firings) says which ones fire.
"""

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

# A microsecond of float error must not delay a step by a whole sweep.
PERCENT_SLACK = 1e-9
# The next check never lands on the sweep's own moment or before it (no spinning on a clock).
MIN_RECHECK = timedelta(seconds=1)
# The clock states in which a step may still change the ticket (sla.models.SlaClock.State).
ACTIVE_STATES = ("running", "paused")


class Rung(Protocol):
    """A ladder step as the rules read it (sla.models.EscalationStep has these)."""

    pk: int
    percent: int


class LadderClock(Protocol):
    pk: int
    cycle: int
    target_seconds: int
    breached_at: datetime | None


@dataclass(frozen=True, slots=True)
class Decision:
    """For one clock: the steps to claim (by increasing percent) and whether it breaches now."""

    clock_id: int
    cycle: int
    step_ids: tuple[int, ...]
    crosses_breach: bool

    def claims(self) -> list[tuple[int, int, int]]:
        """The (clock, step, cycle) firing rows to insert."""
        return [(self.clock_id, step_id, self.cycle) for step_id in self.step_ids]


@dataclass(frozen=True, slots=True)
class TicketAsks:
    """What a fired step asks of its ticket; the bulk ticket services decide what changes (an
    urgent ticket is not raised, a holder who works in the new team keeps the ticket)."""

    raise_priority: bool = False
    move_to_team_id: int | None = None
    unassign: bool = False

    def __bool__(self) -> bool:
        return self.raise_priority or self.move_to_team_id is not None or self.unassign


def reached_percent(elapsed_seconds: float, target_seconds: float) -> float:
    """How far along its target a clock is, in percent."""
    return elapsed_seconds / target_seconds * 100 + PERCENT_SLACK


def steps_due(ladder: Sequence[Rung], *, reached: float, done: Collection[int]) -> list[Rung]:
    """The steps reached and not fired yet in this cycle, in ladder order."""
    return [step for step in ladder if step.percent <= reached and step.pk not in done]


def decide(clock: LadderClock, *, elapsed_seconds: float, ladder: Sequence[Rung], done: Collection[int]) -> Decision:
    reached = reached_percent(elapsed_seconds, clock.target_seconds)
    return Decision(
        clock_id=clock.pk,
        cycle=clock.cycle,
        step_ids=tuple(step.pk for step in steps_due(ladder, reached=reached, done=done)),
        crosses_breach=clock.breached_at is None and reached >= 100,
    )


def fired_in_order(fired: Iterable[tuple[int, int]], steps_by_id: Mapping[int, Rung]) -> dict[int, list[Rung]]:
    """The claimed (clock, step) pairs as each clock's steps by increasing percent."""
    by_clock: dict[int, list[Rung]] = defaultdict(list)
    for clock_id, step_id in sorted(fired, key=lambda pair: (pair[0], steps_by_id[pair[1]].percent)):
        by_clock[clock_id].append(steps_by_id[step_id])
    return by_clock


def breach_moment(due_at: datetime | None, now: datetime) -> datetime:
    """The promise broke at the due time, not when a sweep noticed (seconds or, after a worker
    outage, hours later)."""
    return min(due_at, now) if due_at else now


def records_breach_alone(fired: Sequence[Rung]) -> bool:
    """A breach gets its own event unless a 100 % step fired with it (that step's event says it)."""
    return not any(step.percent == 100 for step in fired)


def ticket_asks(step, *, clock_state: str) -> TicketAsks:
    """A step never changes the ticket for a clock that has already ended (fulfilled or stopped):
    only its notifications are due, as in sla_clock_catch_up."""
    if clock_state not in ACTIVE_STATES:
        return TicketAsks()
    return TicketAsks(
        raise_priority=bool(step.raise_priority),
        move_to_team_id=step.move_to_team_id or None,
        unassign=bool(step.unassign),
    )


def next_check(scheduled: datetime | None, now: datetime) -> datetime | None:
    """Rounding can leave a step a hair in the future: never check the same clock again at once."""
    if scheduled is not None and scheduled <= now:
        return now + MIN_RECHECK
    return scheduled
