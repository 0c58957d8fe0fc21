"""Working-time arithmetic on plain `Schedule` objects (no database), plus one check that a
schedule built from real calendar rows behaves the same."""

import signal
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sla.models import BusinessCalendar, Holiday, WorkingInterval
from sla.working_time import HORIZON, NoWorkingTime, Schedule, add_working_time, working_time_between

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ONE_MICROSECOND = timedelta(microseconds=1)
MIDNIGHT = time(0)

NINE_TO_FIVE = [(time(9), time(17))]
WITH_LUNCH = [(time(9), time(12)), (time(13), time(17))]


def business_hours(day_intervals=NINE_TO_FIVE, zone="Europe/Berlin", holidays=(), weekdays=range(5)) -> Schedule:
    return Schedule(
        time_zone=zone,
        is_24x7=False,
        weekly={weekday: list(day_intervals) for weekday in weekdays},
        holidays=frozenset(holidays),
    )


def berlin(*args, **kwargs) -> datetime:
    return datetime(*args, **kwargs, tzinfo=BERLIN)


@contextmanager
def time_limit(seconds: float):
    """Fail instead of hanging: SIGALRM interrupts the block after `seconds`."""

    def _expired(signum, frame):
        raise TimeoutError(f"did not finish within {seconds} s")

    previous = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# --- 24x7 --------------------------------------------------------------------------------------


def test_24x7_adding_then_measuring_returns_the_duration():
    schedule = Schedule()
    start = berlin(2026, 3, 28, 23, 15)  # the night before the spring-forward change
    duration = timedelta(days=2, hours=3, seconds=7, microseconds=11)

    due = add_working_time(schedule, start, duration)

    # `start + duration` would be wall-clock arithmetic in Berlin and miss the DST hour.
    assert due == start.astimezone(UTC) + duration
    assert working_time_between(schedule, start, due) == duration


def test_24x7_measuring_any_span_equals_wall_time():
    schedule = Schedule()
    start = berlin(2026, 10, 24, 12, 0)
    end = datetime(2026, 10, 26, 8, 30, tzinfo=NEW_YORK)

    assert working_time_between(schedule, start, end) == end.astimezone(UTC) - start.astimezone(UTC)


def test_24x7_measuring_a_reversed_or_empty_span_is_zero():
    schedule = Schedule()
    moment = berlin(2026, 5, 4, 10, 0)

    assert working_time_between(schedule, moment, moment) == timedelta(0)
    assert working_time_between(schedule, moment, moment - timedelta(hours=1)) == timedelta(0)


def test_24x7_measuring_a_same_zone_span_across_the_fall_back_fold_counts_real_time():
    # Regression: both ends in the same ZoneInfo; Python compares such datetimes by wall clock,
    # ignoring `fold`, so 01:10 EST (second pass) looked earlier than 01:30 EDT (first pass).
    schedule = Schedule()
    start = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK)  # EDT, 05:30 UTC
    end = datetime(2026, 11, 1, 1, 10, fold=1, tzinfo=NEW_YORK)  # EST, 06:10 UTC

    assert working_time_between(schedule, start, end) == timedelta(minutes=40)


# --- Business hours ----------------------------------------------------------------------------


def test_hour_added_on_friday_afternoon_lands_on_monday_morning():
    schedule = business_hours()

    due = add_working_time(schedule, berlin(2026, 1, 16, 16, 30), timedelta(hours=1))

    assert due == berlin(2026, 1, 19, 9, 30)


def test_time_before_opening_starts_counting_at_opening():
    schedule = business_hours()
    early = berlin(2026, 1, 19, 6, 45)  # Monday

    assert add_working_time(schedule, early, timedelta(minutes=30)) == berlin(2026, 1, 19, 9, 30)
    assert working_time_between(schedule, early, berlin(2026, 1, 19, 10, 0)) == timedelta(hours=1)


def test_lunch_gap_is_skipped():
    schedule = business_hours(WITH_LUNCH)
    before_lunch = berlin(2026, 1, 20, 11, 30)

    assert add_working_time(schedule, before_lunch, timedelta(hours=1)) == berlin(2026, 1, 20, 13, 30)
    assert working_time_between(schedule, before_lunch, berlin(2026, 1, 20, 14, 0)) == timedelta(hours=1, minutes=30)


def test_holiday_is_skipped():
    schedule = business_hours(holidays={date(2026, 1, 22)})  # Thursday
    wednesday = berlin(2026, 1, 21, 16, 30)

    assert add_working_time(schedule, wednesday, timedelta(hours=1)) == berlin(2026, 1, 23, 9, 30)
    assert working_time_between(schedule, wednesday, berlin(2026, 1, 23, 17, 0)) == timedelta(hours=8, minutes=30)


def test_weekend_is_skipped():
    schedule = business_hours()

    assert working_time_between(schedule, berlin(2026, 1, 16, 16, 0), berlin(2026, 1, 19, 10, 0)) == timedelta(hours=2)


def test_interval_ending_at_midnight_runs_until_midnight():
    schedule = business_hours([(time(22), MIDNIGHT)], weekdays=range(7))
    late = berlin(2026, 1, 20, 23, 30)

    assert add_working_time(schedule, late, timedelta(minutes=30)) == berlin(2026, 1, 21, 0, 0)
    assert add_working_time(schedule, late, timedelta(hours=1)) == berlin(2026, 1, 21, 22, 30)
    assert working_time_between(schedule, berlin(2026, 1, 20, 21, 0), berlin(2026, 1, 21, 1, 0)) == timedelta(hours=2)


def test_whole_day_interval_from_midnight_to_midnight_is_24_hours():
    schedule = business_hours([(MIDNIGHT, MIDNIGHT)], weekdays=[2])  # Wednesdays only

    assert working_time_between(schedule, berlin(2026, 1, 19), berlin(2026, 1, 26)) == timedelta(hours=24)


def test_measuring_a_span_entirely_outside_working_hours_is_zero():
    schedule = business_hours(WITH_LUNCH)

    assert working_time_between(schedule, berlin(2026, 1, 17, 8, 0), berlin(2026, 1, 18, 20, 0)) == timedelta(0)
    assert working_time_between(schedule, berlin(2026, 1, 19, 17, 0), berlin(2026, 1, 20, 9, 0)) == timedelta(0)
    assert working_time_between(schedule, berlin(2026, 1, 20, 12, 0), berlin(2026, 1, 20, 13, 0)) == timedelta(0)


# --- Daylight-saving changes -------------------------------------------------------------------

DST_DAYS = [
    pytest.param("America/New_York", date(2026, 3, 8), 2, id="new-york-spring-forward"),
    pytest.param("America/New_York", date(2026, 11, 1), 4, id="new-york-fall-back"),
    pytest.param("Europe/Berlin", date(2026, 3, 29), 2, id="berlin-spring-forward"),
    pytest.param("Europe/Berlin", date(2026, 10, 25), 4, id="berlin-fall-back"),
]


def _one_to_four_daily(zone: str) -> Schedule:
    return business_hours([(time(1), time(4))], zone=zone, weekdays=range(7))


@pytest.mark.parametrize(("zone", "day", "real_hours"), DST_DAYS)
def test_interval_covering_a_dst_change_measures_real_elapsed_time(zone, day, real_hours):
    tz = ZoneInfo(zone)
    start_of_day = datetime.combine(day, MIDNIGHT, tzinfo=tz)
    end_of_day = datetime.combine(day + timedelta(days=1), MIDNIGHT, tzinfo=tz)

    measured = working_time_between(_one_to_four_daily(zone), start_of_day, end_of_day)

    assert measured == timedelta(hours=real_hours)


@pytest.mark.parametrize(("zone", "day", "real_hours"), DST_DAYS)
def test_adding_across_a_dst_change_is_consistent_with_measuring(zone, day, real_hours):
    tz = ZoneInfo(zone)
    schedule = _one_to_four_daily(zone)
    start = datetime.combine(day, time(0, 30), tzinfo=tz)

    # The whole interval is used up exactly at 04:00 local; one more minute is the next day's 01:01.
    assert add_working_time(schedule, start, timedelta(hours=real_hours)) == datetime.combine(day, time(4), tzinfo=tz)
    next_day = datetime.combine(day + timedelta(days=1), time(1, 1), tzinfo=tz)
    assert add_working_time(schedule, start, timedelta(hours=real_hours, minutes=1)) == next_day
    for minutes in range(0, real_hours * 60 + 61, 5):
        due = add_working_time(schedule, start, timedelta(minutes=minutes))
        assert working_time_between(schedule, start, due) == timedelta(minutes=minutes)


def test_business_week_across_dst_keeps_local_opening_hours():
    # Berlin moves to summer time on Sunday 2026-03-29: Monday still opens at 09:00 local.
    schedule = business_hours()

    assert add_working_time(schedule, berlin(2026, 3, 27, 16, 0), timedelta(hours=2)) == berlin(2026, 3, 30, 10, 0)
    assert working_time_between(schedule, berlin(2026, 3, 27, 9), berlin(2026, 3, 30, 17)) == timedelta(hours=16)


# --- No working time ---------------------------------------------------------------------------


def test_calendar_without_working_intervals_raises_no_working_time_without_hanging():
    schedule = Schedule(time_zone="Europe/Berlin", is_24x7=False)

    with time_limit(5), pytest.raises(NoWorkingTime):
        add_working_time(schedule, berlin(2026, 1, 19, 9, 0), timedelta(minutes=1))


def test_calendar_without_working_intervals_measures_zero():
    schedule = Schedule(time_zone="Europe/Berlin", is_24x7=False)

    with time_limit(5):
        assert working_time_between(schedule, berlin(2026, 1, 1), berlin(2027, 12, 31)) == timedelta(0)


# --- From database rows ------------------------------------------------------------------------


def test_schedule_from_calendar_rows_matches_the_rows(db):
    calendar = BusinessCalendar.objects.create(name="Berlin desk", time_zone="Europe/Berlin", is_24x7=False)
    for weekday in range(5):
        for start, end in WITH_LUNCH:
            WorkingInterval.objects.create(calendar=calendar, weekday=weekday, start=start, end=end)
    WorkingInterval.objects.create(calendar=calendar, weekday=5, start=time(22), end=MIDNIGHT)
    Holiday.objects.create(calendar=calendar, date=date(2026, 4, 3), name="Good Friday")

    schedule = Schedule.from_calendar(BusinessCalendar.objects.get(pk=calendar.pk))

    assert schedule == Schedule(
        time_zone="Europe/Berlin",
        is_24x7=False,
        weekly={**{weekday: WITH_LUNCH for weekday in range(5)}, 5: [(time(22), MIDNIGHT)]},
        holidays=frozenset({date(2026, 4, 3)}),
    )
    # Thursday 16:30: half an hour left, Good Friday off, Saturday's late shift from 22:00.
    assert add_working_time(schedule, berlin(2026, 4, 2, 16, 30), timedelta(hours=1)) == berlin(2026, 4, 4, 22, 30)
    assert Schedule.from_calendar(None) == Schedule()


# --- Properties on random schedules ------------------------------------------------------------

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Shanghai", "Australia/Sydney", "Asia/Kolkata"]
MINUTES_PER_DAY = 24 * 60
PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    # The suite's autouse fixtures (media root, cache) do not touch this pure arithmetic.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

zones = st.sampled_from(ZONES)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1),
    max_value=datetime(2027, 12, 31, 23, 59, 59, 999999),
    timezones=zones.map(ZoneInfo),
)
durations = st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=30))


def _clock(minute: int) -> time:
    return MIDNIGHT if minute == MINUTES_PER_DAY else time(minute // 60, minute % 60)


@st.composite
def day_intervals(draw, min_size=0):
    """0-3 non-overlapping (possibly touching) intervals, minute granularity, end 00:00 = midnight."""
    intervals = []
    cursor = 0
    for _ in range(draw(st.integers(min_size, 3))):
        if cursor >= MINUTES_PER_DAY:
            break
        start = draw(st.integers(cursor, MINUTES_PER_DAY - 1))
        end = draw(st.integers(start + 1, MINUTES_PER_DAY))
        intervals.append((_clock(start), _clock(end)))
        cursor = end
    return intervals


@st.composite
def schedules(draw, around: datetime):
    """A business calendar in a random zone with at least one weekly interval and a few holidays
    in the 60 days from `around` (never all of them)."""
    zone = draw(zones)
    weekly = {weekday: draw(day_intervals()) for weekday in range(7)}
    weekly = {weekday: intervals for weekday, intervals in weekly.items() if intervals}
    if not weekly:
        weekly[draw(st.integers(0, 6))] = draw(day_intervals(min_size=1))
    first_day = around.astimezone(ZoneInfo(zone)).date()
    offsets = draw(st.sets(st.integers(0, 59), max_size=59))
    return Schedule(
        time_zone=zone,
        is_24x7=False,
        weekly=weekly,
        holidays=frozenset(first_day + timedelta(days=offset) for offset in offsets),
    )


@st.composite
def scenarios(draw):
    start = draw(instants)
    return draw(schedules(start)), start


def add_or_none(schedule: Schedule, start: datetime, duration: timedelta) -> datetime | None:
    """The due instant, or None when the calendar has too little working time within the horizon
    (then measuring the whole horizon must indeed come up short)."""
    try:
        return add_working_time(schedule, start, duration)
    except NoWorkingTime:
        assert working_time_between(schedule, start, start + HORIZON) < duration
        return None


def lies_in_working_interval(schedule: Schedule, moment: datetime) -> bool:
    """Whether `moment` is inside, or at the end of, one of the schedule's local intervals."""
    zone = ZoneInfo(schedule.time_zone)
    local_day = moment.astimezone(zone).date()
    for day in (local_day - timedelta(days=offset) for offset in (-1, 0, 1, 2)):
        if day in schedule.holidays:
            continue
        for start, end in schedule.weekly.get(day.weekday(), []):
            start_at = datetime.combine(day, start, tzinfo=zone)
            end_at = datetime.combine(day + timedelta(days=1) if end == MIDNIGHT else day, end, tzinfo=zone)
            if start_at.astimezone(UTC) < moment.astimezone(UTC) <= end_at.astimezone(UTC):
                return True
    return False


@PROPERTY_SETTINGS
@given(scenario=scenarios(), duration=durations)
def test_property_measuring_what_was_added_returns_the_duration(scenario, duration):
    schedule, start = scenario
    due = add_or_none(schedule, start, duration)
    if due is not None:
        assert abs(working_time_between(schedule, start, due) - duration) <= ONE_MICROSECOND


@PROPERTY_SETTINGS
@given(scenario=scenarios(), first=durations, second=durations)
def test_property_adding_is_monotonic_in_the_duration(scenario, first, second):
    schedule, start = scenario
    shorter, longer = sorted([first, second])
    due_shorter = add_or_none(schedule, start, shorter)
    due_longer = add_or_none(schedule, start, longer)
    if due_shorter is None:
        assert due_longer is None
    elif due_longer is not None:
        assert due_shorter <= due_longer


@PROPERTY_SETTINGS
@given(data=st.data(), moments=st.lists(instants, min_size=3, max_size=3))
def test_property_measuring_is_additive(data, moments):
    a, b, c = sorted(moments, key=lambda moment: moment.astimezone(UTC))
    schedule = data.draw(schedules(a), label="schedule")

    assert working_time_between(schedule, a, b) + working_time_between(schedule, b, c) == working_time_between(
        schedule, a, c
    )


@PROPERTY_SETTINGS
@given(scenario=scenarios(), duration=durations)
def test_property_added_result_is_not_before_start_and_lies_in_a_working_interval(scenario, duration):
    schedule, start = scenario
    due = add_or_none(schedule, start, duration)
    if due is not None:
        assert due >= start
        assert lies_in_working_interval(schedule, due)


@PROPERTY_SETTINGS
@given(start=instants, end=instants)
def test_property_24x7_measuring_equals_wall_time(start, end):
    elapsed = end.astimezone(UTC) - start.astimezone(UTC)

    assert working_time_between(Schedule(), start, end) == max(elapsed, timedelta(0))


@PROPERTY_SETTINGS
@given(start=instants, duration=durations)
def test_property_24x7_adding_then_measuring_returns_the_duration(start, duration):
    due = add_working_time(Schedule(), start, duration)

    assert due.astimezone(UTC) - start.astimezone(UTC) == duration
    assert working_time_between(Schedule(), start, due) == duration
