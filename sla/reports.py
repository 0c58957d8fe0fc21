"""The SLA report: what leads read to see whether the desk keeps its promises.

Everything is computed by the database, whatever the number of tickets: counts and breakdowns
with GROUP BY, percentiles with PostgreSQL's percentile_cont (one pass over the tickets, one sort
per measure), and on SQLite by fetching the few ranked rows the interpolation needs. Both give the
same numbers as statistics.quantiles(method="inclusive"), i.e. linear interpolation between the
closest ranks (PERCENTILE_CONT)."""

import math
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet

from tickets.models import Ticket, TicketEvent

from .models import Metric, SlaClock

PERCENTILES = (50, 75, 90, 95)
CLOSED_STATUSES = (Ticket.Status.SOLVED, Ticket.Status.CLOSED)


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _summary(count: int, cuts: dict[int, float | None]) -> dict:
    return {"count": count, **{f"p{p}": _minutes(cuts.get(p)) for p in PERCENTILES}}


# --- percentiles ------------------------------------------------------------------------------------


def _ticket_figures_postgresql(*, since: datetime, until: datetime) -> dict:
    """One scan of the tickets for every ticket figure: how many were created, how many open
    ones are breached, and the first response and resolution counts and percentiles
    (percentile_cont over an array of fractions sorts each measure once)."""
    table = Ticket._meta.db_table
    fractions = ", ".join(str(p / 100) for p in PERCENTILES)
    answered = "first_response_at >= %(since)s AND first_response_at < %(until)s"
    solved = "solved_at >= %(since)s AND solved_at < %(until)s"
    sql = f"""
        SELECT
            count(*) FILTER (WHERE created_at >= %(since)s AND created_at < %(until)s),
            count(*) FILTER (WHERE sla_breached AND status NOT IN %(closed)s),
            count(*) FILTER (WHERE {answered}),
            percentile_cont(ARRAY[{fractions}]::float8[]) WITHIN GROUP (
                ORDER BY EXTRACT(EPOCH FROM first_response_at - created_at)::float8
            ) FILTER (WHERE {answered}),
            count(*) FILTER (WHERE {solved}),
            percentile_cont(ARRAY[{fractions}]::float8[]) WITHIN GROUP (
                ORDER BY EXTRACT(EPOCH FROM solved_at - created_at)::float8
            ) FILTER (WHERE {solved})
        FROM {table}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"since": since, "until": until, "closed": tuple(str(s) for s in CLOSED_STATUSES)})
        created, open_breached, first_count, first_cuts, solved_count, solved_cuts = cursor.fetchone()
    none = [None] * len(PERCENTILES)
    return {
        "created": created,
        "open_breached": open_breached,
        "first": (first_count, dict(zip(PERCENTILES, first_cuts or none, strict=True))),
        "solved": (solved_count, dict(zip(PERCENTILES, solved_cuts or none, strict=True))),
    }


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
    ended without a breach (a late end is a breach: services._fulfil)."""
    clocks = SlaClock.objects.filter(
        Q(fulfilled_at__gte=since, fulfilled_at__lt=until) | Q(breached_at__gte=since, breached_at__lt=until)
    )
    compliance = {}
    for row in (
        clocks.values("metric")
        .annotate(total=Count("id"), breached=Count("id", filter=Q(breached_at__isnull=False)))
        .order_by("metric")
    ):
        met = row["total"] - row["breached"]
        compliance[row["metric"]] = {
            "clocks": row["total"],
            "met": met,
            "breached": row["breached"],
            "compliance_percent": round(100 * met / row["total"], 2) if row["total"] else None,
        }
    for metric in Metric.values:
        compliance.setdefault(metric, {"clocks": 0, "met": 0, "breached": 0, "compliance_percent": None})
    return compliance


def _breaches_by(field: str, *, since: datetime, until: datetime) -> dict[str, int]:
    """sla_breached events of the period by the ticket's team or category: GROUP BY in SQL."""
    rows = (
        TicketEvent.objects.filter(kind=TicketEvent.Kind.SLA_BREACHED, at__gte=since, at__lt=until)
        .values_list(field)
        .annotate(breaches=Count("id"))
        .order_by("-breaches", field)
    )
    return dict(rows)


def sla_report(*, since: datetime, until: datetime) -> dict:
    """Compliance by metric, first response and resolution percentiles (minutes of wall-clock
    time from creation), breaches by team and category, for the period [since, until)."""
    if connection.vendor == "postgresql":
        figures = _ticket_figures_postgresql(since=since, until=until)
    else:
        figures = _ticket_figures_ranked(since=since, until=until)
    return {
        "since": since,
        "until": until,
        "tickets_created": figures["created"],
        "compliance": _compliance(since=since, until=until),
        "first_response_minutes": _summary(*figures["first"]),
        "resolution_minutes": _summary(*figures["solved"]),
        "breaches_by_team": _breaches_by("ticket__team__code", since=since, until=until),
        "breaches_by_category": _breaches_by("ticket__category__code", since=since, until=until),
        "open_breached_now": figures["open_breached"],
    }
