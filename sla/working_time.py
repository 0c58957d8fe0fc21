"""Working-time arithmetic on a business calendar, correct across DST, midnights and holidays.

Everything is computed from one generator of working intervals in UTC, so adding a duration
and then measuring it give back the same duration by construction.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A calendar with no working time at all would make "due" mean never; refuse past this horizon.
HORIZON = timedelta(days=3 * 366)


class NoWorkingTime(Exception):
    pass


@dataclass(frozen=True)
class Schedule:
    """A calendar as plain data, so arithmetic needs no database access."""

    time_zone: str = "UTC"
    is_24x7: bool = True
    # weekday (0 = Monday) -> list of (start, end) local times; end 00:00 = midnight.
    weekly: dict[int, list[tuple[time, time]]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    @classmethod
    def from_calendar(cls, calendar) -> "Schedule":
        if calendar is None:
            return cls()
        weekly: dict[int, list[tuple[time, time]]] = {}
        for interval in calendar.intervals.all():
            weekly.setdefault(interval.weekday, []).append((interval.start, interval.end))
        return cls(
            time_zone=calendar.time_zone,
            is_24x7=calendar.is_24x7,
            weekly=weekly,
            holidays=frozenset(h.date for h in calendar.holidays.all()),
        )


def _day_intervals(schedule: Schedule, day: date, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    if day in schedule.holidays:
        return []
    result = []
    for start, end in sorted(schedule.weekly.get(day.weekday(), [])):
        start_utc = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
        end_day = day + timedelta(days=1) if end == time(0) else day
        end_utc = datetime.combine(end_day, end, tzinfo=zone).astimezone(UTC)
        if end_utc > start_utc:
            result.append((start_utc, end_utc))
    return result


def intervals_from(schedule: Schedule, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals in UTC, in order, not overlapping, the first one clipped to start at
    `moment` (or later)."""
    moment = moment.astimezone(UTC)
    if schedule.is_24x7:
        yield moment, datetime.max.replace(tzinfo=UTC)
        return
    zone = ZoneInfo(schedule.time_zone)
    day = moment.astimezone(zone).date() - timedelta(days=1)
    last_end = moment
    limit = moment + HORIZON
    while True:
        for start, end in _day_intervals(schedule, day, zone):
            start = max(start, last_end)
            if end <= start:
                continue
            last_end = end
            yield start, end
        day += timedelta(days=1)
        if datetime.combine(day, time(0), tzinfo=UTC) - timedelta(days=2) > limit:
            return


def add_working_time(schedule: Schedule, start: datetime, duration: timedelta) -> datetime:
    """The instant at which `duration` of working time has passed since `start`."""
    if duration <= timedelta(0):
        return start
    remaining = duration
    for interval_start, interval_end in intervals_from(schedule, start):
        available = interval_end - interval_start
        if remaining <= available:
            return interval_start + remaining
        remaining -= available
    raise NoWorkingTime("The calendar has no working time within the horizon.")


def working_time_between(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Working time in [start, end); zero when end is not after start."""
    # In UTC: datetimes sharing one tzinfo compare by wall clock, ignoring `fold`.
    if end.astimezone(UTC) <= start.astimezone(UTC):
        return timedelta(0)
    total = timedelta(0)
    for interval_start, interval_end in intervals_from(schedule, start):
        if interval_start >= end:
            break
        total += min(interval_end, end) - interval_start
    return total
