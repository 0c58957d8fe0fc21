"""Benchmark the SLA report (`reports/sla/`, sla.reports.sla_report) at 1,000,000 answered tickets.

A standalone script, not part of the test suite, on PostgreSQL. It uses the database of
bench/sla_sweep.py (support_desk_sla_bench; run that first, or let this script migrate and seed
it) and adds --tickets answered tickets by COPY (idempotent, marked by their subject), as the
desk leaves them: a first response and a resolution, fulfilled clocks (some breached, at their
due time), and their audit events (created, first response, status changes, sla_breached). The
sweep's open tickets stay as they are (their clocks are running, none of these is).

Then it times sla_report() over the whole period --runs times (median; the goal is <= 1 s),
the same report through the API as a lead, and prints EXPLAIN (ANALYZE, BUFFERS) of each of the
report's statements.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/support_desk_sla_bench \\
        .venv/bin/python bench/sla_report.py [--tickets 1000000] [--runs 7]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import benchmark_database, copy_in, ensure_database, setup_django  # bench/ is sys.path[0]
from sla_sweep import (
    CATEGORY_WEIGHTS,
    CHANNEL_WEIGHTS,
    CLOCK_COLUMNS,
    PRIORITY_WEIGHTS,
    TICKET_COLUMNS,
    _reference,
    _ts,
    check_schema,
    ensure_customers,
    git_revision,
    log,
    scalar,
    sql_exec,
)

SUBJECT_PREFIX = "SLA report bench #"  # marks the answered tickets this script adds (and only them)
SPREAD = timedelta(days=60)  # created over 60 days ...
SETTLED = timedelta(days=7)  # ... ending a week ago, so every one is answered and solved by now
FIRST_RESPONSE_BREACHED = 0.12  # share of first responses given after their due time
RESOLUTION_BREACHED = 0.15
CLOSED_SHARE = 0.3  # solved tickets later closed
SEED = 20_261_201
EVENT_COLUMNS = "ticket_id, actor_id, kind, data, at, prev, hash"
FULFILLED_CLOCK_COLUMNS = (
    f"{CLOCK_COLUMNS}, ended_team_id, ended_category_id, ended_assignee_id, ended_priority, ended_channel"
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="answered tickets to have in the database")
    parser.add_argument("--runs", type=int, default=7, help="timed reports (median reported)")
    parser.add_argument("--fill-chunk", type=int, default=50_000, help="tickets per COPY transaction")
    parser.add_argument("--customers", type=int, default=3_000, help="bulk-created customer accounts")
    parser.add_argument(
        "--lead-indexes",
        action="store_true",
        help="also time the report with the proposed tickets indexes (created for the run, dropped after)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument(
        "--allow-any-database",
        action="store_true",
        help="fill a database whose name does not contain 'bench' (it adds N fake tickets!)",
    )
    args = parser.parse_args(argv)
    if min(args.tickets, args.runs, args.fill_chunk, args.customers) < 1:
        parser.error("--tickets, --runs, --fill-chunk and --customers must be >= 1")
    return args


def fill(args: argparse.Namespace) -> dict[str, Any]:
    """COPY answered tickets, their two fulfilled clocks and their events until there are --tickets."""
    from django.db import connection, transaction
    from django.utils import timezone

    from sla.defaults import ensure_default_policy
    from sla.models import Metric, SlaPolicy
    from sla.services import target_seconds
    from tickets.audit import event_hash
    from tickets.models import PRIORITY_RANK, Category, Priority, Team

    existing = scalar("SELECT count(*) FROM tickets_ticket WHERE subject LIKE %s", [SUBJECT_PREFIX + "%"])
    if existing >= args.tickets:
        log(f"Answered tickets: {existing:,} already present (>= {args.tickets:,}); skipping the fill.")
        return {"existing": existing, "created": 0, "seconds": 0.0}
    started = time.perf_counter()
    policy = SlaPolicy.objects.prefetch_related("targets").get(pk=ensure_default_policy().pk)
    metrics = (Metric.FIRST_RESPONSE, Metric.RESOLUTION)
    targets = {(p, m): target_seconds(policy, priority=p, metric=m) for p in PRIORITY_WEIGHTS for m in metrics}
    customers = ensure_customers(args.customers)
    categories = list(Category.objects.filter(is_active=True).order_by("pk"))
    members: dict[int, list[int]] = {team.pk: [] for team in Team.objects.all()}
    team_codes = dict(Team.objects.values_list("pk", "code"))
    for team_id, user_id in Team.members.through.objects.values_list("team_id", "user_id"):
        members[team_id].append(user_id)
    rng = random.Random(SEED + existing)
    now = timezone.now()
    needed = args.tickets - existing
    log(f"Answered tickets: {existing:,} present, COPYing {needed:,} (+ {2 * needed:,} clocks and their events)")
    done = events_written = 0
    while done < needed:
        size = min(args.fill_chunk, needed - done)
        cats = rng.choices(categories, [CATEGORY_WEIGHTS.get(c.code, 3) for c in categories], k=size)
        prios = rng.choices(list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values()), k=size)
        channels = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()), k=size)
        tickets, clocks, events = io.StringIO(), io.StringIO(), io.StringIO()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('tickets_ticket', 'id')) FROM generate_series(1, %s)", [size]
            )
            for index, (ticket_id,) in enumerate(cursor.fetchall()):
                category, priority = cats[index], prios[index]
                team_id = category.default_team_id
                created = now - SETTLED - SPREAD * rng.random()
                first_target = targets[(priority, Metric.FIRST_RESPONSE)]
                resolution_target = targets[(priority, Metric.RESOLUTION)]
                late = rng.random() < FIRST_RESPONSE_BREACHED
                wait = first_target * (rng.uniform(1.02, 3.0) if late else rng.uniform(0.05, 0.98))
                late_solve = rng.random() < RESOLUTION_BREACHED
                took = resolution_target * (rng.uniform(1.02, 2.5) if late_solve else rng.uniform(0.1, 0.98))
                took = min(max(took, wait + 60), (now - created).total_seconds() - 60)
                answered, solved = created + timedelta(seconds=wait), created + timedelta(seconds=took)
                closed = solved + timedelta(days=3)
                is_closed = rng.random() < CLOSED_SHARE and closed < now
                breaches = []
                clock_rows = []
                members_of_team = members.get(team_id) or [None]
                assignee = rng.choice(members_of_team)
                # Where the ticket stood when each clock was fulfilled (sla.services._fulfil).
                ended_where = "\t".join(
                    (str(team_id), str(category.pk), str(assignee) if assignee else r"\N", priority, channels[index])
                )
                for metric, target, ended in (
                    (Metric.FIRST_RESPONSE, first_target, answered),
                    (Metric.RESOLUTION, resolution_target, solved),
                ):
                    due = created + timedelta(seconds=target)
                    breached = due if ended > due else None
                    if breached:
                        breaches.append((metric, due))
                    breached_text = _ts(breached) if breached else r"\N"
                    clock_rows.append(
                        f"{metric}\tfulfilled\t1\t{target}\t{_ts(created)}\t\\N\t{(ended - created).total_seconds()}\t"
                        f"\\N\t[]\t{_ts(due)}\t{_ts(ended)}\t{breached_text}\t\\N\t"
                        f"{policy.calendar_id}\t{ticket_id}\t{policy.pk}\t{ended_where}\n"
                    )
                clocks.write("".join(clock_rows))
                last = closed if is_closed else solved
                tickets.write(
                    "\t".join(
                        (
                            str(ticket_id),
                            _reference(rng.getrandbits(60)),
                            priority,
                            str(PRIORITY_RANK[Priority(priority)]),
                            "closed" if is_closed else "solved",
                            f"{SUBJECT_PREFIX}{existing + done + index + 1}",
                            channels[index],
                            "en",
                            "",
                            "",
                            r"\N",
                            "",
                            "",
                            "",
                            "",
                            "f",
                            _ts(created),
                            _ts(last),
                            _ts(answered),
                            _ts(solved),
                            _ts(closed) if is_closed else r"\N",
                            str(assignee) if assignee else r"\N",
                            str(category.pk),
                            r"\N",
                            str(rng.choice(customers)),
                            str(team_id),
                            json.dumps([metric for metric, _ in breaches]),
                            "t" if breaches else "f",
                            r"\N",
                            _ts(last),
                            "f",
                        )
                    )
                    + "\n"
                )
                rows = [
                    ("created", {}, created),
                    ("first_response", {}, answered),
                    ("status_changed", {"from": "new", "to": "open", "reason": "first_response"}, answered),
                    ("status_changed", {"from": "open", "to": "solved", "reason": "agent"}, solved),
                ]
                if is_closed:
                    rows.append(("status_changed", {"from": "solved", "to": "closed", "reason": "auto"}, closed))
                where = {  # as sweep._where writes it
                    "team": team_codes[team_id],
                    "category": category.code,
                    "priority": priority,
                    "channel": channels[index],
                    "assignee": assignee if assignee else "",
                }
                rows += [
                    ("sla_breached", {"metric": metric, "cycle": 1, "percent": 100, "due_at": _ts(due), **where}, due)
                    for metric, due in breaches
                ]
                prev = ""  # chained as tickets.audit chains them; the trigger advances the ticket's head
                for kind, data, at in rows:
                    digest = event_hash(ticket_id=ticket_id, kind=kind, actor_id=None, at=at, data=data, prev=prev)
                    events.write(f"{ticket_id}\t\\N\t{kind}\t{json.dumps(data)}\t{_ts(at)}\t{prev}\t{digest}\n")
                    prev = digest
                events_written += len(rows)
            for buffer, table, columns in (
                (tickets, "tickets_ticket", TICKET_COLUMNS),
                (clocks, "sla_slaclock", FULFILLED_CLOCK_COLUMNS),
                (events, "tickets_ticketevent", EVENT_COLUMNS),
            ):
                buffer.seek(0)
                copy_in(cursor, f"COPY {table} ({columns}) FROM STDIN", buffer)
        done += size
        elapsed = time.perf_counter() - started
        log(f"  {existing + done:>9,} answered tickets  ({elapsed:6.1f} s, {done / elapsed:,.0f} tickets/s)")
    log("VACUUM (ANALYZE) of the filled tables ...")
    for table in ("tickets_ticket", "sla_slaclock", "tickets_ticketevent"):
        sql_exec(f"VACUUM (ANALYZE) {table}")
    seconds = time.perf_counter() - started
    log(f"Answered tickets: filled {needed:,} with {events_written:,} events in {seconds:.1f} s.")
    return {"existing": existing, "created": needed, "events": events_written, "seconds": round(seconds, 1)}


# The indexes the report uses on tables the tickets app owns, as first proposed. They are now in
# tickets migration 0013 (ticket_first_response_idx, ticket_solved_idx, event_breach_idx), so the
# "as migrated" round has them; --lead-indexes only adds duplicates for one round (kept to compare).
LEAD_INDEXES = {
    "bench_ticket_answered_idx": "tickets_ticket (first_response_at, created_at) WHERE first_response_at IS NOT NULL",
    "bench_ticket_solved_idx": "tickets_ticket (solved_at, created_at) WHERE solved_at IS NOT NULL",
    "bench_event_breach_idx": "tickets_ticketevent (at) WHERE kind = 'sla_breached'",
}


def lead_indexes(create: bool) -> None:
    for name, definition in LEAD_INDEXES.items():
        sql_exec(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}" if create else f"DROP INDEX IF EXISTS {name}")
    if create:
        for table in ("tickets_ticket", "tickets_ticketevent"):
            sql_exec(f"VACUUM (ANALYZE) {table}")


def period(days: int | None = None) -> tuple[datetime, datetime]:
    """The whole filled history, or the last `days` days."""
    from django.utils import timezone

    now = timezone.now()
    return (now - timedelta(days=days) if days else now - SETTLED - SPREAD - timedelta(days=1)), now


def time_reports(runs: int, days: int | None = None, group_by: str | None = None) -> dict[str, Any]:
    from sla.reports import sla_report

    since, until = period(days)
    walls, report = [], None
    for _ in range(runs):
        started = time.perf_counter()
        report = sla_report(since=since, until=until, group_by=group_by)
        walls.append(time.perf_counter() - started)
    return {"walls": walls, "median": statistics.median(walls), "report": report}


def time_api(runs: int) -> list[float]:
    """The same report through GET reports/sla/ as the demo lead (authentication, view, JSON)."""
    from rest_framework.test import APIClient

    from accounts.models import User

    since, until = period()
    client = APIClient(SERVER_NAME="localhost")
    client.force_authenticate(User.objects.get(username="lead"))
    walls = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get("/api/v1/reports/sla/", {"since": since.isoformat(), "until": until.isoformat()})
        walls.append(time.perf_counter() - started)
        if response.status_code != 200:
            sys.exit(f"GET reports/sla/ answered {response.status_code}: {response.content[:300]!r}")
    return walls


def explain_statements() -> list[dict[str, Any]]:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement one report runs."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from sla.reports import sla_report

    since, until = period()
    with CaptureQueriesContext(connection) as captured:
        sla_report(since=since, until=until)
    plans = []
    settings = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SET LOCAL")]
    with transaction.atomic():
        for statement in settings:  # the report's own work_mem and jit
            sql_exec(statement)
        for query in captured.captured_queries:
            if query["sql"].lstrip().upper().startswith("SELECT"):
                rows = sql_exec("EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT) " + query["sql"])
                plans.append({"sql": query["sql"], "plan": [row[0] for row in rows]})
    return plans


def run_round(args: argparse.Namespace) -> dict[str, Any]:
    """Timed reports over the whole history and over the last 30 days, the API, the plans."""
    return {
        "whole history": time_reports(args.runs),
        "last 30 days": time_reports(args.runs, days=30),
        # What /desk/reports/ asks by default: the last 30 days broken down by team.
        "last 30 days by team (the reports page)": time_reports(args.runs, days=30, group_by="team"),
        "whole history by team": time_reports(args.runs, group_by="team"),
        "whole history by agent": time_reports(args.runs, group_by="agent"),
        "api": time_api(max(3, args.runs // 2)),
        "plans": explain_statements(),
    }


def summarize_plan(lines: list[str]) -> str:
    nodes = [line.strip().lstrip("-> ").split("  (")[0] for line in lines if "(cost=" in line]
    total = next((line for line in lines if line.startswith("Execution Time")), "")
    return f"{total}: {' > '.join(nodes[:6])}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings.local")
    os.environ.setdefault("DEBUG", "false")
    config = benchmark_database(
        allow_any_database=args.allow_any_database,
        script="sla_report.py",
        example_db="support_desk_sla_bench",
        why=" (the report uses percentile_cont there)",
    )
    if ensure_database():
        log(f"Created database {config['NAME']!r}.")
    setup_django()
    from django.core.management import call_command

    log("Migrating ...")
    call_command("migrate", interactive=False, verbosity=0)
    check_schema()
    call_command("seed_demo", verbosity=0)
    fill_info = fill(args)
    environment = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.uname().machine}, {os.cpu_count()} cores",
        "git": git_revision(),
        "postgresql": scalar("SHOW server_version"),
        "tickets": scalar("SELECT count(*) FROM tickets_ticket"),
        "answered": scalar("SELECT count(*) FROM tickets_ticket WHERE first_response_at IS NOT NULL"),
        "clocks": scalar("SELECT count(*) FROM sla_slaclock"),
        "events": scalar("SELECT count(*) FROM tickets_ticketevent"),
        "fill": fill_info,
    }
    log(
        f"\nDatabase: {environment['tickets']:,} tickets ({environment['answered']:,} answered), "
        f"{environment['clocks']:,} clocks, {environment['events']:,} events"
    )
    lead_indexes(create=False)  # as the migrations leave the database
    rounds = {"as migrated": run_round(args)}
    if args.lead_indexes:
        lead_indexes(create=True)
        try:
            rounds["with the proposed tickets indexes"] = run_round(args)
        finally:
            lead_indexes(create=False)
    log("\n" + "=" * 100)
    log(
        f"SUMMARY  {environment['date']}  |  {environment['machine']}  |  PostgreSQL {environment['postgresql']}  |  "
        f"git {environment['git']}  |  load average {[round(v, 2) for v in os.getloadavg()]}"
    )
    log(
        f"{environment['tickets']:,} tickets ({environment['answered']:,} answered), {environment['clocks']:,} clocks, "
        f"{environment['events']:,} events"
    )
    log("=" * 100)
    for name, timed in rounds.items():
        for label, result in timed.items():
            if label in ("api", "plans"):
                continue
            report = result["report"]
            log(
                f"[{name}] sla_report, {label}: {report['first_response_minutes']['count']:,} answered, "
                f"{report['tickets_created']:,} created: {', '.join(f'{w * 1000:.0f}' for w in result['walls'])} ms "
                f"(median {result['median'] * 1000:.0f} ms; goal <= 1000 ms)"
            )
        api_ms = ", ".join(f"{w * 1000:.0f}" for w in timed["api"])
        api_median = statistics.median(timed["api"]) * 1000
        log(f"[{name}] GET reports/sla/ as the lead, whole history: {api_ms} ms (median {api_median:.0f} ms)")
        for plan in timed["plans"]:
            log(f"[{name}]   {summarize_plan(plan['plan'])}")
    report = rounds["as migrated"]["whole history"]["report"]
    log(f"compliance: {json.dumps(report['compliance'])}")
    log(f"first response minutes: {report['first_response_minutes']}")
    log(f"resolution minutes: {report['resolution_minutes']}")
    log(f"breaches by team: {report['breaches_by_team']}")
    for name, timed in rounds.items():
        log(f"\nEXPLAIN (ANALYZE, BUFFERS), {name}:")
        for plan in timed["plans"]:
            log(f"\n{plan['sql'][:200]}...")
            for line in plan["plan"]:
                log(f"    {line}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"environment": environment, "rounds": rounds},
                indent=2,
                default=str,
            )
        )
        log(f"Results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
