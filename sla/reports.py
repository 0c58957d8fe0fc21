"""The SLA report: what leads read to see whether the desk keeps its promises.

Everything is computed by the database, whatever the number of tickets: counts and breakdowns
with GROUP BY, percentiles with PostgreSQL's percentile_cont (one index-only range scan and one
sort per measure), and on SQLite by fetching the few ranked rows the interpolation needs. Both
give the same numbers as statistics.quantiles(method="inclusive"), i.e. linear interpolation
between the closest ranks (PERCENTILE_CONT). On PostgreSQL the independent statements run side by
side on a few connections that share one snapshot, so the report reads one consistent state."""

import math
import queue
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DurationField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery, TextField
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce

from tickets.models import Ticket, TicketEvent

from .models import Metric, SlaClock

PERCENTILES = (50, 75, 90, 95)
CLOSED_STATUSES = (Ticket.Status.SOLVED, Ticket.Status.CLOSED)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _summary(count: int, cuts: dict[int, float | None]) -> dict:
    return {"count": count, **{f"p{p}": _minutes(cuts.get(p)) for p in PERCENTILES}}


# --- percentiles ------------------------------------------------------------------------------------


def _percentile_cont(end: str, *, since: datetime, until: datetime) -> tuple[int, dict[int, float | None]]:
    """Count and percentile_cont of (end - created_at) in seconds for tickets whose `end` falls in
    the period: one ordered-set aggregate over an array of fractions, so one sort."""
    column = Ticket._meta.get_field(end).column
    created = Ticket._meta.get_field("created_at").column
    fractions = ", ".join(str(p / 100) for p in PERCENTILES)
    sql = (
        f"SELECT count(*), percentile_cont(ARRAY[{fractions}]::float8[]) WITHIN GROUP "
        f'(ORDER BY date_part(\'epoch\', "{column}" - "{created}")) '
        f'FROM "{Ticket._meta.db_table}" WHERE "{column}" >= %s AND "{column}" < %s'
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [since, until])
        count, cuts = cursor.fetchone()
    return count, dict(zip(PERCENTILES, cuts or [None] * len(PERCENTILES), strict=True))


def _ticket_counts(*, since: datetime, until: datetime) -> dict[str, int]:
    return Ticket.objects.aggregate(
        created=Count("id", filter=Q(created_at__gte=since, created_at__lt=until)),
        open_breached=Count("id", filter=Q(sla_breached=True) & ~Q(status__in=CLOSED_STATUSES)),
    )


def _ranked_percentiles(durations: QuerySet, count: int) -> dict[int, float | None]:
    """PERCENTILE_CONT by ranks: for each fraction p, the rows at ranks floor and ceil of
    (count - 1) * p in duration order (ORDER BY … LIMIT 2 OFFSET k), linearly interpolated.
    Reads two rows per percentile, never the whole set."""
    if count == 0:
        return dict.fromkeys(PERCENTILES)
    ordered = durations.order_by("duration").values_list("duration", flat=True)
    cuts: dict[int, float] = {}
    for p in PERCENTILES:
        position = (count - 1) * p / 100
        low = math.floor(position)
        values = [_seconds(value) for value in ordered[low : low + 2]]
        upper = values[1] if len(values) > 1 else values[0]
        cuts[p] = values[0] + (upper - values[0]) * (position - low)
    return cuts


def _seconds(value: timedelta | int | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value) / 1_000_000


def _ticket_figures_ranked(*, since: datetime, until: datetime) -> dict:
    def durations(end: str) -> QuerySet:
        return Ticket.objects.filter(**{f"{end}__gte": since, f"{end}__lt": until}).annotate(
            duration=ExpressionWrapper(F(end) - F("created_at"), output_field=DurationField())
        )

    answered, solved = durations("first_response_at"), durations("solved_at")
    first_count, solved_count = answered.count(), solved.count()
    return {
        "created": Ticket.objects.filter(created_at__gte=since, created_at__lt=until).count(),
        "open_breached": Ticket.objects.filter(sla_breached=True).exclude(status__in=CLOSED_STATUSES).count(),
        "first": (first_count, _ranked_percentiles(answered, first_count)),
        "solved": (solved_count, _ranked_percentiles(solved, solved_count)),
    }


# --- the report -------------------------------------------------------------------------------------


def _compliance(*, since: datetime, until: datetime) -> dict:
    """Clocks that ended (fulfilled) or breached in the period; a clock met its promise when it
    ended without a breach (a late end is a breach: services._fulfil). Counted as two disjoint
    sets, each read from its own partial index (sla_clock_fulfilled_idx, sla_clock_breached_idx):
    the clocks fulfilled in the period, and those breached in it but not fulfilled in it."""
    fulfilled = Q(fulfilled_at__gte=since, fulfilled_at__lt=until)
    breached_only = Q(breached_at__gte=since, breached_at__lt=until) & (
        Q(fulfilled_at__isnull=True) | Q(fulfilled_at__lt=since) | Q(fulfilled_at__gte=until)
    )
    totals: dict[str, list[int]] = {}
    for condition in (fulfilled, breached_only):
        for metric, total, breached in (
            SlaClock.objects.filter(condition)
            .values("metric")
            .annotate(total=Count("metric"), breached=Count("metric", filter=Q(breached_at__isnull=False)))
            .order_by("metric")
            .values_list("metric", "total", "breached")
        ):
            counted = totals.setdefault(metric, [0, 0])
            counted[0] += total
            counted[1] += breached
    compliance = {}
    for metric in Metric.values:
        total, breached = totals.get(metric, (0, 0))
        compliance[metric] = {
            "clocks": total,
            "met": total - breached,
            "breached": breached,
            "compliance_percent": round(100 * (total - breached) / total, 2) if total else None,
        }
    return compliance


def _breaches(*, since: datetime, until: datetime) -> tuple[dict[str, int], dict[str, int]]:
    """sla_breached events of the period by team and by category: one GROUP BY (team, category)
    in SQL, whose few rows (teams x categories) are then added up. Events say where the ticket
    stood when the clock ran out (sweep._where), so no join to the tickets is needed, and the
    covering index event_breach_cover_idx answers it alone. Older events without it (the row of
    the NULL group) are looked up again with the ticket's current team and category."""
    breaches = TicketEvent.objects.filter(kind=TicketEvent.Kind.SLA_BREACHED, at__gte=since, at__lt=until)
    rows = list(breaches.values_list(KT("data__team"), KT("data__category")).annotate(breaches=Count("id")).order_by())
    if any(team is None or category is None for team, category, _ in rows):

        def where(key: str, ticket_field: str) -> Coalesce:
            current = Ticket.objects.filter(pk=OuterRef("ticket_id")).order_by().values(ticket_field)[:1]
            return Coalesce(KT(f"data__{key}"), Subquery(current), output_field=TextField())

        rows = [row for row in rows if row[0] is not None and row[1] is not None]
        rows += (
            breaches.filter(Q(data__team__isnull=True) | Q(data__category__isnull=True))
            .annotate(team=where("team", "team__code"), category=where("category", "category__code"))
            .values_list("team", "category")
            .annotate(breaches=Count("id"))
            .order_by()
        )
    by_team: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for team, category, count in rows:
        by_team[team] = by_team.get(team, 0) + count
        by_category[category] = by_category.get(category, 0) + count

    def ranked(counts: dict[str, int]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    return ranked(by_team), ranked(by_category)


def _tune(cursor) -> None:
    # For these statements only: each sorts up to a million durations, which the default work_mem
    # (4 MB) would spill to disk; and JIT compilation costs more than it saves on a statement that
    # runs once (about 0.1 s each at 1M tickets).
    cursor.execute("SET LOCAL work_mem = '64MB'")
    cursor.execute("SET LOCAL jit = off")


def _postgresql_parts(*, since: datetime, until: datetime) -> dict[str, Callable[[], object]]:
    """The report's independent statements, in the order they are started: longest first (at 1M
    answered tickets: each percentile set ~0.29 s, the counts ~0.25 s, breaches and compliance
    less), so that two connections finish at about the same time."""
    return {
        "first": lambda: _percentile_cont("first_response_at", since=since, until=until),
        "solved": lambda: _percentile_cont("solved_at", since=since, until=until),
        "counts": lambda: _ticket_counts(since=since, until=until),
        "breaches": lambda: _breaches(since=since, until=until),
        "compliance": lambda: _compliance(since=since, until=until),
    }


def _in_snapshot(snapshot: str, part: Callable[[], object]) -> object:
    """Run one part on this thread's own connection, in the snapshot the report exported, so
    every part reads the same database state; the connection is closed after."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SET TRANSACTION SNAPSHOT %s", [snapshot])
            _tune(cursor)
            return part()
    finally:
        connection.close()


def _run_postgresql(*, since: datetime, until: datetime, workers: int) -> dict[str, object]:
    """The parts side by side on `workers` connections (the caller's and workers - 1 threads',
    each taking the next part when it is free), all in one REPEATABLE READ snapshot exported by
    the caller's transaction (pg_export_snapshot), so the figures agree with each other exactly
    as if one statement had read them. Inside a caller's transaction (a test's, whose rows other
    connections cannot see), or with workers = 1, the caller runs them one after the other."""
    parts = _postgresql_parts(since=since, until=until)
    if workers <= 1 or connection.in_atomic_block:
        with transaction.atomic(), connection.cursor() as cursor:
            _tune(cursor)
            return {name: part() for name, part in parts.items()}
    pending: queue.SimpleQueue[str] = queue.SimpleQueue()
    for name in parts:
        pending.put(name)
    results: dict[str, object] = {}

    def take_next(run: Callable[[Callable[[], object]], object]) -> None:
        while True:
            try:
                name = pending.get_nowait()
            except queue.Empty:
                return
            results[name] = run(parts[name])

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _tune(cursor)
        with ThreadPoolExecutor(max_workers=workers - 1, thread_name_prefix="sla-report") as pool:
            helpers = [pool.submit(take_next, lambda part: _in_snapshot(snapshot, part)) for _ in range(workers - 1)]
            take_next(lambda part: part())
            for helper in helpers:
                helper.result()  # re-raises a helper's error
    return results


def sla_report(*, since: datetime, until: datetime, workers: int | None = None) -> dict:
    """Compliance by metric, first response and resolution percentiles (minutes of wall-clock
    time from creation), breaches by team and category, for the period [since, until).
    On PostgreSQL the statements run side by side on `workers` connections (default
    settings.SLA_REPORT_WORKERS)."""
    if connection.vendor != "postgresql":
        figures = _ticket_figures_ranked(since=since, until=until)
        by_team, by_category = _breaches(since=since, until=until)
        compliance = _compliance(since=since, until=until)
    else:
        workers = settings.SLA_REPORT_WORKERS if workers is None else workers
        parts = _run_postgresql(since=since, until=until, workers=workers)
        figures = {**parts["counts"], "first": parts["first"], "solved": parts["solved"]}
        by_team, by_category = parts["breaches"]
        compliance = parts["compliance"]
    return {
        "since": since,
        "until": until,
        "tickets_created": figures["created"],
        "compliance": compliance,
        "first_response_minutes": _summary(*figures["first"]),
        "resolution_minutes": _summary(*figures["solved"]),
        "breaches_by_team": by_team,
        "breaches_by_category": by_category,
        "open_breached_now": figures["open_breached"],
    }
