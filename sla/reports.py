"""The SLA report: what leads read to see whether the desk keeps its promises.

Everything is computed by the database, whatever the number of tickets: counts and breakdowns
with GROUP BY, percentiles with PostgreSQL's percentile_cont (one index-only range scan and one
sort per measure, GROUPING SETS for a breakdown), and on SQLite by fetching the few ranked rows
the interpolation needs. Both give the same numbers as statistics.quantiles(method="inclusive"),
i.e. linear interpolation between the closest ranks (PERCENTILE_CONT). On PostgreSQL the
independent statements run side by side on a few connections that share one snapshot, so the
report reads one consistent state. With a read replica configured (REPORTS_DATABASE_URL) every
statement of the report runs on it (support_desk.db_routers.reports_alias), none on the primary.

A report can be narrowed to a scope (team, category, priority, channel, agent) and broken down by
one of those dimensions. Each measure counts a ticket where it stood when the measure was taken:
percentiles and ticket counts by the ticket's current team, category, priority, channel and
assignee; compliance by where the ticket stood when its clock was fulfilled (SlaClock.ended_*);
breaches by where it stood when the clock ran out (the sla_breached event's data)."""

import math
import queue
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce

from accounts.models import User
from support_desk.db_routers import reports_alias
from tickets.models import Category, Priority, Satisfaction, Team, Ticket, TicketEvent

from .backlog import backlog_points, open_breached_at_last_count
from .models import Metric, SlaClock

PERCENTILES = (50, 75, 90, 95)
DIMENSIONS = ("team", "category", "priority", "channel", "agent")
BACKLOG_MAX_DAYS = 366  # backlog points: one per day, at most this many (the last days of the period)
TOTAL = object()  # the key of the whole scope's row in a breakdown's results

# Per dimension: the ticket column, the clock column (where it stood when fulfilled) and the key
# of the sla_breached event's data (where it stood when the clock ran out).
_TICKET_FIELD = {"team": "team_id", "category": "category_id", "priority": "priority", "channel": "channel"}
_TICKET_FIELD["agent"] = "assignee_id"
_CLOCK_FIELD = {name: f"ended_{column}" for name, column in _TICKET_FIELD.items()}
_EVENT_KEY = {"team": "team", "category": "category", "priority": "priority", "channel": "channel"}
_EVENT_KEY["agent"] = "assignee"


@dataclass(frozen=True, slots=True)
class Scope:
    """The tickets a report covers: each dimension given narrows it (ids for team, category and
    agent; values for priority and channel). An empty scope is every ticket."""

    team: int | None = None
    category: int | None = None
    priority: str | None = None
    channel: str | None = None
    agent: int | None = None

    def given(self) -> dict[str, int | str]:
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None}

    def tickets(self) -> Q:
        return Q(**{_TICKET_FIELD[name]: value for name, value in self.given().items()})

    def clocks(self) -> Q:
        return Q(**{_CLOCK_FIELD[name]: value for name, value in self.given().items()})


def _minutes(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 60, 1)


def _summary(count: int, cuts: dict[int, float | None]) -> dict:
    return {"count": count, **{f"p{p}": _minutes(cuts.get(p)) for p in PERCENTILES}}


def _sql_where(q: Q, model) -> tuple[str, list]:
    """A Q on `model` as SQL for a hand-written statement's WHERE (column names unqualified)."""
    queryset = model.objects.filter(q).order_by().values("pk")
    compiler = queryset.query.get_compiler(connection=connections[reports_alias()])
    where, params = compiler.compile(queryset.query.where)
    return where.replace(f'"{model._meta.db_table}".', ""), list(params)


# --- percentiles ------------------------------------------------------------------------------------


def _percentile_cont(
    end: str, *, since: datetime, until: datetime, scope: Scope, group_by: str | None
) -> dict[object, tuple[int, dict[int, float | None]]]:
    """Count and percentile_cont of (end - created_at) in seconds for tickets whose `end` falls in
    the period: one ordered-set aggregate over an array of fractions, so one sort (per group,
    GROUPING SETS adding the whole scope's row). Index-only on ticket_*_report_idx, but for
    priority, which that index leaves out."""
    column = Ticket._meta.get_field(end).column
    fractions = ", ".join(str(p / 100) for p in PERCENTILES)
    scope_sql, params = _sql_where(scope.tickets(), Ticket) if scope.given() else ("", [])
    group = _TICKET_FIELD[group_by] if group_by else None
    select_group = f'"{group}", GROUPING("{group}"), ' if group else ""
    sql = (
        f"SELECT {select_group}count(*), percentile_cont(ARRAY[{fractions}]::float8[]) WITHIN GROUP "
        f'(ORDER BY date_part(\'epoch\', "{column}" - "created_at")) '
        f'FROM "{Ticket._meta.db_table}" WHERE "{column}" >= %s AND "{column}" < %s'
        + (f" AND {scope_sql}" if scope_sql else "")
        + (f' GROUP BY GROUPING SETS ((), ("{group}"))' if group else "")
    )
    results: dict[object, tuple[int, dict[int, float | None]]] = {}
    with connections[reports_alias()].cursor() as cursor:
        cursor.execute(sql, [since, until, *params])
        for row in cursor.fetchall():
            key = (TOTAL if row[1] else row[0]) if group else TOTAL
            count, cuts = row[-2:]
            results[key] = (count, dict(zip(PERCENTILES, cuts or [None] * len(PERCENTILES), strict=True)))
    results.setdefault(TOTAL, (0, dict.fromkeys(PERCENTILES)))
    return results


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


def _percentile_ranked(
    end: str, *, since: datetime, until: datetime, scope: Scope, group_by: str | None
) -> dict[object, tuple[int, dict[int, float | None]]]:
    """The same as _percentile_cont by ranks (SQLite): per group, two rows per percentile."""
    durations = (
        Ticket.objects.using(reports_alias())
        .filter(scope.tickets(), **{f"{end}__gte": since, f"{end}__lt": until})
        .annotate(duration=ExpressionWrapper(F(end) - F("created_at"), output_field=DurationField()))
        .order_by()
    )
    subsets: dict[object, QuerySet] = {TOTAL: durations}
    if group_by:
        column = _TICKET_FIELD[group_by]
        for key in durations.values_list(column, flat=True).distinct():
            subsets[key] = durations.filter(**{column: key})
    results = {}
    for key, subset in subsets.items():
        count = subset.count()
        results[key] = (count, _ranked_percentiles(subset, count))
    return results


# --- counts and backlog -----------------------------------------------------------------------------


def _ticket_counts(*, since: datetime, until: datetime, scope: Scope, group_by: str | None) -> dict:
    """Tickets created in the period per group (a range of ticket_created_report_idx); the open
    breached tickets at the last backlog count and the backlog (open tickets per day), both from
    the day's last count (sla.backlog), not from the tickets."""
    created = (
        Ticket.objects.using(reports_alias())
        .filter(scope.tickets(), created_at__gte=since, created_at__lt=until)
        .order_by()
    )
    column = _TICKET_FIELD[group_by] if group_by else None
    counts: dict[object, dict[str, int]] = {TOTAL: {"created": 0, "open_breached": 0}}
    if column is None:
        counts[TOTAL]["created"] = created.count()
    else:
        for row in created.values(column).annotate(n=Count("*")):
            counts[row[column]] = {"created": row["n"], "open_breached": 0}
            counts[TOTAL]["created"] += row["n"]
    place = {_TICKET_FIELD[name]: value for name, value in scope.given().items()}
    total, by_value, counted_at = open_breached_at_last_count(place=place, column=column, using=reports_alias())
    counts[TOTAL]["open_breached"] = total
    for key, n in by_value.items():
        counts.setdefault(key, {"created": 0, "open_breached": 0})["open_breached"] = n
    last = until.astimezone(UTC).date()
    first = max(since.astimezone(UTC).date(), last - timedelta(days=BACKLOG_MAX_DAYS - 1))
    backlog = backlog_points(first=first, last=last, place=place, using=reports_alias())
    return {"counts": counts, "backlog": backlog, "open_breached_counted_at": counted_at}


# --- compliance, breaches, satisfaction -------------------------------------------------------------


def _compliance(*, since: datetime, until: datetime, scope: Scope, group_by: str | None) -> dict[object, dict]:
    """Clocks that ended (fulfilled) or breached in the period; a clock met its promise when it
    ended without a breach (a late end is a breach: services._fulfil). Counted as two disjoint
    sets: the clocks fulfilled in the period, read from sla_clock_ended_idx alone (where the
    ticket stood when each ended is in it), and the few breached in it but not fulfilled in it
    (sla_clock_breach_cover_idx, with the ticket; such a clock has not ended, so the ticket's current place counts,
    looked up by primary key for those tickets only)."""
    totals: dict[object, dict[str, list[int]]] = {TOTAL: {}}

    def add(key: object, metric: str, total: int, breached: int) -> None:
        counted = totals.setdefault(key, {}).setdefault(metric, [0, 0])
        counted[0] += total
        counted[1] += breached

    measures = {"total": Count("metric"), "breached": Count("metric", filter=Q(breached_at__isnull=False))}
    fulfilled = (
        SlaClock.objects.using(reports_alias())
        .filter(scope.clocks(), fulfilled_at__gte=since, fulfilled_at__lt=until)
        .order_by()
    )
    column = _CLOCK_FIELD.get(group_by)
    for row in fulfilled.values("metric", *([column] if column else [])).annotate(**measures):
        add(TOTAL, row["metric"], row["total"], row["breached"])
        if column:
            add(row[column], row["metric"], row["total"], row["breached"])

    breached_only = (
        SlaClock.objects.using(reports_alias())
        .filter(
            Q(breached_at__gte=since, breached_at__lt=until)
            & (Q(fulfilled_at__isnull=True) | Q(fulfilled_at__lt=since) | Q(fulfilled_at__gte=until))
        )
        .order_by()
    )
    if not scope.given() and not group_by:
        for row in breached_only.values("metric").annotate(**measures):
            add(TOTAL, row["metric"], row["total"], row["breached"])
        return {key: _compliance_figures(by_metric) for key, by_metric in totals.items()}
    clocks = list(breached_only.values_list("ticket_id", "metric"))
    ticket_column = _TICKET_FIELD[group_by] if group_by else "pk"
    places: dict[int, object] = {}
    ids = sorted({ticket_id for ticket_id, _ in clocks})
    for offset in range(0, len(ids), 5000):
        places.update(
            Ticket.objects.using(reports_alias())
            .filter(scope.tickets(), pk__in=ids[offset : offset + 5000])
            .order_by()
            .values_list("pk", ticket_column)
        )
    for ticket_id, metric in clocks:
        if ticket_id in places:
            add(TOTAL, metric, 1, 1)
            if group_by:
                add(places[ticket_id], metric, 1, 1)
    return {key: _compliance_figures(by_metric) for key, by_metric in totals.items()}


def _compliance_figures(by_metric: dict[str, list[int]]) -> dict:
    figures = {}
    for metric in Metric.values:
        total, breached = by_metric.get(metric, (0, 0))
        figures[metric] = {
            "clocks": total,
            "met": total - breached,
            "breached": breached,
            "compliance_percent": round(100 * (total - breached) / total, 2) if total else None,
        }
    return figures


def _breaches(*, since: datetime, until: datetime, scope: Scope, group_by: str | None) -> dict:
    """sla_breached events of the period, by team, by category and by the breakdown's dimension:
    one GROUP BY over the codes the events carry (where the ticket stood when the clock ran out:
    sweep._where), whose few rows are then added up; the covering index event_breach_cover_idx
    answers it alone. Older events without them (the rows with a NULL) are counted again with
    the ticket's current place."""
    keys = ["team", "category", *([group_by] if group_by and group_by not in ("team", "category") else [])]
    for name in scope.given():
        if name not in keys:
            keys.append(name)
    events = (
        TicketEvent.objects.using(reports_alias())
        .filter(kind=TicketEvent.Kind.SLA_BREACHED, at__gte=since, at__lt=until)
        .order_by()
    )
    annotations = {f"k_{key}": KT(f"data__{_EVENT_KEY[key]}") for key in keys}
    names = list(annotations)
    rows = list(events.annotate(**annotations).values_list(*names).annotate(n=Count("*")))
    if any(None in row[:-1] for row in rows):
        rows = [row for row in rows if None not in row[:-1]]
        current = {key: _current(key) for key in keys}
        missing = Q()
        for key in keys:
            missing |= Q(**{f"data__{_EVENT_KEY[key]}__isnull": True})
        rows += list(
            events.filter(missing)
            .annotate(**{f"k_{key}": Coalesce(KT(f"data__{_EVENT_KEY[key]}"), current[key]) for key in keys})
            .values_list(*names)
            .annotate(n=Count("*"))
        )
    codes = _scope_codes(scope)
    by_team: dict[str, int] = {}
    by_category: dict[str, int] = {}
    by_group: dict[str, int] = {}
    for row in rows:
        where = dict(zip(keys, row[:-1], strict=True))
        if any(str(where[name]) != codes[name] for name in codes):
            continue
        count = row[-1]
        by_team[where["team"]] = by_team.get(where["team"], 0) + count
        by_category[where["category"]] = by_category.get(where["category"], 0) + count
        if group_by:
            key = str(where[group_by]) if where[group_by] is not None else ""
            by_group[key] = by_group.get(key, 0) + count

    def ranked(counts: dict[str, int]) -> dict[str, int]:
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    return {"team": ranked(by_team), "category": ranked(by_category), "group": by_group}


def _current(key: str) -> Subquery:
    """The ticket's current value of a dimension, as the events write it (codes, ids as text)."""
    path = {"team": "team__code", "category": "category__code", "agent": "assignee_id"}.get(key, key)
    value = Ticket.objects.filter(pk=OuterRef("ticket_id")).order_by().values(path)[:1]
    return Cast(Subquery(value), output_field=TextField())


def _team_and_category_codes(scope: Scope) -> dict[str, str | None]:
    """The codes of the scope's team and category (the API and the events name them by code)."""
    codes: dict[str, str | None] = {}
    if scope.team is not None:
        codes["team"] = Team.objects.using(reports_alias()).filter(pk=scope.team).values_list("code", flat=True).first()
    if scope.category is not None:
        codes["category"] = (
            Category.objects.using(reports_alias()).filter(pk=scope.category).values_list("code", flat=True).first()
        )
    return codes


def _scope_codes(scope: Scope) -> dict[str, str]:
    """The scope as the events write it: team and category codes, the rest as text."""
    codes = {name: str(value) for name, value in scope.given().items()}
    codes.update({name: code or "" for name, code in _team_and_category_codes(scope).items()})
    return codes


def _satisfaction(*, since: datetime, until: datetime, scope: Scope, group_by: str | None) -> dict[object, dict]:
    """Ratings given in the period: how many, the average and the count of each score 1-5."""
    ratings = (
        Satisfaction.objects.using(reports_alias())
        .filter(created_at__gte=since, created_at__lt=until, **{f"ticket__{k}": v for k, v in scope.tickets().children})
        .order_by()
    )
    column = f"ticket__{_TICKET_FIELD[group_by]}" if group_by else None
    names = ["rating", column] if column else ["rating"]
    scores: dict[object, dict[int, int]] = {TOTAL: {}}
    for row in ratings.values(*names).annotate(n=Count("id")):
        for key in [TOTAL, row[column]] if column else [TOTAL]:
            by_score = scores.setdefault(key, {})
            by_score[row["rating"]] = by_score.get(row["rating"], 0) + row["n"]
    results = {}
    for key, by_score in scores.items():
        responses = sum(by_score.values())
        results[key] = {
            "responses": responses,
            "average": round(sum(score * n for score, n in by_score.items()) / responses, 2) if responses else None,
            "distribution": {str(score): by_score.get(score, 0) for score in range(1, 6)},
        }
    return results


# --- running the parts ------------------------------------------------------------------------------


def _tune(cursor) -> None:
    # For these statements only: each sorts up to a million durations (a breakdown sorts them by
    # group first), which the default work_mem (4 MB), and 64 MB for a breakdown, would spill to
    # disk; and JIT compilation costs more than it saves on a statement that runs once (about 0.1 s
    # each at 1M tickets).
    # Each statement on one process: the parts already run side by side on the connections, and
    # parallel workers on top of them only contend for the same cores.
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")


def _postgresql_parts(**query) -> dict[str, Callable[[], object]]:
    """The report's independent statements, in the order they are started: longest first (at 1M
    answered tickets: each percentile set ~0.25 s, compliance and breaches less, the counts
    ~0.15 s), so that two connections finish at about the same time."""
    return {
        "first": lambda: _percentile_cont("first_response_at", **query),
        "solved": lambda: _percentile_cont("solved_at", **query),
        "compliance": lambda: _compliance(**query),
        "breaches": lambda: _breaches(**query),
        "counts": lambda: _ticket_counts(**query),
        "satisfaction": lambda: _satisfaction(**query),
    }


def _in_snapshot(snapshot: str, part: Callable[[], object]) -> object:
    """Run one part on this thread's own connection, in the snapshot the report exported, so
    every part reads the same database state; the connection is closed after."""
    alias = reports_alias()
    try:
        with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            # SET takes no bound parameter (server-side binding sends one): the id that
            # pg_export_snapshot() gave, checked to be only its hex digits and dashes, is inlined.
            if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
                raise ValueError(f"not a snapshot id: {snapshot!r}")
            cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            _tune(cursor)
            return part()
    finally:
        connections[alias].close()


def _run_postgresql(*, workers: int, **query) -> dict[str, object]:
    """The parts side by side on `workers` connections (the caller's and workers - 1 threads',
    each taking the next part when it is free), all in one REPEATABLE READ snapshot exported by
    the caller's transaction (pg_export_snapshot), so the figures agree with each other exactly
    as if one statement had read them. Inside a caller's transaction (a test's, whose rows other
    connections cannot see), or with workers = 1, the caller runs them one after the other."""
    parts = _postgresql_parts(**query)
    alias = reports_alias()
    connection = connections[alias]
    if workers <= 1 or connection.in_atomic_block:
        with transaction.atomic(using=alias), connection.cursor() as cursor:
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

    with transaction.atomic(using=alias), connection.cursor() as cursor:
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


def _run_serial(**query) -> dict[str, object]:
    return {
        "first": _percentile_ranked("first_response_at", **query),
        "solved": _percentile_ranked("solved_at", **query),
        "compliance": _compliance(**query),
        "breaches": _breaches(**query),
        "counts": _ticket_counts(**query),
        "satisfaction": _satisfaction(**query),
    }


# --- the report -------------------------------------------------------------------------------------


def sla_report(
    *,
    since: datetime,
    until: datetime,
    scope: Scope | None = None,
    group_by: str | None = None,
    workers: int | None = None,
) -> dict:
    """Compliance by metric, first response and resolution percentiles (minutes of wall-clock
    time from creation), breaches by team and category, open tickets per day, satisfaction, for
    the period [since, until) and the scope; with `group_by` (one of DIMENSIONS) the same figures
    per team, category, priority, channel or agent in `groups`. On PostgreSQL the statements run
    side by side on `workers` connections (default settings.SLA_REPORT_WORKERS)."""
    if group_by is not None and group_by not in DIMENSIONS:
        raise ValueError(f"group_by must be one of {DIMENSIONS}")
    query = {"since": since, "until": until, "scope": scope or Scope(), "group_by": group_by}
    if connections[reports_alias()].vendor == "postgresql":
        workers = settings.SLA_REPORT_WORKERS if workers is None else workers
        parts = _run_postgresql(workers=workers, **query)
    else:
        parts = _run_serial(**query)
    counts, breaches = parts["counts"], parts["breaches"]
    report = {
        "since": since,
        "until": until,
        "scope": _describe_scope(query["scope"]),
        **_figures(parts, TOTAL),
        "breaches_by_team": breaches["team"],
        "breaches_by_category": breaches["category"],
        "open_breached_now": counts["counts"][TOTAL]["open_breached"],
        "open_breached_counted_at": counts["open_breached_counted_at"],
        "backlog": counts["backlog"],
    }
    if group_by:
        report["group_by"] = group_by
        report["groups"] = _groups(parts, group_by)
    return report


def _figures(parts: dict, key: object) -> dict:
    empty = (0, dict.fromkeys(PERCENTILES))
    counts = parts["counts"]["counts"].get(key, {"created": 0, "open_breached": 0})
    return {
        "tickets_created": counts["created"],
        "compliance": parts["compliance"].get(key) or _compliance_figures({}),
        "first_response_minutes": _summary(*parts["first"].get(key, empty)),
        "resolution_minutes": _summary(*parts["solved"].get(key, empty)),
        "satisfaction": parts["satisfaction"].get(key) or _satisfaction_empty(),
    }


def _satisfaction_empty() -> dict:
    return {"responses": 0, "average": None, "distribution": {str(score): 0 for score in range(1, 6)}}


def _groups(parts: dict, group_by: str) -> list[dict]:
    """One row per value of the dimension that any measure saw, labelled, biggest first."""
    seen: set = set()
    for name in ("first", "solved", "compliance", "satisfaction"):
        seen |= {key for key in parts[name] if key is not TOTAL}
    seen |= {key for key in parts["counts"]["counts"] if key is not TOTAL}
    keys, labels = _labels(group_by, seen, parts["breaches"]["group"])
    rows = []
    for key in keys:
        code, label = labels[key]
        rows.append(
            {
                "key": code,
                "label": label,
                **_figures(parts, key),
                "breaches": parts["breaches"]["group"].get(code, 0),
                "open_breached_now": parts["counts"]["counts"].get(key, {}).get("open_breached", 0),
            }
        )
    rows.sort(key=lambda row: (-row["tickets_created"], -row["first_response_minutes"]["count"], row["key"]))
    return [row for row in rows if _has_figures(row)]


def _has_figures(row: dict) -> bool:
    return bool(
        row["tickets_created"]
        or row["first_response_minutes"]["count"]
        or row["resolution_minutes"]["count"]
        or row["breaches"]
        or row["open_breached_now"]
        or row["satisfaction"]["responses"]
        or any(figures["clocks"] for figures in row["compliance"].values())
    )


def _labels(group_by: str, seen: set, breach_keys: dict[str, int]) -> tuple[list, dict]:
    """Each group's key as the API shows it (team/category code, priority/channel value, agent
    username; "" for no agent) and its label in the current language. Breach events name teams
    and categories by code and agents by id as text: those join the matching group."""
    labels: dict[object, tuple[str, str]] = {}
    if group_by in ("team", "category"):
        model = Team if group_by == "team" else Category
        by_code = {}
        for item in model.objects.using(reports_alias()):
            labels[item.pk] = (item.code, str(item))
            by_code[item.code] = item.pk
        seen |= {by_code[code] for code in breach_keys if code in by_code}
    elif group_by == "agent":
        ids = {key for key in seen if key is not None} | {int(k) for k in breach_keys if k.isdigit()}
        for user in User.objects.using(reports_alias()).filter(pk__in=ids):
            labels[user.pk] = (user.username, user.get_full_name() or user.username)
        labels[None] = ("", "—")
        seen = {key for key in seen if key is None or key in labels} | {user_id for user_id in ids if user_id in labels}
        # Breach events name agents by id: count them under the username.
        for key in list(breach_keys):
            if key.isdigit() and int(key) in labels:
                breach_keys[labels[int(key)][0]] = breach_keys.pop(key)
            elif key in ("", "None"):
                breach_keys[""] = breach_keys.get("", 0) + breach_keys.pop(key)
    else:
        choices = Priority if group_by == "priority" else Ticket.Channel
        for value, label in choices.choices:
            labels[value] = (value, str(label))
        seen |= {key for key in breach_keys if key in labels}
    keys = [key for key in seen if key in labels]
    return keys, labels


def _describe_scope(scope: Scope) -> dict:
    """The scope as the API shows it: team and category codes, the agent's username."""
    described: dict = _team_and_category_codes(scope)
    if scope.priority is not None:
        described["priority"] = scope.priority
    if scope.channel is not None:
        described["channel"] = scope.channel
    if scope.agent is not None:
        described["agent"] = (
            User.objects.using(reports_alias()).filter(pk=scope.agent).values_list("username", flat=True).first()
        )
    return described


# --- CSV ------------------------------------------------------------------------------------------


def figure_rows(report: dict) -> list[list]:
    """The report's figures as CSV rows: a header, the whole scope, then one row per group; the
    numbers are the API's, unrounded further."""
    header = ["group_by", "key", "label", "tickets_created"]
    for measure in ("first_response_minutes", "resolution_minutes"):
        header += [f"{measure}_count", *(f"{measure}_p{p}" for p in PERCENTILES)]
    for metric in Metric.values:
        header += [f"{metric}_clocks", f"{metric}_met", f"{metric}_breached", f"{metric}_compliance_percent"]
    header += ["breaches", "open_breached_now", "satisfaction_responses", "satisfaction_average"]
    header += [f"satisfaction_{score}" for score in range(1, 6)]
    total = {**report, "key": "", "label": "", "breaches": sum(report["breaches_by_team"].values())}
    return [header] + [_figure_row(report.get("group_by", ""), row) for row in [total, *report.get("groups", [])]]


def _figure_row(group_by: str, row: dict) -> list:
    values = [group_by, row["key"], row["label"], row["tickets_created"]]
    for measure in ("first_response_minutes", "resolution_minutes"):
        summary = row[measure]
        values += [summary["count"], *(_blank(summary[f"p{p}"]) for p in PERCENTILES)]
    for metric in Metric.values:
        figures = row["compliance"][metric]
        values += [figures["clocks"], figures["met"], figures["breached"], _blank(figures["compliance_percent"])]
    satisfaction = row["satisfaction"]
    values += [row["breaches"], row["open_breached_now"], satisfaction["responses"], _blank(satisfaction["average"])]
    values += [satisfaction["distribution"][str(score)] for score in range(1, 6)]
    return values


def backlog_rows(report: dict) -> list[list]:
    return [["date", "open"]] + [[point["date"], point["open"]] for point in report["backlog"]]


def _blank(value: object) -> object:
    return "" if value is None else value
