"""The ladder's rules without a database: plain dataclasses in, decisions out."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from sla.models import SlaClock
from sla.sweep import ladder

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
HOUR = 3600


@dataclass(frozen=True)
class Step:
    pk: int
    percent: int
    raise_priority: bool = False
    move_to_team_id: int | None = None
    unassign: bool = False


@dataclass(frozen=True)
class Clock:
    pk: int = 1
    cycle: int = 1
    target_seconds: int = 4 * HOUR
    breached_at: datetime | None = None


WARN, BREACH, LATE = Step(10, 75), Step(11, 100), Step(12, 200)
LADDER = (WARN, BREACH, LATE)


@pytest.mark.parametrize(
    ("elapsed", "done", "fires", "breaches"),
    [
        pytest.param(0, set(), (), False, id="nothing-at-the-start"),
        pytest.param(0.7 * 4 * HOUR, set(), (), False, id="nothing-before-the-first-step"),
        pytest.param(0.75 * 4 * HOUR, set(), (10,), False, id="warning-at-exactly-75"),
        pytest.param(0.75 * 4 * HOUR - 1e-7, set(), (10,), False, id="float-error-does-not-delay-a-step"),
        pytest.param(4 * HOUR, {10}, (11,), True, id="breach-at-100-after-the-warning"),
        pytest.param(4 * HOUR, set(), (10, 11), True, id="late-sweep-fires-both-in-order"),
        pytest.param(10 * HOUR, set(), (10, 11, 12), True, id="after-an-outage-every-passed-step"),
        pytest.param(10 * HOUR, {10, 11, 12}, (), True, id="fired-steps-never-again"),
        pytest.param(1.2 * 4 * HOUR, {11}, (10,), True, id="a-step-skipped-earlier-still-fires"),
    ],
)
def test_steps_that_fire_for_a_clock(elapsed, done, fires, breaches):
    decision = ladder.decide(Clock(), elapsed_seconds=elapsed, ladder=LADDER, done=done)
    assert decision.step_ids == fires
    assert decision.crosses_breach is breaches


@pytest.mark.parametrize(
    ("breached_at", "elapsed", "crosses"),
    [
        pytest.param(None, 4 * HOUR, True, id="first-time-past-due"),
        pytest.param(NOW, 5 * HOUR, False, id="already-breached-is-not-breached-again"),
        pytest.param(None, 4 * HOUR - 1, False, id="a-second-before-due"),
    ],
)
def test_a_clock_breaches_once(breached_at, elapsed, crosses):
    clock = Clock(breached_at=breached_at)
    assert ladder.decide(clock, elapsed_seconds=elapsed, ladder=(), done=set()).crosses_breach is crosses


def test_claims_are_one_row_per_clock_step_and_cycle():
    decision = ladder.decide(Clock(pk=7, cycle=3), elapsed_seconds=5 * HOUR, ladder=LADDER, done=set())
    assert decision.claims() == [(7, 10, 3), (7, 11, 3)]


def test_fired_steps_come_back_by_clock_in_percent_order():
    steps = {step.pk: step for step in LADDER}
    assert ladder.fired_in_order({(2, 12), (1, 11), (2, 10)}, steps) == {1: [BREACH], 2: [WARN, LATE]}


@pytest.mark.parametrize(
    ("due_at", "moment"),
    [
        pytest.param(NOW - timedelta(hours=6), NOW - timedelta(hours=6), id="the-due-time-after-an-outage"),
        pytest.param(NOW + timedelta(seconds=1), NOW, id="never-in-the-future"),
        pytest.param(None, NOW, id="no-due-time-now"),
    ],
)
def test_breach_moment(due_at, moment):
    assert ladder.breach_moment(due_at, NOW) == moment


@pytest.mark.parametrize(
    ("fired", "alone"),
    [
        pytest.param([], True, id="no-step"),
        pytest.param([WARN], True, id="only-a-warning"),
        pytest.param([WARN, BREACH], False, id="the-100-step-says-it"),
    ],
)
def test_breach_event_of_its_own_unless_a_100_percent_step_fired(fired, alone):
    assert ladder.records_breach_alone(fired) is alone


@pytest.mark.parametrize(
    ("state", "step", "asks"),
    [
        pytest.param("running", Step(1, 100, raise_priority=True), ladder.TicketAsks(raise_priority=True), id="raise"),
        pytest.param("paused", Step(1, 100, move_to_team_id=4), ladder.TicketAsks(move_to_team_id=4), id="move-paused"),
        pytest.param("running", Step(1, 100, unassign=True), ladder.TicketAsks(unassign=True), id="unassign"),
        pytest.param("fulfilled", Step(1, 100, raise_priority=True, unassign=True), ladder.TicketAsks(), id="ended"),
        pytest.param("stopped", Step(1, 100, move_to_team_id=4), ladder.TicketAsks(), id="stopped"),
        pytest.param("running", Step(1, 75), ladder.TicketAsks(), id="notify-only"),
    ],
)
def test_what_a_step_asks_of_its_ticket(state, step, asks):
    assert ladder.ticket_asks(step, clock_state=state) == asks
    assert bool(asks) is (asks != ladder.TicketAsks())


@pytest.mark.parametrize(
    ("scheduled", "expected"),
    [
        pytest.param(NOW + timedelta(minutes=5), NOW + timedelta(minutes=5), id="future-kept"),
        pytest.param(NOW, NOW + timedelta(seconds=1), id="now-moves-a-second-on"),
        pytest.param(NOW - timedelta(microseconds=3), NOW + timedelta(seconds=1), id="rounding-into-the-past"),
        pytest.param(None, None, id="nothing-left-to-check"),
    ],
)
def test_next_check_never_spins_on_a_clock(scheduled, expected):
    assert ladder.next_check(scheduled, NOW) == expected


def test_active_states_are_the_models():
    assert set(ladder.ACTIVE_STATES) == {SlaClock.State.RUNNING, SlaClock.State.PAUSED}
