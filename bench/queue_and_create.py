"""Benchmark the agent queue and ticket creation at a realistic volume, on PostgreSQL.

A standalone script, not part of the test suite. It fills a dedicated database with N tickets
(bulk, idempotent), then calls the real API views in-process through DRF's test client and
reports latency (median, p95), SQL queries per request and the query plan of the queue.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/support_desk_bench \\
        .venv/bin/python bench/queue_and_create.py [--tickets 100000] [--requests 200]

See bench/README.md for what each scenario measures and how to read the output.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from common import (  # bench/common.py (bench/ is sys.path[0])
    REPO_ROOT,
    benchmark_database,
    broker_description,
    cleanup_broker,
    ensure_database,
    setup_django,
)

# The mix of generated tickets: mostly open work, some solved or closed.
STATUS_WEIGHTS = {
    "new": 35,
    "open": 25,
    "pending_customer": 12,
    "on_hold": 8,
    "solved": 12,
    "closed": 8,
}
PRIORITY_WEIGHTS = {"urgent": 5, "high": 25, "normal": 55, "low": 15}
# Categories from seed_demo; anything else it adds gets weight 3.
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
CHANNEL_WEIGHTS = {"web": 70, "email": 20, "api": 10}
PAYMENT_ASSETS = [("USDT", "tron"), ("BTC", "bitcoin"), ("ETH", "ethereum"), ("USDC", "polygon"), ("SOL", "solana")]
DUPLICATE_SHARE = 0.02  # tickets flagged as a possible duplicate of an earlier one
SPREAD = timedelta(days=30)
CUSTOMER_PREFIX = "bench-cust-"
TRANSACTION_MARKERS = {"BEGIN", "COMMIT", "ROLLBACK"}
# SLA targets in minutes when the database has no policy to take them from (first response,
# resolution), per priority. Used for the SLA clocks and the ticket's denormalised SLA columns.
FALLBACK_TARGET_MINUTES = {
    "first_response": {"urgent": 15, "high": 60, "normal": 240, "low": 1440},
    "resolution": {"urgent": 240, "high": 1440, "normal": 4320, "low": 10080},
}
STEADY_STATE_STATUSES = ("pending_customer", "solved")
STEADY_STATE_WINDOW = timedelta(hours=20)
PAUSED_STATUSES = {"pending_customer", "on_hold"}


# --------------------------------------------------------------------------- set-up


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000, help="fill the tickets table up to this many")
    parser.add_argument("--requests", type=int, default=200, help="measured requests per scenario")
    parser.add_argument("--pages", type=int, default=5, help="how deep to follow `next` cursors (pages 2..N)")
    parser.add_argument("--page-size", type=int, default=25)
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests before each scenario")
    parser.add_argument("--batch-size", type=int, default=5_000, help="bulk_create batch size")
    parser.add_argument("--customers", type=int, default=3_000, help="bulk-created customer accounts")
    parser.add_argument("--seed", type=int, default=20_240_601, help="random seed for the generated data")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--fill-only", action="store_true", help="migrate, seed and fill, then stop (no measuring)")
    parser.add_argument(
        "--show-queries", action="store_true", help="list the SQL of one request per scenario (to spot N+1)"
    )
    parser.add_argument(
        "--allow-any-database",
        action="store_true",
        help="fill a database whose name does not contain 'bench' (it adds N fake tickets!)",
    )
    args = parser.parse_args(argv)
    if args.tickets < 1 or args.requests < 1 or args.pages < 2 or args.batch_size < 1 or args.customers < 1:
        parser.error("--tickets, --requests, --batch-size and --customers must be >= 1, --pages >= 2")
    return args


def configure_environment(args: argparse.Namespace) -> dict[str, Any]:
    """Environment for Django, before it is imported; returns the parsed database settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings.local")
    os.environ["API_THROTTLE"] = "off"
    # Production-like request handling unless asked otherwise (DEBUG logs every query).
    os.environ.setdefault("DEBUG", "false")

    return benchmark_database(
        allow_any_database=args.allow_any_database, script="queue_and_create.py", example_db="support_desk_bench"
    )


def check_schema() -> None:
    """Stop early, with a clear message, when the code and the database disagree: models changed
    without a migration (the tree is mid-edit), or a migration was rewritten after this database
    applied it. Either way the requests would fail with 500s."""
    from io import StringIO

    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection

    try:
        call_command("makemigrations", check=True, dry_run=True, stdout=StringIO(), stderr=StringIO())
    except SystemExit:
        sys.exit(
            "Refusing to run: some models have changes with no migration yet (see "
            "`manage.py makemigrations --check --dry-run`). Benchmark a consistent tree."
        )
    with connection.cursor() as cursor:
        for label in ("accounts", "tickets", "notifications", "sla"):
            if not apps.is_installed(label):
                continue
            for model in apps.get_app_config(label).get_models():
                table = model._meta.db_table
                present = {column.name for column in connection.introspection.get_table_description(cursor, table)}
                missing = {field.column for field in model._meta.concrete_fields} - present
                if missing:
                    sys.exit(
                        f"Refusing to run: table {table} lacks {sorted(missing)} although every migration is "
                        "applied (a migration was probably rewritten). Drop the benchmark database and rerun: "
                        f"dropdb -h HOST -U USER {connection.settings_dict['NAME']}"
                    )


def log(message: str) -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------- data


def ensure_customers(count: int) -> list[int]:
    from accounts.models import User

    existing = set(User.objects.filter(username__startswith=CUSTOMER_PREFIX).values_list("username", flat=True))
    wanted = [f"{CUSTOMER_PREFIX}{index:05d}" for index in range(1, count + 1)]
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


def fill_tickets(args: argparse.Namespace) -> dict[str, Any]:
    """Bulk-create tickets (each with its first message and `created` event) up to --tickets."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tickets.audit import event_hash
    from tickets.models import PRIORITY_RANK, Category, Message, Priority, Team, Ticket, TicketEvent, new_reference

    existing = Ticket.objects.count()
    if existing >= args.tickets:
        log(f"Tickets: {existing:,} already present (>= {args.tickets:,}); skipping the fill.")
        return {"existing": existing, "created": 0, "seconds": 0.0}

    rng = random.Random(args.seed + existing)
    started = time.perf_counter()
    customers = ensure_customers(args.customers)
    categories = list(Category.objects.select_related("default_team").order_by("pk"))
    category_weights = [CATEGORY_WEIGHTS.get(category.code, 3) for category in categories]
    members: dict[int, list[int]] = {team.pk: [] for team in Team.objects.all()}
    for team_id, user_id in Team.members.through.objects.values_list("team_id", "user_id"):
        members[team_id].append(user_id)
    statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
    priorities, priority_weights = list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values())
    channels, channel_weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    earlier_ids = list(Ticket.objects.order_by("-pk").values_list("pk", flat=True)[:10_000])
    now = timezone.now()
    sla = SlaPlanner(now)
    needed = args.tickets - existing
    log(f"Tickets: {existing:,} present, creating {needed:,} in batches of {args.batch_size:,} ...")

    def later(moment: datetime, low: float, high: float) -> datetime:
        return min(moment + timedelta(seconds=rng.uniform(low, high)), now)

    done = 0
    while done < needed:
        size = min(args.batch_size, needed - done)
        tickets: list[Ticket] = []
        clock_plans: list[list[dict[str, Any]]] = []
        for index in range(size):
            category = rng.choices(categories, category_weights)[0]
            team_id = category.default_team_id
            status = rng.choices(statuses, status_weights)[0]
            priority = rng.choices(priorities, priority_weights)[0]
            created = now - SPREAD * rng.random()
            first_response = solved = closed = None
            if status != "new":
                first_response = later(created, 300, 8 * 3600)
            if status in ("solved", "closed"):
                solved = later(first_response, 3600, 3 * 86400)
            if status == "closed":
                closed = later(solved, 3600, 7 * 86400)
            assigned = rng.random() < (0.10 if status == "new" else 0.75)
            assignee = rng.choice(members[team_id]) if assigned and members.get(team_id) else None
            extra: dict[str, Any] = {}
            if category.code in ("deposit_missing", "withdrawal_delayed"):
                asset, network = rng.choice(PAYMENT_ASSETS)
                extra = {
                    "asset": asset,
                    "network": network,
                    "amount": Decimal(rng.randint(1, 500_000)) / 100,
                    "txid": f"{rng.getrandbits(256):064x}",
                }
                if category.code == "withdrawal_delayed":
                    # The destination, so the desk's text search on addresses has rows to find.
                    extra["address"] = f"0x{rng.getrandbits(160):040x}"
            elif category.code == "trade_dispute":
                extra = {"order_id": str(rng.randint(10_000_000, 99_999_999))}
            duplicate = rng.choice(earlier_ids) if earlier_ids and rng.random() < DUPLICATE_SHARE else None
            updated = max(moment for moment in (created, first_response, solved, closed) if moment)
            columns, clocks = sla.plan(status, priority, created, first_response, solved, updated)
            extra.update(columns)
            clock_plans.append(clocks)
            tickets.append(
                Ticket(
                    reference=new_reference(),
                    requester_id=rng.choice(customers),
                    category_id=category.pk,
                    team_id=team_id,
                    assignee_id=assignee,
                    priority=priority,
                    # bulk_create skips Ticket.save(), which normally derives the rank.
                    priority_rank=PRIORITY_RANK[Priority(priority)],
                    status=status,
                    subject=f"{category.name} #{existing + done + index + 1}",
                    channel=rng.choices(channels, channel_weights)[0],
                    language="zh-hans" if rng.random() < 0.1 else "en",
                    possible_duplicate_of_id=duplicate,
                    created_at=created,
                    updated_at=updated,
                    first_response_at=first_response,
                    solved_at=solved,
                    closed_at=closed,
                    **extra,
                )
            )
        with transaction.atomic():
            Ticket.objects.bulk_create(tickets)
            Message.objects.bulk_create(
                [
                    Message(
                        ticket_id=ticket.pk,
                        author_id=ticket.requester_id,
                        kind=Message.Kind.PUBLIC,
                        body=f"Hello, I need help with: {ticket.subject}. Generated by bench/queue_and_create.py.",
                        created_at=ticket.created_at,
                    )
                    for ticket in tickets
                ]
            )
            # Each ticket's first event, chained as tickets.audit chains it (prev ''): the
            # audit-chain trigger advances the tickets' heads.
            created_events = []
            for ticket in tickets:
                data = {"category": ticket.category_id, "team": ticket.team_id, "priority": ticket.priority}
                digest = event_hash(
                    ticket_id=ticket.pk,
                    kind=TicketEvent.Kind.CREATED,
                    actor_id=ticket.requester_id,
                    at=ticket.created_at,
                    data=data,
                    prev="",
                )
                created_events.append(
                    TicketEvent(
                        ticket_id=ticket.pk,
                        actor_id=ticket.requester_id,
                        kind=TicketEvent.Kind.CREATED,
                        at=ticket.created_at,
                        data=data,
                        prev="",
                        hash=digest,
                    )
                )
            TicketEvent.objects.bulk_create(created_events)
            sla.create_clocks(tickets, clock_plans)
        earlier_ids.extend(ticket.pk for ticket in tickets)
        done += size
        log(f"  {existing + done:>9,} tickets  ({time.perf_counter() - started:5.1f} s)")

    # VACUUM ANALYZE now, so autovacuum does not start on the fresh rows during the measurements.
    with connection.cursor() as cursor:
        for table in ("tickets_ticket", "tickets_message", "tickets_ticketevent", "accounts_user", *sla.tables):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    seconds = time.perf_counter() - started
    log(
        f"Tickets: filled {needed:,} in {seconds:.1f} s (incl. VACUUM ANALYZE)"
        + (f", with {sla.clocks_created:,} SLA clocks." if sla.clocks_created else ".")
    )
    return {"existing": existing, "created": needed, "sla_clocks": sla.clocks_created, "seconds": round(seconds, 1)}


class SlaPlanner:
    """SLA state for generated tickets, as the SLA engine would have left it: a first-response
    and a resolution clock per ticket (if the `sla` app is installed), and the ticket's
    denormalised columns (`sla_due_at`, `sla_breached`, ... if the model has them), so a queue
    sorted or filtered on them sees realistic values. Fulfilled, paused and running clocks
    follow the ticket's status; due times come from the first active policy's targets."""

    def __init__(self, now: datetime) -> None:
        from django.apps import apps

        from tickets.models import Ticket

        self.now = now
        self.fields = {model_field.name for model_field in Ticket._meta.concrete_fields}
        self.clock_model = None
        self.policy_id = self.calendar_id = None
        self.minutes = {metric: dict(by_priority) for metric, by_priority in FALLBACK_TARGET_MINUTES.items()}
        self.clocks_created = 0
        self.tables: tuple[str, ...] = ()
        if apps.is_installed("sla"):
            from sla.models import SlaClock, SlaPolicy

            self.clock_model = SlaClock
            self.tables = (SlaClock._meta.db_table,)
            policy = SlaPolicy.objects.filter(is_active=True).order_by("position", "id").first()
            if policy is not None:
                self.policy_id, self.calendar_id = policy.pk, policy.calendar_id
                for target in policy.targets.all():
                    if target.metric in self.minutes:
                        self.minutes[target.metric][target.priority] = target.minutes

    def plan(
        self,
        status: str,
        priority: str,
        created: datetime,
        first_response: datetime | None,
        solved: datetime | None,
        updated: datetime,
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        clocks = []
        for metric, done in (("first_response", first_response), ("resolution", solved)):
            target = self.minutes[metric][priority] * 60
            due = created + timedelta(seconds=target)
            clock: dict[str, Any] = {"metric": metric, "target_seconds": target, "started_at": created}
            if done is not None:
                clock.update(state="fulfilled", due_at=due, fulfilled_at=done, breached_at=due if done > due else None)
            elif metric == "resolution" and status in PAUSED_STATUSES:
                elapsed = (updated - created).total_seconds()
                clock.update(state="paused", due_at=None, paused_at=updated, elapsed_seconds=elapsed)
                clock["breached_at"] = due if elapsed > target else None
            else:
                breached = due if due < self.now else None
                clock.update(state="running", due_at=due, segment_started_at=created, breached_at=breached)
                clock["next_check_at"] = None if breached else due
            clocks.append(clock)
        running = [clock["due_at"] for clock in clocks if clock["state"] == "running"]
        breached = [clock["metric"] for clock in clocks if clock["breached_at"] is not None]
        # A ticket waiting on its customer, or solved, changed status within the last 20 hours: a
        # desk in its steady state has already reminded (24 h, 72 h) and auto-closed (3 and 7
        # days) the older ones, so the worker's reminder job has no backlog of 240,000 bulk-made
        # tickets to work off during a measurement (it ran for the whole of every surge run).
        if status in STEADY_STATE_STATUSES:
            updated = max(updated, self.now - STEADY_STATE_WINDOW)
        columns = {
            "status_changed_at": updated,
            "sla_due_at": min(running) if running else None,
            "sla_breached": bool(breached),
            "breached_metrics": breached,
        }
        return {name: value for name, value in columns.items() if name in self.fields}, clocks

    def create_clocks(self, tickets: list, plans: list[list[dict[str, Any]]]) -> None:
        if self.clock_model is None:
            return
        model = self.clock_model
        rows = [
            model(ticket_id=ticket.pk, policy_id=self.policy_id, calendar_id=self.calendar_id, **clock)
            for ticket, clocks in zip(tickets, plans, strict=True)
            for clock in clocks
        ]
        model.objects.bulk_create(rows, batch_size=5_000)
        self.clocks_created += len(rows)


def warn_stale_fill() -> None:
    """Tickets filled before the model grew its SLA columns have them empty; say so."""
    from tickets.models import Ticket

    if "sla_due_at" not in {model_field.name for model_field in Ticket._meta.concrete_fields}:
        return
    open_tickets = Ticket.objects.filter(status__in=("new", "open"), requester__username__startswith=CUSTOMER_PREFIX)
    if open_tickets.exists() and not open_tickets.filter(sla_due_at__isnull=False).exists():
        log(
            "WARNING: the generated tickets have no sla_due_at (filled before that column existed); "
            "drop the benchmark database and rerun for meaningful queue figures."
        )


# --------------------------------------------------------------------------- measuring


@dataclass
class Scenario:
    group: str
    name: str
    times_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    db_ms: list[float] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    sample: list[dict] = field(default_factory=list)  # the queries of the last measured request

    def summary(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "scenario": self.name,
            "n": len(self.times_ms),
            "median_ms": round(statistics.median(self.times_ms), 2),
            "p95_ms": round(percentile(self.times_ms, 95), 2),
            "max_ms": round(max(self.times_ms), 2),
            "db_median_ms": round(statistics.median(self.db_ms), 2),
            "queries_median": statistics.median(self.queries),
            "queries_min": min(self.queries),
            "queries_max": max(self.queries),
            "rows_median": statistics.median(self.rows) if self.rows else None,
        }


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        from rest_framework.test import APIClient

        from accounts.models import User

        self.args = args
        self.users = {name: User.objects.get(username=name).pk for name in ("agent1", "lead", "alice")}
        # Django's test client sends Host: testserver, which ALLOWED_HOSTS rejects.
        self.client = APIClient(SERVER_NAME="localhost")
        self.scenarios: list[Scenario] = []

    def _fresh_user(self, username: str):
        """A new User instance per request, loaded as real authentication loads it (session and
        token: accounts.backends.load_user, the profile and the role in the user's statement): the
        role cache (`_desk_role`) on the instance must not hide a role query from the counts."""
        from accounts.backends import load_user

        return load_user(self.users[username])

    def call(self, username: str, method: str, url: str, data: dict | None = None, expect: int = 200):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        parts = urlsplit(url)
        path = f"{parts.path}?{parts.query}" if parts.query else parts.path
        self.client.force_authenticate(user=self._fresh_user(username))
        durations: list[float] = []

        def timed(execute, sql, params, many, context):
            # CaptureQueriesContext keeps times rounded to 1 ms; time each statement precisely.
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                durations.append((time.perf_counter() - started) * 1000)

        # The query log is a bounded deque (9,000 entries): once full, CaptureQueriesContext would
        # see no new queries. Start every request from an empty log.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timed):
            started = time.perf_counter()
            if method == "GET":
                response = self.client.get(path)
            else:
                response = self.client.post(path, data, format="json")
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != expect:
            raise SystemExit(
                f"{method} {path} as {username}: HTTP {response.status_code}, expected {expect}: "
                f"{response.content[:500]!r}"
            )
        queries = [dict(query) for query in captured.captured_queries]
        # BEGIN/COMMIT/ROLLBACK are logged (and counted, as assertNumQueries does) but do not
        # pass through execute wrappers; match the timings to the statements that do.
        statements = [query for query in queries if query["sql"] not in TRANSACTION_MARKERS]
        if len(durations) == len(statements):
            for query, duration in zip(statements, durations, strict=True):
                query["ms"] = duration
        return response, elapsed, queries, sum(durations)

    def scenario(self, group: str, name: str) -> Scenario:
        scenario = Scenario(group=group, name=name)
        self.scenarios.append(scenario)
        return scenario

    def record(self, scenario: Scenario, username: str, method: str, url: str, data=None, expect=200):
        response, elapsed, queries, db_ms = self.call(username, method, url, data, expect)
        scenario.times_ms.append(elapsed)
        scenario.queries.append(len(queries))
        scenario.db_ms.append(db_ms)
        scenario.sample = queries
        body = response.json()
        if isinstance(body, dict) and isinstance(body.get("results"), list):
            scenario.rows.append(len(body["results"]))
        return body

    def repeat(self, group: str, name: str, username: str, url: str) -> Scenario:
        for _ in range(self.args.warmup):
            self.call(username, "GET", url)
        scenario = self.scenario(group, name)
        for _ in range(self.args.requests):
            self.record(scenario, username, "GET", url)
        report(scenario, self.args.show_queries)
        return scenario

    # -- queue

    def queue_url(self, **params: Any) -> str:
        from urllib.parse import urlencode

        return "/api/v1/queue/?" + urlencode({"page_size": self.args.page_size, **params})

    def queue(self, username: str) -> list[str]:
        """The queue scenarios for one user; returns references seen (for the detail scenario)."""
        group = f"queue {username}"
        first = self.queue_url()
        self.repeat(group, "page 1", username, first)

        # Follow `next` to page --pages, again and again, until --requests cursor pages are measured.
        cursor_pages = self.scenario(group, f"pages 2-{self.args.pages} (next cursor)")
        seen: list[str] = []
        for _ in range(self.args.warmup):
            self.call(username, "GET", first)
        while len(cursor_pages.times_ms) < self.args.requests:
            response, *_ = self.call(username, "GET", first)
            page = response.json()
            seen.extend(row["reference"] for row in page["results"])
            for _ in range(self.args.pages - 1):
                if not page["next"] or len(cursor_pages.times_ms) >= self.args.requests:
                    break
                page = self.record(cursor_pages, username, "GET", page["next"])
                seen.extend(row["reference"] for row in page["results"])
            if not page["next"] and not cursor_pages.times_ms:
                log("  (the queue has a single page; no cursor pages to measure)")
                self.scenarios.remove(cursor_pages)
                break
        if cursor_pages.times_ms:
            report(cursor_pages, self.args.show_queries)

        middle = self.middle_cursor(username)
        if middle:
            self.repeat(group, "cursor mid-queue (keyset deep page)", username, self.queue_url(cursor=middle))
        self.repeat(group, "?priority=urgent", username, self.queue_url(priority="urgent"))
        self.repeat(group, "?assignee=none", username, self.queue_url(assignee="none"))
        self.repeat(group, "?team=payments", username, self.queue_url(team="payments"))
        return list(dict.fromkeys(seen))

    def middle_cursor(self, username: str) -> str | None:
        """The cursor of the row halfway down the user's open queue, built by the queue's own
        paginator exactly as a `next` link carries it. None if the queue is short or the
        paginator is not the keyset kind this understands."""
        from accounts.models import User
        from tickets import selectors
        from tickets.api.views import QueueView

        paginator = QueueView.pagination_class()
        ordering = [name.lstrip("-") for name in getattr(paginator, "ordering", ())]
        if not ordering or not hasattr(paginator, "_encode"):
            log("  (the queue paginator is not a keyset paginator; skipping the mid-queue cursor)")
            return None
        visible = selectors.queue_tickets(user=User.objects.get(pk=self.users[username]))
        queue = visible.filter(status__in=selectors.OPEN_STATUSES).order_by(*paginator.ordering)
        total = queue.count()
        if total < 2 * self.args.page_size:
            return None
        row = queue[total // 2]
        return paginator._encode([getattr(row, name) for name in ordering])

    # -- tickets

    def create_and_detail(self, agent_references: list[str]) -> None:
        for index in range(self.args.warmup):
            self.call("alice", "POST", "/api/v1/tickets/", self.new_ticket(f"warm-up {index}"), expect=201)
        creation = self.scenario("tickets", "POST tickets/ (alice, other)")
        references = []
        for index in range(self.args.requests):
            body = self.record(creation, "alice", "POST", "/api/v1/tickets/", self.new_ticket(str(index)), expect=201)
            references.append(body["reference"])
        report(creation, self.args.show_queries)

        detail = self.scenario("tickets", "GET tickets/{ref}/ (alice, own new)")
        for index in range(self.args.warmup):
            self.call("alice", "GET", f"/api/v1/tickets/{references[index % len(references)]}/")
        for index in range(self.args.requests):
            self.record(detail, "alice", "GET", f"/api/v1/tickets/{references[index % len(references)]}/")
        report(detail, self.args.show_queries)

        if agent_references:
            detail = self.scenario("tickets", "GET tickets/{ref}/ (agent1, queue)")
            for index in range(self.args.warmup):
                self.call("agent1", "GET", f"/api/v1/tickets/{agent_references[index % len(agent_references)]}/")
            for index in range(self.args.requests):
                reference = agent_references[index % len(agent_references)]
                self.record(detail, "agent1", "GET", f"/api/v1/tickets/{reference}/")
            report(detail, self.args.show_queries)

    @staticmethod
    def new_ticket(tag: str) -> dict[str, str]:
        return {
            "category": "other",
            "subject": f"Benchmark ticket {tag}",
            "body": "Created by bench/queue_and_create.py to measure POST /api/v1/tickets/.",
        }


def report(scenario: Scenario, show_queries: bool = False) -> None:
    s = scenario.summary()
    log(
        f"  {scenario.group:<16} {scenario.name:<38} median {s['median_ms']:7.2f} ms  p95 {s['p95_ms']:7.2f} ms  "
        f"queries {s['queries_median']:g}"
        + (f" ({s['queries_min']}-{s['queries_max']})" if s["queries_min"] != s["queries_max"] else "")
    )
    if show_queries:
        for query in scenario.sample:
            took = f"{query['ms']:8.2f} ms" if "ms" in query else " " * 11
            log(f"      {took}  {query['sql'][:150]}")


# --------------------------------------------------------------------------- EXPLAIN


def main_ticket_query(queries: list[dict]) -> str | None:
    """The page query: the SELECT on tickets_ticket with ORDER BY and LIMIT."""
    for query in queries:
        sql = query["sql"]
        if sql.lstrip().upper().startswith("SELECT") and 'FROM "tickets_ticket"' in sql and "LIMIT" in sql:
            return sql
    return None


def slowest_select(queries: list[dict]) -> str | None:
    selects = [query for query in queries if query["sql"].lstrip().upper().startswith("SELECT")]
    if not selects:
        return None
    return max(selects, key=lambda query: query.get("ms", float(query.get("time") or 0) * 1000))["sql"]


def explain(sql: str) -> tuple[str, str]:
    """EXPLAIN (ANALYZE, BUFFERS) of a SELECT; returns the text plan and a one-line verdict."""
    from django.db import connection

    assert sql.lstrip().upper().startswith("SELECT"), "EXPLAIN ANALYZE runs the statement; SELECTs only"
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        text = "\n".join(row[0] for row in cursor.fetchall())
    if isinstance(plan, str):
        plan = json.loads(plan)
    return text, verdict(plan[0]["Plan"], sql)


def verdict(plan: dict, sql: str) -> str:
    scans: list[str] = []
    sorts: list[str] = []

    def walk(node: dict) -> None:
        index = node.get("Index Name", "")
        if node.get("Relation Name") == "tickets_ticket":
            kind = ("Parallel " if node.get("Parallel Aware") else "") + node["Node Type"]
            scans.append(f"{kind} using {index}" if index else kind)
        elif node["Node Type"] == "Bitmap Index Scan" and index.startswith(("ticket_", "tickets_ticket_")):
            scans.append(f"Bitmap Index Scan using {index}")
        if node["Node Type"] in ("Sort", "Incremental Sort"):
            sorts.append(f"{node['Node Type']} ({node.get('Sort Method', '?')})")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan)
    seq = any(scan.startswith(("Seq Scan", "Parallel Seq Scan")) for scan in scans)
    text = f"{'SEQ SCAN' if seq else 'index'} on tickets_ticket: {', '.join(scans) or 'not scanned'}"
    if sorts:
        text += f"; then {', '.join(sorts)}"
    elif "ORDER BY" in sql:
        text += "; order served by the index (no sort)"
    return text


def explain_all(bench: Bench) -> list[dict[str, str]]:
    plans = []
    targets = [
        ("agent1 queue page 1", "agent1", "GET", bench.queue_url(), main_ticket_query),
        ("lead queue page 1", "lead", "GET", bench.queue_url(), main_ticket_query),
    ]
    middle = bench.middle_cursor("agent1")
    if middle:
        targets.append(
            ("agent1 queue cursor mid-queue", "agent1", "GET", bench.queue_url(cursor=middle), main_ticket_query)
        )
    targets.append(
        (
            "slowest SELECT in POST tickets/",
            "alice",
            "POST",
            "/api/v1/tickets/",
            slowest_select,
        )
    )
    for title, username, method, url, pick in targets:
        data = Bench.new_ticket("explain") if method == "POST" else None
        _, _, queries, _ = bench.call(username, method, url, data, expect=201 if method == "POST" else 200)
        sql = pick(queries)
        if sql is None:
            log(f"\n--- EXPLAIN {title}: query not found")
            continue
        text, summary = explain(sql)
        plans.append({"title": title, "sql": sql, "plan": text, "verdict": summary})
        log(f"\n--- EXPLAIN (ANALYZE, BUFFERS) {title}\n{sql}\n\n{text}\n==> {summary}")
    return plans


# --------------------------------------------------------------------------- main


def code_version() -> str:
    """The commit benchmarked, and whether tracked files had local changes."""
    import subprocess

    def git(*args: str) -> str:
        result = subprocess.run(["git", "-C", str(REPO_ROOT), *args], capture_output=True, text=True, check=False)
        return result.stdout.strip() if result.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{commit}{' + local changes' if dirty else ''}"


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def environment_summary(fill: dict[str, Any]) -> dict[str, Any]:
    import django
    from django.conf import settings
    from django.db import connection

    from tickets.models import Ticket

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": server,
        "database": settings.DATABASES["default"]["NAME"],
        "settings": os.environ["DJANGO_SETTINGS_MODULE"],
        "debug": settings.DEBUG,
        "broker": broker_description(),
        "code": code_version(),
        "tickets": Ticket.objects.count(),
        "load_average_start": load_average(),
        "fill": fill,
    }


def print_summary(env: dict[str, Any], scenarios: list[Scenario], plans: list[dict[str, str]]) -> None:
    log("\n" + "=" * 118)
    log(
        f"SUMMARY  {env['date']}  |  {env['machine']}  |  PostgreSQL {env['postgresql']}  |  "
        f"{env['tickets']:,} tickets  |  DEBUG={env['debug']}"
    )
    log(f"code {env['code']}  |  database {env['database']}  |  settings {env['settings']}  |  broker {env['broker']}")
    log("=" * 118)
    header = f"{'group':<16} {'scenario':<38} {'n':>4} {'median ms':>10} {'p95 ms':>9} {'db ms':>7} {'queries/req':>12}"
    log(header)
    log("-" * len(header))
    for scenario in scenarios:
        s = scenario.summary()
        spread = f"{s['queries_median']:g}" + (
            f" ({s['queries_min']}-{s['queries_max']})" if s["queries_min"] != s["queries_max"] else ""
        )
        log(
            f"{s['group']:<16} {s['scenario']:<38} {s['n']:>4} {s['median_ms']:>10.2f} {s['p95_ms']:>9.2f} "
            f"{s['db_median_ms']:>7.2f} {spread:>12}"
        )
    log("-" * len(header))
    log(
        "db ms = median time in SQL per request; queries/req as CaptureQueriesContext counts them (incl. "
        "BEGIN/COMMIT), median (min-max)."
    )
    log(f"Load average (1/5/15 min) at start {env['load_average_start']}, at end {load_average()}.")
    log("Query plans (EXPLAIN ANALYZE):")
    for plan in plans:
        log(f"  {plan['title']:<34} {plan['verdict']}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Whitenoise warns once that staticfiles/ is missing (collectstatic was not run): irrelevant here.
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    config = configure_environment(args)
    if ensure_database():
        log(f"Created database {config['NAME']!r}.")
    started = time.perf_counter()
    broker = setup_django()
    try:
        from django.core.management import call_command

        log("Migrating ...")
        call_command("migrate", interactive=False, verbosity=0)
        check_schema()
        call_command("seed_demo", verbosity=1)
        fill = fill_tickets(args)
        warn_stale_fill()
        if args.fill_only:
            log(f"Filled; --fill-only, so no measuring ({time.perf_counter() - started:.0f} s).")
            return 0
        env = environment_summary(fill)
        env["broker"] = broker
        log(f"Broker for the outbox relay: {broker}")
        log(
            f"\nMeasuring: {args.requests} requests per scenario, page_size={args.page_size}, "
            f"{args.warmup} warm-up requests each ..."
        )
        bench = Bench(args)
        references = bench.queue("agent1")
        bench.queue("lead")
        bench.create_and_detail(references)
        plans = explain_all(bench)
        print_summary(env, bench.scenarios, plans)
        log(f"\nTotal run time {time.perf_counter() - started:.0f} s.")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "environment": env,
                        "args": {k: str(v) for k, v in vars(args).items()},
                        "results": [scenario.summary() for scenario in bench.scenarios],
                        "plans": plans,
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
