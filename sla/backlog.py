"""The backlog over time: open tickets counted by where they stand, once per UTC day.

Counting open tickets at a past moment cannot be done from the tickets as they are now (a ticket
solved, reopened and closed since leaves no trace of it in its row), so the desk counts them as it
goes: backlog_snapshot_take (a beat task, every SLA_BACKLOG_SNAPSHOT_SECONDS) replaces the day's
rows with the current count, and the report reads the few rows of the days it covers."""

from datetime import UTC, date, datetime

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Count, Max, Q, Subquery, Sum

from tickets.models import OPEN_STATUS_VALUES, Ticket

from .models import BacklogSnapshot

PLACE = ("team_id", "category_id", "priority", "channel", "assignee_id")


def backlog_snapshot_take(*, now: datetime) -> int:
    """Count the open tickets per place now, and how many of them are breached, and make that the
    day's backlog; returns how many places have open tickets. One GROUP BY over the open tickets."""
    day = now.astimezone(UTC).date()
    counts = (
        Ticket.objects.filter(status__in=OPEN_STATUS_VALUES)
        .order_by()
        .values(*PLACE)
        .annotate(n=Count("id"), breached=Count("id", filter=Q(sla_breached=True)))
    )
    rows = [
        BacklogSnapshot(
            day=day,
            taken_at=now,
            **{name: row[name] for name in PLACE},
            open_tickets=row["n"],
            open_breached=row["breached"],
        )
        for row in counts
    ]
    with transaction.atomic():
        BacklogSnapshot.objects.filter(day=day).delete()
        BacklogSnapshot.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def backlog_points(*, first: date, last: date, place: dict, using: str = DEFAULT_DB_ALIAS) -> list[dict]:
    """Open tickets at the last count of each day from `first` to `last` in the place (a filter
    on PLACE columns), read from the database `using`; a day with no count has no point."""
    days = (
        BacklogSnapshot.objects.using(using)
        .filter(day__gte=first, day__lte=last, **place)
        .values("day")
        .annotate(open=Sum("open_tickets"), counted_at=Max("taken_at"))
        .order_by("day")
    )
    return [{"date": row["day"].isoformat(), "open": row["open"], "counted_at": row["counted_at"]} for row in days]


def open_breached_at_last_count(
    *, place: dict, column: str | None, using: str = DEFAULT_DB_ALIAS
) -> tuple[int, dict[object, int], datetime | None]:
    """Open breached tickets in the place at the last count (the latest day's rows): the total,
    the count per value of `column` (a PLACE column, or none), and when that count was taken;
    read from the database `using`."""
    latest = BacklogSnapshot.objects.filter(**place).order_by("-day").values("day")[:1]
    rows = BacklogSnapshot.objects.using(using).filter(day=Subquery(latest), **place).order_by()
    total, by_value, counted_at = 0, {}, None
    for row in rows.values(*([column] if column else [])).annotate(n=Sum("open_breached"), at=Max("taken_at")):
        if column:
            by_value[row[column]] = row["n"]
        total += row["n"]
        counted_at = max(counted_at, row["at"]) if counted_at else row["at"]
    return total, by_value, counted_at
