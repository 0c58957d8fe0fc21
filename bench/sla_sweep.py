"""Benchmark the SLA sweep at a realistic volume, on PostgreSQL.

A standalone script, not part of the test suite. It fills a dedicated database with N open
tickets, each with a running first-response and resolution clock (COPY, idempotent), then:

  A  makes --due clocks due and times one sla_sweep() (wall time, queries, steps fired), sweeps
     again at once (must fire 0) and replays the same work (must fire 0: exactly once);
  B  makes --many-due clocks due and times the full sweep (steps fired per second, outbox rows);
  EXPLAIN (ANALYZE, BUFFERS) of the sweep's locking SELECT with N tickets and --due due clocks;
  C  (--e2e) starts a real Celery worker and beat on Redis and measures, three times, the time from
     a clock's due_at until the escalation e-mail file appears.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/support_desk_sla_bench \\
        .venv/bin/python bench/sla_sweep.py [--tickets 1000000] [--due 1000] [--many-due 100000] [--e2e]

Clocks that are not part of a scenario are "parked": their next_check_at lies 30 to 365 days
ahead, so they stay out of every sweep however long the database is kept. After each scenario the
clocks it touched are parked again and their tickets restored. See bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import (  # bench/common.py (bench/ is sys.path[0])
    REPO_ROOT,
    benchmark_database,
    cleanup_broker,
    copy_in,
    ensure_database,
    setup_django,
)

CUSTOMER_PREFIX = "bench-sla-cust-"
SUBJECT_PREFIX = "SLA bench #"  # marks the generated tickets (and only them)
E2E_POLICY = "Bench e2e: 1-minute first response"
E2E_SUBJECT = "SLA bench e2e"
OPEN_STATUSES = ("new", "open")
STATUS_WEIGHTS = {"new": 70, "open": 30}
PRIORITY_WEIGHTS = {"urgent": 5, "high": 25, "normal": 55, "low": 15}
CHANNEL_WEIGHTS = {"web": 70, "email": 20, "api": 10}
CATEGORY_WEIGHTS = {
    "deposit_missing": 20,
    "withdrawal_delayed": 20,
    "account_locked": 10,
    "kyc_verification": 12,
    "trade_dispute": 8,
    "account_compromised": 4,
    "api": 5,
    "fees": 6,
    "other": 15,
}
SPREAD = timedelta(days=30)  # tickets were created over the last 30 days
PARK_AFTER = timedelta(days=30)  # parked clocks: next_check_at in now + 30 days ...
PARK_SPREAD = timedelta(days=335)  # ... up to now + 365 days
PARKED_ABOVE = timedelta(days=20)  # anything due sooner than this is not (or no longer) parked
# A due clock has run 110-115 % of its target: the 75 % and 100 % steps are due, 200 % is not.
DUE_FRACTION = (1.10, 0.05)
SEED = 20_241_125


# --------------------------------------------------------------------------- set-up


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000, help="fill to this many open tickets")
    parser.add_argument("--due", type=int, default=1_000, help="due clocks in scenario A and the EXPLAIN")
    parser.add_argument("--many-due", type=int, default=100_000, help="due clocks in scenario B (0: skip B)")
    parser.add_argument("--batch-size", type=int, help="sla_sweep batch_size (default: SLA_SWEEP_BATCH_SIZE, 500)")
    parser.add_argument("--workers", type=int, help="parallel sweepers (default: SLA_SWEEP_WORKERS, 2; 1 = one thread)")
    parser.add_argument("--a-runs", type=int, default=3, help="repetitions of scenario A (each on other clocks)")
    parser.add_argument(
        "--due-pattern",
        choices=("burst", "random", "both"),
        default="both",
        help="which clocks fall due in A: consecutive tickets (a burst filed together, as a market event "
        "makes them), random tickets across 30 days (the worst case), or both (default)",
    )
    parser.add_argument(
        "--checkpoint",
        action="store_true",
        help="CHECKPOINT right before each measured sweep of A: every page the sweep then writes costs a "
        "full-page image in the WAL, as in production where the due rows were last written hours before",
    )
    parser.add_argument("--fill-chunk", type=int, default=50_000, help="tickets per COPY transaction")
    parser.add_argument("--customers", type=int, default=3_000, help="bulk-created customer accounts")
    parser.add_argument("--e2e", action="store_true", help="also run scenario C (real Celery worker + beat)")
    parser.add_argument("--e2e-runs", type=int, default=3)
    parser.add_argument("--e2e-timeout", type=float, default=180, help="seconds after due_at before giving up")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/7", help="broker for scenario C")
    parser.add_argument("--sweep-seconds", type=float, default=15, help="SLA_SWEEP_SECONDS for the beat")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument(
        "--allow-any-database",
        action="store_true",
        help="fill a database whose name does not contain 'bench' (it adds N fake tickets!)",
    )
    args = parser.parse_args(argv)
    if min(args.tickets, args.due, args.a_runs, args.fill_chunk, args.customers) < 1:
        parser.error("--tickets, --due, --a-runs, --fill-chunk and --customers must be >= 1")
    if min(args.batch_size or 1, args.workers or 1) < 1:
        parser.error("--batch-size and --workers must be >= 1")
    if args.many_due < 0 or args.e2e_runs < 1:
        parser.error("--many-due must be >= 0 and --e2e-runs >= 1")
    if max(args.due, args.many_due) > args.tickets:
        parser.error("--due and --many-due must not exceed --tickets (half the clocks)")
    return args


def resolve_sweep_settings(args: argparse.Namespace) -> None:
    """What the beat's sweep task would use, unless given on the command line."""
    from django.conf import settings

    args.batch_size = args.batch_size or settings.SLA_SWEEP_BATCH_SIZE
    args.workers = args.workers or settings.SLA_SWEEP_WORKERS


def configure_environment(args: argparse.Namespace) -> dict[str, Any]:
    """Environment for Django, before it is imported; returns the parsed database settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings.local")
    # Production-like: DEBUG would log every query (CaptureQueriesContext still counts them).
    os.environ.setdefault("DEBUG", "false")
    if args.e2e:
        # The worker and beat of scenario C and this process must share one broker.
        os.environ["REDIS_URL"] = args.redis_url

    return benchmark_database(
        allow_any_database=args.allow_any_database,
        script="sla_sweep.py",
        example_db="support_desk_sla_bench",
        why=" (the sweep relies on SKIP LOCKED, ON CONFLICT and partial indexes)",
    )


def check_schema() -> None:
    """Refuse when a table the benchmark writes lacks a column the code expects (a migration was
    rewritten, or the models changed without one). Pending changes elsewhere only warn: the tree
    may be mid-edit in apps the sweep never touches."""
    from io import StringIO

    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=StringIO(), stderr=StringIO())
    except SystemExit:
        log("WARNING: some models have changes with no migration yet (`manage.py makemigrations --check`).")
    models = [
        apps.get_model(label)
        for label in (
            "tickets.Ticket",
            "tickets.TicketEvent",
            "tickets.Message",
            "notifications.OutboxMessage",
            "accounts.User",
        )
    ] + list(apps.get_app_config("sla").get_models())
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        for model in models:
            table = model._meta.db_table
            if table not in tables:
                sys.exit(f"Refusing to run: table {table} is missing; migrations and models disagree.")
            present = {column.name for column in connection.introspection.get_table_description(cursor, table)}
            missing = {field.column for field in model._meta.concrete_fields} - present
            if missing:
                sys.exit(
                    f"Refusing to run: table {table} lacks {sorted(missing)}. Drop the benchmark database and "
                    f"rerun: dropdb -h HOST -U USER {connection.settings_dict['NAME']}"
                )


def log(message: str = "") -> None:
    print(message, flush=True)


def sql_exec(sql: str, params: Any = None) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def scalar(sql: str, params: Any = None) -> Any:
    rows = sql_exec(sql, params)
    return rows[0][0] if rows else None


# --------------------------------------------------------------------------- fill


def ensure_customers(count: int) -> list[int]:
    from accounts.models import User

    wanted = [f"{CUSTOMER_PREFIX}{index:05d}" for index in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
    missing = [name for name in wanted if name not in existing]
    if missing:
        User.objects.bulk_create(
            [
                User(username=name, email=f"{name}@customers.example", first_name="Bench", password="!bench-unusable")
                for name in missing
            ],
            batch_size=5_000,
        )
    return list(User.objects.filter(username__in=wanted).values_list("pk", flat=True))


def _reference(bits: int) -> str:
    from tickets.models import REFERENCE_ALPHABET

    body = "".join(REFERENCE_ALPHABET[(bits >> (5 * index)) & 31] for index in range(12))
    return f"SD-{body[:4]}-{body[4:8]}-{body[8:]}"


def _ts(moment: datetime) -> str:
    return moment.isoformat()


TICKET_COLUMNS = (
    "id, reference, priority, priority_rank, status, subject, channel, language, asset, network, amount, txid, "
    "address, memo, order_id, is_complaint, created_at, updated_at, first_response_at, solved_at, closed_at, "
    "assignee_id, category_id, possible_duplicate_of_id, requester_id, team_id, breached_metrics, sla_breached, "
    "sla_due_at, status_changed_at, secret_exposed"
)
CLOCK_COLUMNS = (
    "metric, state, cycle, target_seconds, started_at, segment_started_at, elapsed_seconds, paused_at, "
    "paused_intervals, due_at, fulfilled_at, breached_at, next_check_at, calendar_id, ticket_id, policy_id"
)


def fill(args: argparse.Namespace) -> dict[str, Any]:
    """COPY tickets and their two running clocks until there are --tickets open tickets."""
    from django.db import connection, transaction
    from django.utils import timezone

    from sla.defaults import ensure_default_policy
    from sla.models import Metric, SlaPolicy
    from sla.services import target_seconds
    from tickets.models import PRIORITY_RANK, Category, Priority, Team, Ticket

    existing = Ticket.objects.filter(status__in=OPEN_STATUSES).count()
    if existing >= args.tickets:
        log(f"Tickets: {existing:,} open tickets already present (>= {args.tickets:,}); skipping the fill.")
        return {"existing": existing, "created": 0, "seconds": 0.0}

    started = time.perf_counter()
    policy = SlaPolicy.objects.prefetch_related("targets").get(pk=ensure_default_policy().pk)
    metrics = (Metric.FIRST_RESPONSE, Metric.RESOLUTION)
    targets = {
        (priority, metric): target_seconds(policy, priority=priority, metric=metric)
        for priority in PRIORITY_WEIGHTS
        for metric in metrics
    }
    if None in targets.values():
        sys.exit(f"The default policy lacks a target: {targets}")
    customers = ensure_customers(args.customers)
    categories = list(Category.objects.filter(is_active=True).order_by("pk"))
    members: dict[int, list[int]] = {team.pk: [] for team in Team.objects.all()}
    for team_id, user_id in Team.members.through.objects.values_list("team_id", "user_id"):
        members[team_id].append(user_id)
    rng = random.Random(SEED + existing)
    now = timezone.now()
    needed = args.tickets - existing
    log(
        f"Tickets: {existing:,} open present, COPYing {needed:,} (+ {2 * needed:,} clocks) "
        f"in chunks of {args.fill_chunk:,}"
    )
    done = 0
    while done < needed:
        size = min(args.fill_chunk, needed - done)
        cats = rng.choices(categories, [CATEGORY_WEIGHTS.get(c.code, 3) for c in categories], k=size)
        prios = rng.choices(list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values()), k=size)
        statuses = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()), k=size)
        channels = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()), k=size)
        tickets, clocks = io.StringIO(), io.StringIO()
        with transaction.atomic(), connection.cursor() as cursor:
            # Fewer fsyncs; a crash can lose the last chunks, never corrupt (the fill then resumes).
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('tickets_ticket', 'id')) FROM generate_series(1, %s)", [size]
            )
            ids = [row[0] for row in cursor.fetchall()]
            for index, ticket_id in enumerate(ids):
                category, priority, status = cats[index], prios[index], statuses[index]
                team_id = category.default_team_id
                created = now - SPREAD * rng.random()
                assigned = rng.random() < (0.10 if status == "new" else 1.0)
                assignee = rng.choice(members[team_id]) if assigned and members.get(team_id) else None
                first_due = created + timedelta(seconds=targets[(priority, Metric.FIRST_RESPONSE)])
                tickets.write(
                    "\t".join(
                        (
                            str(ticket_id),
                            _reference(rng.getrandbits(60)),
                            priority,
                            str(PRIORITY_RANK[Priority(priority)]),
                            status,
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
                            _ts(created),
                            r"\N",
                            r"\N",
                            r"\N",
                            str(assignee) if assignee else r"\N",
                            str(category.pk),
                            r"\N",
                            str(rng.choice(customers)),
                            str(team_id),
                            "[]",
                            "f",
                            _ts(first_due),
                            _ts(created),
                            "f",
                        )
                    )
                    + "\n"
                )
                for metric in metrics:
                    seconds = targets[(priority, metric)]
                    parked = now + PARK_AFTER + PARK_SPREAD * rng.random()
                    clocks.write(
                        f"{metric}\trunning\t1\t{seconds}\t{_ts(created)}\t{_ts(created)}\t0\t\\N\t[]\t"
                        f"{_ts(created + timedelta(seconds=seconds))}\t\\N\t\\N\t{_ts(parked)}\t"
                        f"{policy.calendar_id}\t{ticket_id}\t{policy.pk}\t\t\n"
                    )
            tickets.seek(0)
            clocks.seek(0)
            copy_in(cursor, f"COPY tickets_ticket ({TICKET_COLUMNS}) FROM STDIN", tickets)
            # A running clock has not ended: where it ended is blank (the model's defaults).
            copy_in(cursor, f"COPY sla_slaclock ({CLOCK_COLUMNS}, ended_channel, ended_priority) FROM STDIN", clocks)
        done += size
        elapsed = time.perf_counter() - started
        log(f"  {existing + done:>9,} open tickets  ({elapsed:6.1f} s, {done / elapsed:,.0f} tickets/s)")
    copy_seconds = time.perf_counter() - started
    log("VACUUM (ANALYZE) of the filled tables ...")
    for table in ("tickets_ticket", "sla_slaclock", "accounts_user"):
        sql_exec(f"VACUUM (ANALYZE) {table}")
    seconds = time.perf_counter() - started
    log(f"Tickets: filled {needed:,} tickets and {2 * needed:,} clocks in {seconds:.1f} s ({copy_seconds:.1f} s COPY).")
    return {
        "existing": existing,
        "created": needed,
        "seconds": round(seconds, 1),
        "copy_seconds": round(copy_seconds, 1),
    }


# --------------------------------------------------------------------------- scenario plumbing


def priority_by_first_response_target() -> list[tuple[int, str, int]]:
    from sla.defaults import MINUTES
    from sla.models import Metric
    from tickets.models import PRIORITY_RANK

    return [
        (minutes * 60, str(priority), PRIORITY_RANK[priority])
        for priority, minutes in MINUTES[Metric.FIRST_RESPONSE].items()
    ]


def repark(clock_ids: list[int] | None, now: datetime) -> int:
    """Put generated clocks back to their filled state (running since the ticket's creation, no step
    fired, parked far ahead) and restore their tickets (priority the sweep raised, breach flags,
    sla_due_at). With None: every generated clock that is not parked (a crashed earlier run)."""
    from django.db import transaction

    with transaction.atomic():
        if clock_ids is None:
            clock_ids = [
                row[0]
                for row in sql_exec(
                    "SELECT c.id FROM sla_slaclock c JOIN tickets_ticket t ON t.id = c.ticket_id "
                    "WHERE t.subject LIKE %s AND (c.next_check_at IS NULL OR c.next_check_at < %s "
                    "OR c.breached_at IS NOT NULL OR c.state <> 'running')",
                    [SUBJECT_PREFIX + "%", now + PARKED_ABOVE],
                )
            ]
        if not clock_ids:
            return 0
        # Every clock of the touched tickets: make_due set their other clock too, and an
        # escalation's priority raise retargets it (sla.sweep._retarget_raised).
        clock_ids = [
            row[0]
            for row in sql_exec(
                "SELECT id FROM sla_slaclock WHERE ticket_id IN "
                "(SELECT ticket_id FROM sla_slaclock WHERE id = ANY(%s))",
                [clock_ids],
            )
        ]
        sql_exec("DELETE FROM sla_escalationfiring WHERE clock_id = ANY(%s)", [clock_ids])
        sql_exec(
            "UPDATE sla_slaclock c SET state = 'running', cycle = 1, started_at = t.created_at, "
            "segment_started_at = t.created_at, elapsed_seconds = 0, paused_at = NULL, fulfilled_at = NULL, "
            "breached_at = NULL, due_at = t.created_at + c.target_seconds * interval '1 second', "
            "next_check_at = %s + random() * %s "
            "FROM tickets_ticket t WHERE t.id = c.ticket_id AND c.id = ANY(%s)",
            [now + PARK_AFTER, PARK_SPREAD, clock_ids],
        )
        values = ", ".join(["(%s, %s, %s)"] * 4)
        mapping = [value for row in priority_by_first_response_target() for value in row]
        sql_exec(
            "UPDATE tickets_ticket t SET priority = p.priority, priority_rank = p.rank, sla_breached = false, "
            "breached_metrics = '[]'::jsonb, sla_due_at = c.due_at "
            f"FROM sla_slaclock c JOIN (VALUES {values}) AS p(seconds, priority, rank) ON p.seconds = c.target_seconds "
            "WHERE c.ticket_id = t.id AND c.metric = 'first_response' "
            "AND c.ticket_id IN (SELECT ticket_id FROM sla_slaclock WHERE id = ANY(%s))",
            [*mapping, clock_ids],
        )
        # Targets (and policy) as filled, from the restored priority: a raise retargeted them.
        targets = default_targets()
        values = ", ".join(["(%s, %s, %s)"] * len(targets["seconds"]))
        sql_exec(
            "UPDATE sla_slaclock c SET target_seconds = m.seconds, policy_id = %s, calendar_id = %s, "
            "due_at = c.started_at + m.seconds * interval '1 second' "
            f"FROM tickets_ticket t, (VALUES {values}) AS m(priority, metric, seconds) "
            "WHERE t.id = c.ticket_id AND m.priority = t.priority AND m.metric = c.metric AND c.id = ANY(%s)",
            [targets["policy"], targets["calendar"], *[v for row in targets["seconds"] for v in row], clock_ids],
        )
    return len(clock_ids)


def default_targets() -> dict[str, Any]:
    """The default policy's first response and resolution targets, as the fill wrote them."""
    from sla.defaults import ensure_default_policy
    from sla.models import Metric, SlaPolicy
    from sla.services import target_seconds

    policy = SlaPolicy.objects.prefetch_related("targets").get(pk=ensure_default_policy().pk)
    seconds = [
        (priority, str(metric), target_seconds(policy, priority=priority, metric=metric))
        for priority in PRIORITY_WEIGHTS
        for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION)
    ]
    return {"policy": policy.pk, "calendar": policy.calendar_id, "seconds": seconds}


def pick_clocks(count: int, now: datetime, seed: float, pattern: str = "random") -> list[int]:
    """`count` parked clocks of generated tickets.

    random: anywhere among the 1M tickets (the worst case: every ticket, clock and index entry on
    a page of its own). burst: the first-response clocks of `count` consecutive tickets, i.e.
    tickets filed together (a market event), whose deadlines fall together; their rows are
    neighbours, as they would be in production."""
    sql_exec("SELECT setseed(%s)", [seed])
    if pattern == "burst":
        start = scalar(
            "SELECT min(id) + floor(random() * (max(id) - min(id) - %s * 3)) FROM tickets_ticket WHERE subject LIKE %s",
            [count, SUBJECT_PREFIX + "%"],
        )
        query = (
            "SELECT id FROM sla_slaclock WHERE next_check_at > %s AND state = 'running' "
            "AND metric = 'first_response' AND ticket_id >= %s ORDER BY ticket_id LIMIT %s"
        )
        return [row[0] for row in sql_exec(query, [now + PARKED_ABOVE, start, count])]
    return [
        row[0]
        for row in sql_exec(
            "SELECT id FROM sla_slaclock WHERE next_check_at > %s AND state = 'running' ORDER BY random() LIMIT %s",
            [now + PARKED_ABOVE, count],
        )
    ]


def make_due(clock_ids: list[int], now: datetime) -> None:
    """Each clock has run 110-115 % of its target by `now`: due since its 75 % moment."""
    from django.db import transaction

    low, jitter = DUE_FRACTION
    with transaction.atomic():
        sql_exec("DELETE FROM sla_escalationfiring WHERE clock_id = ANY(%s)", [clock_ids])
        sql_exec(
            "UPDATE sla_slaclock c SET state = 'running', elapsed_seconds = 0, breached_at = NULL, "
            "started_at = %(now)s - s.f * c.target_seconds * interval '1 second', "
            "segment_started_at = %(now)s - s.f * c.target_seconds * interval '1 second', "
            "due_at = %(now)s - (s.f - 1) * c.target_seconds * interval '1 second', "
            "next_check_at = %(now)s - (s.f - 0.75) * c.target_seconds * interval '1 second' "
            "FROM (SELECT id, %(low)s + random() * %(jitter)s AS f FROM unnest(%(ids)s::bigint[]) AS id) s "
            "WHERE c.id = s.id",
            {"now": now, "low": low, "jitter": jitter, "ids": clock_ids},
        )
        # The ticket's other clock, consistent with the due one (the fill starts both at creation,
        # up to 30 days ago, and parks them: overdue in truth, which a priority raise's retarget
        # would reveal): an earlier first response was answered; a resolution clock runs since
        # the first response clock started.
        sql_exec(
            "UPDATE sla_slaclock o SET "
            "state = CASE WHEN o.metric = 'first_response' THEN 'fulfilled' ELSE 'running' END, "
            "fulfilled_at = CASE WHEN o.metric = 'first_response' THEN c.segment_started_at END, "
            "next_check_at = CASE WHEN o.metric = 'first_response' THEN NULL ELSE o.next_check_at END, "
            "started_at = c.started_at, segment_started_at = CASE WHEN o.metric = 'first_response' THEN NULL "
            "ELSE c.segment_started_at END, elapsed_seconds = 0, breached_at = NULL, "
            "due_at = c.segment_started_at + o.target_seconds * interval '1 second' "
            "FROM sla_slaclock c WHERE c.id = ANY(%s) AND o.ticket_id = c.ticket_id AND o.id <> c.id",
            [clock_ids],
        )
        sql_exec(
            "UPDATE tickets_ticket t SET sla_due_at = m.due FROM (SELECT ticket_id, min(due_at) AS due "
            "FROM sla_slaclock WHERE state = 'running' AND ticket_id IN "
            "(SELECT ticket_id FROM sla_slaclock WHERE id = ANY(%s)) GROUP BY ticket_id) m WHERE t.id = m.ticket_id",
            [clock_ids],
        )


def due_count(now: datetime) -> int:
    return scalar("SELECT count(*) FROM sla_slaclock WHERE next_check_at <= %s", [now])


def firings_of(clock_ids: list[int]) -> int:
    return scalar("SELECT count(*) FROM sla_escalationfiring WHERE clock_id = ANY(%s)", [clock_ids])


def outbox_rows_at(now: datetime) -> dict[str, int]:
    rows = sql_exec(
        "SELECT kind, count(*) FROM notifications_outboxmessage WHERE created_at = %s AND purpose LIKE 'sla\\_%%' "
        "GROUP BY kind",
        [now],
    )
    return dict(rows)


def drop_outbox(now: datetime | None) -> int:
    """Delete the pending SLA alerts a sweep at `now` wrote (None: those of every generated ticket),
    so the periodic drain of scenario C does not deliver hundreds of thousands of them."""
    if now is not None:
        rows = sql_exec(
            "DELETE FROM notifications_outboxmessage WHERE created_at = %s AND purpose LIKE 'sla\\_%%' "
            "AND status = 'pending' RETURNING 1",
            [now],
        )
    else:
        rows = sql_exec(
            "DELETE FROM notifications_outboxmessage WHERE status = 'pending' AND purpose LIKE 'sla\\_%%' "
            "AND ticket_reference IN (SELECT reference FROM tickets_ticket WHERE subject LIKE %s) RETURNING 1",
            [SUBJECT_PREFIX + "%"],
        )
    return len(rows)


class QueryCounter:
    """Counts statements and their time, in all and by shape (execute_wrapper: no 9,000-entry log
    limit, and times to the microsecond where CaptureQueriesContext rounds to the millisecond).
    Use `with counter.on_every_connection():` so the parallel sweepers' own connections count too;
    their SQL time adds up, so it may exceed the wall time."""

    def __init__(self) -> None:
        import threading

        self.count = 0
        self.seconds = 0.0
        self.by_shape: dict[str, list[float]] = {}
        self.lock_sql: str | None = None
        self._mutex = threading.Lock()

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            with self._mutex:
                self.count += 1
                self.seconds += elapsed
                entry = self.by_shape.setdefault(shape(sql), [0, 0.0])
                entry[0] += 1
                entry[1] += elapsed
                if self.lock_sql is None and 'FROM "sla_slaclock"' in sql and "SKIP LOCKED" in sql:
                    connection = context["connection"]
                    self.lock_sql = connection.ops.last_executed_query(context["cursor"].cursor, sql, params)

    @contextlib.contextmanager
    def on_every_connection(self):
        from django.db import connection
        from django.db.backends.signals import connection_created

        def install(sender, connection, **kwargs):
            connection.execute_wrappers.append(self)

        connection_created.connect(install, weak=False)
        try:
            with connection.execute_wrapper(self):
                yield self
        finally:
            connection_created.disconnect(install)

    def shapes(self) -> dict[str, dict[str, float]]:
        ordered = sorted(self.by_shape.items(), key=lambda item: -item[1][1])
        return {key: {"count": count, "ms": round(seconds * 1000, 1)} for key, (count, seconds) in ordered}


def shape(sql: str) -> str:
    import re

    verb = sql.split(None, 1)[0].upper()
    match = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
    return f"{verb} {match.group(1) if match else '?'}"


CHURNED_TABLES = (
    "tickets_ticket",
    "sla_slaclock",
    "sla_escalationfiring",
    "notifications_outboxmessage",
    "tickets_ticketevent",
)


def vacuum_churned() -> float:
    """VACUUM (ANALYZE) the tables the scenarios update and delete from. What autovacuum would do
    between sweeps in production; here it may be off (it is on the machine of the README figures),
    and without it every run would leave more dead tuples for the next one to step over."""
    started = time.perf_counter()
    for table in CHURNED_TABLES:
        sql_exec(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - started


def clear_strays() -> int:
    """Sweep whatever is due before a scenario (the demo tickets of seed_demo, an earlier crash),
    so the measured sweep sees exactly the clocks the scenario made due."""
    from django.utils import timezone

    from sla.sweep import sla_sweep

    now = timezone.now()
    if not due_count(now):
        return 0
    result = sla_sweep(now=now, batch_size=500)
    drop_outbox(now)
    return result.clocks


# --------------------------------------------------------------------------- scenarios


def scenario_a(args: argparse.Namespace, run: int, pattern: str) -> dict[str, Any]:
    from django.utils import timezone

    from sla.sweep import sla_sweep

    strays = clear_strays()
    now = timezone.now()
    ids = pick_clocks(args.due, now, seed=0.1 + run / 100, pattern=pattern)
    make_due(ids, timezone.now())
    due = due_count(timezone.now())
    sweep = {"batch_size": args.batch_size, "workers": args.workers}
    try:
        counter = QueryCounter()
        if args.checkpoint:
            sql_exec("CHECKPOINT")
        now = timezone.now()
        with counter.on_every_connection():
            started = time.perf_counter()
            result = sla_sweep(now=now, **sweep)
            wall = time.perf_counter() - started
        outbox = outbox_rows_at(now)
        fired_rows = firings_of(ids)

        again_now = timezone.now()
        again = sla_sweep(now=again_now, **sweep)
        # A replay: the same clocks checked again (a retried task, a second worker): nothing may fire.
        sql_exec("UPDATE sla_slaclock SET next_check_at = %s WHERE id = ANY(%s)", [again_now, ids])
        replay_now = timezone.now()
        replay = sla_sweep(now=replay_now, **sweep)
        lock_sql = counter.lock_sql
        summary = {
            "run": run,
            "pattern": pattern,
            "load_1m": round(os.getloadavg()[0], 2),
            "due": due,
            "strays_swept_before": strays,
            "wall_s": round(wall, 4),
            "clocks": result.clocks,
            "batches": result.batches,
            "steps_fired": result.steps_fired,
            "fired_by_kind": {str(k): v for k, v in result.fired_by_kind.items()},
            "breaches": result.breaches,
            "emails": result.emails,
            "outbox_rows": sum(outbox.values()),
            "queries": counter.count,
            "db_s": round(counter.seconds, 4),
            "firing_rows": fired_rows,
            "second_sweep": {"clocks": again.clocks, "steps_fired": again.steps_fired, "breaches": again.breaches},
            "replay_sweep": {"clocks": replay.clocks, "steps_fired": replay.steps_fired, "breaches": replay.breaches},
            "firing_rows_after_replay": firings_of(ids),
            "lock_sql": lock_sql,
            "sql_by_shape": counter.shapes(),
        }
        log(
            f"  A run {run}: {due:,} due -> {result.clocks:,} clocks, {result.steps_fired:,} steps fired "
            f"({dict(summary['fired_by_kind'])}), {result.breaches:,} breaches, "
            f"{summary['outbox_rows']:,} outbox rows, "
            f"{summary['queries']} queries ({counter.seconds * 1000:.0f} ms in SQL), wall {wall * 1000:.0f} ms "
            f"[load {summary['load_1m']}]"
        )
        log(
            "          SQL by statement: "
            + ", ".join(f"{key} {v['count']}x {v['ms']:.0f} ms" for key, v in summary["sql_by_shape"].items())
        )
        log(
            f"          again at once: {again.clocks} clocks, {again.steps_fired} fired; replay of the same "
            f"{replay.clocks:,} clocks: {replay.steps_fired} fired, {replay.breaches} breaches; "
            f"firing rows {fired_rows:,} -> {summary['firing_rows_after_replay']:,}"
        )
        return summary
    finally:
        drop_outbox(now)
        repark(ids, timezone.now())


def scenario_b(args: argparse.Namespace) -> dict[str, Any]:
    from django.utils import timezone

    from sla.sweep import sla_sweep

    strays = clear_strays()
    log(f"  VACUUM (ANALYZE) of the tables scenario A churned: {vacuum_churned():.1f} s")
    ids = pick_clocks(args.many_due, timezone.now(), seed=0.5)
    started = time.perf_counter()
    make_due(ids, timezone.now())
    setup_seconds = time.perf_counter() - started
    due = due_count(timezone.now())
    now = timezone.now()
    try:
        counter = QueryCounter()
        with counter.on_every_connection():
            started = time.perf_counter()
            result = sla_sweep(now=now, batch_size=args.batch_size, workers=args.workers)
            wall = time.perf_counter() - started
        outbox = outbox_rows_at(now)
        again = sla_sweep(now=timezone.now(), batch_size=args.batch_size, workers=args.workers)
        summary = {
            "due": due,
            "load_1m": round(os.getloadavg()[0], 2),
            "strays_swept_before": strays,
            "setup_s": round(setup_seconds, 1),
            "wall_s": round(wall, 2),
            "clocks": result.clocks,
            "batches": result.batches,
            "steps_fired": result.steps_fired,
            "fired_by_kind": {str(k): v for k, v in result.fired_by_kind.items()},
            "breaches": result.breaches,
            "steps_per_s": round(result.steps_fired / wall, 1),
            "clocks_per_s": round(result.clocks / wall, 1),
            "outbox_rows": sum(outbox.values()),
            "outbox_by_kind": outbox,
            "queries": counter.count,
            "db_s": round(counter.seconds, 2),
            "sql_by_shape": counter.shapes(),
            "firing_rows": firings_of(ids),
            "second_sweep": {"clocks": again.clocks, "steps_fired": again.steps_fired},
        }
        log(
            f"  B: {due:,} due -> {result.clocks:,} clocks in {result.batches} batches, {result.steps_fired:,} steps "
            f"fired, {result.breaches:,} breaches, {summary['outbox_rows']:,} outbox rows in {wall:.1f} s = "
            f"{summary['steps_per_s']:,.0f} steps/s ({counter.count:,} queries, {counter.seconds:.1f} s in SQL); "
            f"again at once: {again.steps_fired} fired [load {summary['load_1m']}]"
        )
        log(
            "     SQL by statement: "
            + ", ".join(f"{key} {v['count']}x {v['ms'] / 1000:.1f} s" for key, v in summary["sql_by_shape"].items())
        )
        return summary
    finally:
        drop_outbox(now)
        repark(ids, timezone.now())


def explain_lock_query(args: argparse.Namespace, captured_sql: str | None) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of the sweep's locking SELECT with --due clocks due, three ways:

    - stale statistics: the last ANALYZE ran before the clocks became due (what a sweep meets
      when a burst falls due: autovacuum's ANALYZE lags behind);
    - the same with enable_bitmapscan off for the statement (the fix suggested in the README);
    - fresh statistics: after ANALYZE has seen the due clocks.

    The SQL comes from the sweep's own sla.sweep.lock_due_query (and is compared with the one the
    sweep issued in scenario A); each EXPLAIN runs in a transaction that is rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone

    from sla.sweep import lock_due_query

    clear_strays()
    # VACUUM (and ANALYZE) first, as autovacuum would have done some time before the burst.
    vacuum_churned()
    ids = pick_clocks(args.due, timezone.now(), seed=0.9)
    make_due(ids, timezone.now())
    results: dict[str, Any] = {}
    try:
        stats = sql_exec(
            "SELECT pg_size_pretty(pg_relation_size('sla_clock_due_idx')), pg_size_pretty(pg_relation_size("
            "'sla_slaclock')), (SELECT count(*) FROM sla_slaclock WHERE next_check_at IS NOT NULL)"
        )[0]
        for case, settings_sql, analyze_first in (
            ("stale statistics", None, False),
            ("stale statistics, enable_bitmapscan off", "SET LOCAL enable_bitmapscan = off", False),
            ("fresh statistics (after ANALYZE)", None, True),
        ):
            if analyze_first:
                sql_exec("ANALYZE sla_slaclock")
            now = timezone.now()
            with transaction.atomic():
                # The first sweeper's statement (with several, each reads its own share of tickets).
                partition = (0, args.workers) if args.workers > 1 else None
                query = lock_due_query(now, args.batch_size, partition=partition)
                sql, params = query.query.sql_with_params()
                with connection.cursor() as cursor:
                    if settings_sql:
                        cursor.execute(settings_sql)
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    text = "\n".join(row[0] for row in cursor.fetchall())
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
                    plan = cursor.fetchone()[0]
                    shown = connection.ops.compose_sql(sql, params)
                transaction.set_rollback(True)
            if isinstance(plan, str):
                plan = json.loads(plan)
            verdict = lock_verdict(plan[0]["Plan"], due=args.due)
            if not results:
                same = captured_sql is not None and _strip_timestamp(captured_sql) == _strip_timestamp(shown)
                log(f"\n--- EXPLAIN (ANALYZE, BUFFERS) of the sweep's locking SELECT, {args.due:,} clocks due")
                log(shown)
                if not same and captured_sql:
                    log(f"(the sweep issued: {captured_sql})")
                log(
                    f"(same statement as the sweep issued in scenario A: {'yes' if same else 'no / not captured'}; "
                    f"sla_clock_due_idx {stats[0]} over {stats[2]:,} indexed clocks; table {stats[1]})"
                )
                results.update(
                    sql=shown, same_as_sweep=same, index_size=stats[0], table_size=stats[1], indexed_clocks=stats[2]
                )
            log(f"\n[{case}]\n{text}\n==> {verdict}")
            results[case] = {"plan": text, "verdict": verdict, "execution_ms": plan[0].get("Execution Time")}
        return results
    finally:
        repark(ids, timezone.now())


def _strip_timestamp(sql: str) -> str:
    """The statement without what differs from run to run: the time, the batch size and the
    partition (each parallel sweeper takes its own share of the due clocks)."""
    import re

    sql = re.sub(r"'\d{4}-\d\d-\d\d[^']*'", "'<ts>'", sql)
    sql = re.sub(r"% (\d+)\) = \d+", r"% \1) = <k>", sql)
    return re.sub(r"LIMIT \d+", "LIMIT <n>", sql)


def lock_verdict(plan: dict, *, due: int) -> str:
    """One line: which scan reads sla_slaclock, how many rows it produced and threw away, whether
    PostgreSQL had to sort, and the buffers the whole statement touched."""
    scans: list[str] = []
    sorts: list[str] = []
    removed = 0

    def walk(node: dict) -> None:
        nonlocal removed
        kind = node["Node Type"]
        if node.get("Relation Name") == "sla_slaclock" or node.get("Index Name", "").startswith("sla_"):
            index = f" using {node['Index Name']}" if node.get("Index Name") else ""
            scans.append(f"{kind}{index} ({node.get('Actual Rows')} rows)")
            removed += node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
        if kind in ("Sort", "Incremental Sort"):
            sorts.append(f"{kind} ({node.get('Sort Method', '?')}, {node.get('Actual Rows')} rows)")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    seq = any(scan.startswith("Seq Scan") for scan in scans)
    uses_index = any("sla_clock_due_idx" in scan for scan in scans)
    head = "SEQ SCAN of sla_slaclock" if seq else ("partial index sla_clock_due_idx" if uses_index else "other index")
    order = f"sorted: {', '.join(sorts)}" if sorts else "no sort (rows come in index order, LIMIT stops the scan)"
    buffers = plan.get("Shared Hit Blocks", 0) + plan.get("Shared Read Blocks", 0)
    return (
        f"{head}: {' -> '.join(scans)}; rows removed by filter/recheck {removed}; {order}; "
        f"{plan.get('Actual Rows')} rows locked and returned of {due:,} due; {buffers} buffers in all "
        f"({plan.get('Shared Hit Blocks', 0)} hit, {plan.get('Shared Read Blocks', 0)} read)"
    )


# --------------------------------------------------------------------------- scenario C


def purge_queues() -> int:
    """Empty this benchmark's Celery queues on the broker (messages the scenarios left behind)."""
    from support_desk.celery import app

    purged = 0
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in ("default", "notifications", "sla"):
            # A queue that does not exist yet holds nothing.
            with contextlib.suppress(Exception):
                purged += channel.queue_purge(queue) or 0
    return purged


def _stop(process: subprocess.Popen | None, name: str) -> None:
    """SIGTERM (Celery's warm shutdown), then SIGKILL to the process group we created for it."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
        log(f"  {name} stopped (exit {process.returncode})")
    except subprocess.TimeoutExpired:
        log(f"  {name} did not stop within 30 s; killing its process group {process.pid}")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _wait_for_worker(name: str, process: subprocess.Popen, timeout: float = 60) -> float:
    from support_desk.celery import app

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {process.returncode}")
        replies = app.control.ping(timeout=1.0) or []
        if any(name in reply for reply in replies):
            return time.perf_counter() - started
    raise RuntimeError(f"the Celery worker did not answer a ping within {timeout:.0f} s")


def _find_escalation(maildir: Path, reference: str, seen: set[str]) -> Path | None:
    for path in maildir.iterdir():
        if path.name in seen:
            continue
        try:
            text = path.read_text(errors="replace")
        except OSError:
            continue
        if reference in text and "X-Desk-Purpose: sla_" in text:
            return path
        # Other mails (the customer's confirmation, demo alerts the drain delivers) are skipped once read.
        if text.endswith("\n" + "-" * 79 + "\n"):
            seen.add(path.name)
    return None


def scenario_c(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from sla.models import (
        BusinessCalendar,
        EscalationFiring,
        EscalationRule,
        EscalationStep,
        Metric,
        SlaClock,
        SlaPolicy,
        SlaTarget,
    )
    from tickets import services
    from tickets.models import Category, Priority, Ticket

    workdir = Path(tempfile.mkdtemp(prefix="sla-bench-e2e-"))
    maildir = workdir / "mail"
    maildir.mkdir()
    env = {
        **os.environ,
        "REDIS_URL": args.redis_url,
        "SLA_SWEEP_SECONDS": str(args.sweep_seconds),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(maildir),
        "DEBUG": "false",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("EMAIL_URL", None)
    celery = str(Path(sys.executable).with_name("celery"))
    hostname = f"sla-bench-{os.getpid()}@{socket.gethostname()}"
    worker = beat = None
    worker_log = beat_log = None
    policy = None
    tickets: list[int] = []
    runs: list[dict[str, Any]] = []
    log(f"\nScenario C: broker {args.redis_url}, sweep every {args.sweep_seconds:g} s, e-mail to {maildir}")
    try:
        parked = repark(None, timezone.now())
        dropped = drop_outbox(None)
        purged = purge_queues()
        log(
            f"  before start: {parked} clocks re-parked, {dropped} pending SLA outbox rows and "
            f"{purged} queued tasks dropped"
        )
        with transaction.atomic():
            calendar = BusinessCalendar.objects.get(name="24x7")
            SlaPolicy.objects.filter(name=E2E_POLICY).delete()  # a crashed earlier run
            policy = SlaPolicy.objects.create(name=E2E_POLICY, position=0, calendar=calendar)
            policy.categories.set([Category.objects.get(code="api")])
            SlaTarget.objects.bulk_create(
                SlaTarget(policy=policy, priority=priority, metric=Metric.FIRST_RESPONSE, minutes=1)
                for priority in Priority.values
            )
            rule = EscalationRule.objects.create(policy=policy, metric=Metric.FIRST_RESPONSE)
            EscalationStep.objects.create(rule=rule, percent=100, notify_team_lead=True)
        worker_log = open(workdir / "worker.log", "wb")  # noqa: SIM115 - closed in finally
        beat_log = open(workdir / "beat.log", "wb")  # noqa: SIM115
        common = {"cwd": REPO_ROOT, "env": env, "stderr": subprocess.STDOUT, "start_new_session": True}
        worker = subprocess.Popen(
            [
                celery,
                "-A",
                "support_desk",
                "worker",
                "-Q",
                "default,notifications,sla",
                "-l",
                "warning",
                "-n",
                hostname,
            ],
            stdout=worker_log,
            **common,
        )
        ready = _wait_for_worker(hostname, worker)
        beat = subprocess.Popen(
            [
                celery,
                "-A",
                "support_desk",
                "beat",
                "-l",
                "warning",
                "-s",
                str(workdir / "celerybeat-schedule"),
                "--pidfile",
                str(workdir / "beat.pid"),
            ],
            stdout=beat_log,
            **common,
        )
        log(f"  worker {hostname} (pid {worker.pid}) answered a ping after {ready:.1f} s; beat pid {beat.pid}")
        category = Category.objects.get(code="api")
        requester = User.objects.filter(username__startswith=CUSTOMER_PREFIX).order_by("pk").first()
        seen: set[str] = set()
        rng = random.Random(SEED)
        for run in range(1, args.e2e_runs + 1):
            if run > 1:
                # Each run starts right after the previous alert, i.e. just after a sweep, and its clock
                # is due 60 s later (a multiple of 15 s): without a random pause every run would land at
                # the same phase of the beat (the worst one) and the spread would not show.
                time.sleep(rng.uniform(0, args.sweep_seconds))
            if beat.poll() is not None or worker.poll() is not None:
                raise RuntimeError("the Celery worker or beat exited early; see the logs in " + str(workdir))
            ticket = services.ticket_create(
                requester=requester,
                category=category,
                subject=f"{E2E_SUBJECT} {run}",
                body="Created by bench/sla_sweep.py to measure due -> escalation e-mail latency.",
                fields=services.TicketFields(),
                channel=Ticket.Channel.API,
                now=timezone.now(),
            )
            tickets.append(ticket.pk)
            clock = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
            if clock.policy_id != policy.pk:
                raise RuntimeError(f"the e2e ticket got policy {clock.policy_id}, not the 1-minute one")
            due_at = clock.due_at
            deadline = due_at + timedelta(seconds=args.e2e_timeout)
            found = None
            while timezone.now() < deadline:
                found = _find_escalation(maildir, ticket.reference, seen)
                if found:
                    break
                time.sleep(0.1)
            if not found:
                raise RuntimeError(
                    f"no escalation e-mail for {ticket.reference} within {args.e2e_timeout:.0f} s of due"
                )
            mailed_at = datetime.fromtimestamp(found.stat().st_mtime, tz=UTC)
            seen.add(found.name)
            firing = EscalationFiring.objects.filter(clock=clock).order_by("fired_at").first()
            subject = next((line for line in found.read_text().splitlines() if line.startswith("Subject:")), "")
            result = {
                "run": run,
                "reference": ticket.reference,
                "due_at": due_at.isoformat(),
                "fired_at": firing.fired_at.isoformat() if firing else None,
                "mailed_at": mailed_at.isoformat(),
                "latency_s": round((mailed_at - due_at).total_seconds(), 2),
                "sweep_lag_s": round((firing.fired_at - due_at).total_seconds(), 2) if firing else None,
                "delivery_s": round((mailed_at - firing.fired_at).total_seconds(), 2) if firing else None,
                "subject": subject,
            }
            runs.append(result)
            log(
                f"  C run {run}: {ticket.reference} due {due_at:%H:%M:%S.%f}"[:-3]
                + f" -> swept +{result['sweep_lag_s']} s -> e-mail file +{result['latency_s']} s after due "
                f"({subject})"
            )
        return {
            "runs": runs,
            "latencies_s": [run["latency_s"] for run in runs],
            "sweep_seconds": args.sweep_seconds,
            "worker_ready_s": round(ready, 1),
        }
    except Exception:
        for name in ("worker.log", "beat.log"):
            path = workdir / name
            if path.exists():
                log(f"--- {name} (last 3000 characters)\n{path.read_text(errors='replace')[-3000:]}")
        raise
    finally:
        _stop(beat, "beat")
        _stop(worker, "worker")
        for handle in (worker_log, beat_log):
            if handle is not None:
                handle.close()
        if policy is not None and policy.pk:
            policy.delete()
        if tickets:
            # Closed, their clocks stopped: they no longer count as open tickets nor show in the queue.
            now = timezone.now()
            SlaClock.objects.filter(ticket_id__in=tickets).update(state="stopped", next_check_at=None, due_at=None)
            Ticket.objects.filter(pk__in=tickets).update(status="closed", closed_at=now, sla_due_at=None)
        purge_queues()
        shutil.rmtree(workdir, ignore_errors=True)


# --------------------------------------------------------------------------- main


def git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT, capture_output=True, text=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" (uncommitted changes)" if dirty else "")


def environment_summary(fill_info: dict[str, Any], broker: str) -> dict[str, Any]:
    import django
    from django.conf import settings

    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "git": git_revision(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": scalar("SHOW server_version"),
        "shared_buffers": scalar("SHOW shared_buffers"),
        "autovacuum": scalar("SHOW autovacuum"),
        "database": settings.DATABASES["default"]["NAME"],
        "broker": broker,
        "open_tickets": scalar("SELECT count(*) FROM tickets_ticket WHERE status IN ('new', 'open')"),
        "clocks": scalar("SELECT count(*) FROM sla_slaclock"),
        "fill": fill_info,
    }


def print_summary(args, env, a_runs, b, plan, c) -> None:
    log("\n" + "=" * 100)
    log(
        f"SUMMARY  {env['date']}  |  {env['machine']}  |  PostgreSQL {env['postgresql']}  |  "
        f"{env['open_tickets']:,} open tickets, {env['clocks']:,} clocks"
    )
    log(
        f"git {env['git']}  |  load average at start {env['load_average']}  |  autovacuum {env['autovacuum']}  |  "
        f"broker {env['broker']}"
    )
    log("=" * 100)
    for pattern, runs in a_runs.items():
        walls = [run["wall_s"] for run in runs]
        first = runs[0]
        log(
            f"A  {args.due:,} due ({pattern}{', after a CHECKPOINT' if args.checkpoint else ''}), "
            f"batch_size={args.batch_size}, workers={args.workers}: "
            f"wall {', '.join(f'{w * 1000:.0f}' for w in walls)} ms "
            f"(median {statistics.median(walls) * 1000:.0f} ms; goal <= 500 ms); {first['clocks']:,} clocks, "
            f"{first['steps_fired']:,} steps, {first['outbox_rows']:,} outbox rows, {first['queries']} queries"
        )
        log(
            f"   second sweep fired {sum(r['second_sweep']['steps_fired'] for r in runs)}, replay fired "
            f"{sum(r['replay_sweep']['steps_fired'] for r in runs)} (exactly once: firing rows "
            f"{first['firing_rows']:,} = steps fired)"
        )
    if b:
        log(
            f"B  {b['due']:,} due: {b['steps_fired']:,} steps in {b['wall_s']} s = {b['steps_per_s']:,.0f} steps/s "
            f"(goal >= 2,000/s), {b['clocks_per_s']:,.0f} clocks/s, {b['outbox_rows']:,} outbox rows, "
            f"{b['queries']:,} queries"
        )
        lock = b["sql_by_shape"].get("SELECT sla_slaclock", {"count": 0, "ms": 0})
        log(
            f"   SQL {b['db_s']} s of the {b['wall_s']} s; "
            f"the locking SELECT {lock['count']}x = {lock['ms'] / 1000:.1f} s"
        )
    for case in ("stale statistics", "stale statistics, enable_bitmapscan off", "fresh statistics (after ANALYZE)"):
        log(f"EXPLAIN [{case}] {plan[case]['verdict']}; {plan[case]['execution_ms']} ms")
    if c:
        log(
            f"C  due -> escalation e-mail file: {', '.join(f'{v:.1f}' for v in c['latencies_s'])} s "
            f"(goal <= 60 s, sweep every {c['sweep_seconds']:g} s)"
        )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    config = configure_environment(args)
    if ensure_database():
        log(f"Created database {config['NAME']!r}.")
    started = time.perf_counter()
    broker = setup_django()
    try:
        from django.core.management import call_command
        from django.utils import timezone

        log("Migrating ...")
        call_command("migrate", interactive=False, verbosity=0)
        check_schema()
        call_command("seed_demo", verbosity=1)
        fill_info = fill(args)
        healed = repark(None, timezone.now())
        if healed:
            log(f"Re-parked {healed:,} clocks an earlier (interrupted) run left behind.")
        drop_outbox(None)
        log(f"VACUUM (ANALYZE) of {', '.join(CHURNED_TABLES)}: {vacuum_churned():.1f} s")
        resolve_sweep_settings(args)
        env = environment_summary(fill_info, broker)
        log(f"Broker for the sweep's relay: {broker}")

        a_runs: dict[str, list[dict[str, Any]]] = {}
        for pattern in ("burst", "random") if args.due_pattern == "both" else (args.due_pattern,):
            log(
                f"\nScenario A ({pattern}): {args.due:,} due clocks, one sla_sweep(batch_size={args.batch_size}, "
                f"workers={args.workers}), {args.a_runs} runs"
            )
            a_runs[pattern] = [scenario_a(args, run, pattern) for run in range(1, args.a_runs + 1)]
        b = None
        if args.many_due:
            log(f"\nScenario B: {args.many_due:,} due clocks, one full sweep")
            b = scenario_b(args)
        plan = explain_lock_query(args, next(iter(a_runs.values()))[0]["lock_sql"])
        c = scenario_c(args) if args.e2e else None
        print_summary(args, env, a_runs, b, plan, c)
        log(f"\nTotal run time {time.perf_counter() - started:.0f} s.")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "environment": env,
                        "args": {key: str(value) for key, value in vars(args).items()},
                        "a": a_runs,
                        "b": b,
                        "explain": plan,
                        "c": c,
                    },
                    indent=2,
                    default=str,
                )
            )
            log(f"Results written to {args.json}")
    finally:
        cleanup_broker()
    return 0


if __name__ == "__main__":
    sys.exit(main())
