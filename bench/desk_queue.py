"""Benchmark the agent desk's API at 1,000,000 tickets on PostgreSQL (issue 9).

The queue's first page at page sizes 25 and 100, the built-in views ("My open", "Unassigned",
"Breached", "Due within 1 h"), the text search on reference, txid, address and e-mail, the
workspace's initial data (every API call the ticket page makes, queries summed, and the page), and an
unchanged queue poll (If-None-Match → 304) with real session and token authentication.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/support_desk_bench REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/desk_queue.py [--tickets 1000000] [--requests 100]

The fill is queue_and_create.py's (same database, idempotent): run
`bench/queue_and_create.py --tickets 1000000 --fill-only` first, or let this script fill.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from typing import Any
from urllib.parse import urlencode

from common import benchmark_database, cleanup_broker, ensure_database, setup_django
from queue_and_create import check_schema, explain, fill_tickets, log, main_ticket_query, percentile

BUDGETS = {  # issue 9's figures: (p50 ms, queries)
    "queue": (25, 8),
    "view": (50, 8),
    "search": (50, 8),
    "poll": (5, 2),
}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100, help="measured requests per scenario")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=10_000, help="fill: bulk_create batch size")
    parser.add_argument("--customers", type=int, default=3_000, help="fill: bulk-created customers")
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument("--explain", action="store_true", help="print the full EXPLAIN ANALYZE of each page query")
    parser.add_argument("--allow-any-database", action="store_true")
    return parser.parse_args(argv)


class Desk:
    def __init__(self, args: argparse.Namespace) -> None:
        from rest_framework.test import APIClient

        from accounts.models import User

        self.args = args
        self.users = {name: User.objects.get(username=name).pk for name in ("agent1", "lead")}
        self.client = APIClient(SERVER_NAME="localhost")
        self.rows: list[dict[str, Any]] = []
        self.plans: list[tuple[str, str, str]] = []

    def call(self, username: str, url: str, *, auth: str = "force", headers: dict | None = None):
        """One GET: wall time (ms), the SQL statements (as assertNumQueries counts them)."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from accounts.models import User

        if auth == "force":
            # A fresh User per request: the role lookup is counted, as real traffic pays it.
            self.client.force_authenticate(user=User.objects.get(pk=self.users[username]))
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = self.client.get(url, **(headers or {}))
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code not in (200, 304):
            raise SystemExit(f"GET {url} as {username}: HTTP {response.status_code}: {response.content[:300]!r}")
        return response, elapsed, [dict(query) for query in captured.captured_queries]

    def measure(self, group: str, name: str, username: str, url: str, **kwargs) -> dict[str, Any]:
        for _ in range(self.args.warmup):
            self.call(username, url, **kwargs)
        times, counts, rows, sample = [], [], [], []
        for _ in range(self.args.requests):
            response, elapsed, queries = self.call(username, url, **kwargs)
            times.append(elapsed)
            counts.append(len(queries))
            sample = queries
            if response.status_code == 200 and isinstance(response.json(), dict):
                rows.append(len(response.json().get("results", [])))
            else:
                rows.append(0)
        row = {
            "group": group,
            "name": name,
            "n": len(times),
            "p50": statistics.median(times),
            "p95": percentile(times, 95),
            "queries": max(counts),
            "rows": statistics.median(rows),
            "status": response.status_code,
        }
        self.rows.append(row)
        log(f"  {group:<8} {name:<44} p50 {row['p50']:7.2f} ms  p95 {row['p95']:7.2f} ms  {row['queries']} q")
        page_sql = main_ticket_query(sample)
        if page_sql and group in ("queue", "view", "search"):
            text, verdict = explain(page_sql)
            self.plans.append((f"{group}: {name}" + (" (ids step)" if group == "search" else ""), verdict, text))
        # A search's page query comes after its ids step: the last ordered SELECT on the tickets.
        ordered = [
            query["sql"]
            for query in sample
            if query["sql"].startswith("SELECT")
            and 'FROM "tickets_ticket"' in query["sql"]
            and "ORDER BY" in query["sql"]
        ]
        if group == "search" and ordered and ordered[-1] != page_sql:
            text, verdict = explain(ordered[-1])
            self.plans.append((f"{group}: {name} (page)", verdict, text))
        return row

    def queue_url(self, **params: Any) -> str:
        return "/api/v1/queue/?" + urlencode(params)

    # -- scenarios

    def queue(self) -> None:
        for username in ("agent1", "lead"):
            for size in (25, 100):
                self.measure("queue", f"{username} page 1, page_size={size}", username, self.queue_url(page_size=size))

    def views(self) -> None:
        views = {
            "My open": {"assignee": "me", "status": "new,open,on_hold,pending_customer"},
            "Unassigned": {"assignee": "none"},
            "Breached": {"breached": "true"},
            "Due within 1 h": {"due_within": "60"},
        }
        for name, params in views.items():
            self.measure("view", f"agent1 {name}", "agent1", self.queue_url(page_size=25, **params))

    def search(self) -> None:
        from tickets.models import Ticket

        open_payments = Ticket.objects.filter(status="open", team__code="payments", assignee__isnull=True)
        with_txid = open_payments.exclude(txid="").order_by("-id").first()
        with_address = open_payments.exclude(address="").order_by("-id").first()
        anyone = Ticket.objects.filter(status="new", team__code="payments").order_by("-id").first()
        searches = {
            "reference (lower case)": anyone.reference.lower(),
            "txid (upper case)": with_txid.txid.upper(),
            "address": with_address.address,
            "customer e-mail (upper case)": anyone.requester.email.upper(),
        }
        for name, text in searches.items():
            self.measure("search", f"agent1 q= {name}", "agent1", self.queue_url(page_size=25, q=text))

    def workspace(self) -> None:
        """Every API call the ticket page makes on opening, queries summed (one request each), and
        the page itself (a session; it embeds the reference data for its controls: desk.bootstrap)."""
        from accounts.models import User
        from tickets.models import Ticket

        ticket = (
            Ticket.objects.filter(status="open", team__code="payments").exclude(txid="").order_by("-created_at").first()
        )
        # desk/static/desk/ticket.js: the detail and all pages of the events (100 a page); macros,
        # teams, agents, categories and networks come embedded in the page.
        calls = [
            f"/api/v1/tickets/{ticket.reference}/",
            f"/api/v1/tickets/{ticket.reference}/events/?page_size=100",
        ]
        total_queries, total_ms = 0, 0.0
        for url in calls:
            medians, counts = [], []
            for _ in range(self.args.warmup):
                self.call("agent1", url)
            for _ in range(max(10, self.args.requests // 5)):
                _response, elapsed, queries = self.call("agent1", url)
                medians.append(elapsed)
                counts.append(len(queries))
            total_queries += max(counts)
            total_ms += statistics.median(medians)
            log(f"  workspace {url:<48} p50 {statistics.median(medians):7.2f} ms  {max(counts)} q")
        self.rows.append(
            {
                "group": "workspace",
                "name": f"all {len(calls)} API calls (sum)",
                "n": len(calls),
                "p50": total_ms,
                "p95": float("nan"),
                "queries": total_queries,
                "rows": 0,
                "status": 200,
            }
        )
        log(f"  workspace total: {total_queries} queries, {total_ms:.1f} ms (sum of medians)")
        self.client.force_authenticate(user=None)
        self.client.force_login(User.objects.get(pk=self.users["agent1"]))
        page = f"/desk/tickets/{ticket.reference}/"
        medians, counts = [], []
        for index in range(self.args.warmup + max(10, self.args.requests // 5)):
            _response, elapsed, queries = self.call("agent1", page, auth="session")
            if index >= self.args.warmup:
                medians.append(elapsed)
                counts.append(len(queries))
        self.client.logout()
        self.rows.append(
            {
                "group": "page",
                "name": "workspace page (session, embedded data)",
                "n": len(medians),
                "p50": statistics.median(medians),
                "p95": percentile(medians, 95),
                "queries": max(counts),
                "rows": 0,
                "status": 200,
            }
        )
        log(f"  workspace page {page:<43} p50 {statistics.median(medians):7.2f} ms  {max(counts)} q")

    def polls(self) -> None:
        """An unchanged poll with real authentication: a session cookie, then a token."""
        from django.utils import timezone

        from accounts.models import User
        from accounts.tokens import token_issue

        agent = User.objects.get(pk=self.users["agent1"])
        url = self.queue_url(page_size=25)
        self.client.force_authenticate(user=None)
        self.client.force_login(agent)
        etag = self.client.get(url)["ETag"]
        self.measure("poll", "unchanged, session", "agent1", url, auth="session", headers={"HTTP_IF_NONE_MATCH": etag})
        self.client.logout()
        token = token_issue(user=agent, now=timezone.now())
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        etag = self.client.get(url)["ETag"]
        self.measure("poll", "unchanged, token", "agent1", url, auth="token", headers={"HTTP_IF_NONE_MATCH": etag})
        self.client.credentials()


def summary(desk: Desk, args: argparse.Namespace) -> int:
    log("")
    log(f"{'group':<10} {'scenario':<44} {'n':>4} {'p50 ms':>9} {'p95 ms':>9} {'queries':>8} {'rows':>5}  budget")
    log("-" * 108)
    failures = 0
    for row in desk.rows:
        budget = BUDGETS.get(row["group"])
        verdict = ""
        if row["group"] == "workspace":
            verdict = "ok" if row["queries"] <= 12 else "OVER (12 queries)"
        elif row["group"] == "page":
            verdict = "(no budget)"
        elif budget:
            ok = row["p50"] <= budget[0] and row["queries"] <= budget[1]
            verdict = "ok" if ok else f"OVER ({budget[0]} ms, {budget[1]} queries)"
        failures += verdict.startswith("OVER")
        log(
            f"{row['group']:<10} {row['name']:<44} {row['n']:>4} {row['p50']:>9.2f} {row['p95']:>9.2f} "
            f"{row['queries']:>8} {row['rows']:>5}  {verdict}"
        )
    sizes = {row["queries"] for row in desk.rows if row["group"] == "queue"}
    log(f"Queue queries for page sizes 25 and 100: {sorted(sizes)} ({'the same' if len(sizes) == 1 else 'DIFFER'})")
    log("\nQuery plans (EXPLAIN ANALYZE of each page query):")
    for name, verdict, text in desk.plans:
        log(f"  {name:<46} {verdict}")
        if args.explain:
            log("    " + text.replace("\n", "\n    "))
    return failures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings.local")
    os.environ["API_THROTTLE"] = "off"
    os.environ.setdefault("DEBUG", "false")
    config = benchmark_database(
        allow_any_database=args.allow_any_database, script="desk_queue.py", example_db="support_desk_bench"
    )
    if ensure_database():
        log(f"Created database {config['NAME']!r}.")
    started = time.perf_counter()
    setup_django()
    try:
        from django.core.management import call_command

        log("Migrating ...")
        call_command("migrate", interactive=False, verbosity=0)
        check_schema()
        call_command("seed_demo", verbosity=0)
        fill_tickets(argparse.Namespace(pages=5, page_size=25, **vars(args)))
        from django.db import connection

        with connection.cursor() as cursor:  # fresh statistics for the indexes a migration just built
            cursor.execute("ANALYZE tickets_ticket")
            cursor.execute("ANALYZE accounts_user")
        from tickets.models import Ticket

        log(f"Tickets: {Ticket.objects.count():,}; measuring {args.requests} requests per scenario ...")
        desk = Desk(args)
        desk.queue()
        desk.views()
        desk.search()
        desk.workspace()
        desk.polls()
        failures = summary(desk, args)
        log(f"\nTotal run time {time.perf_counter() - started:.0f} s.")
    finally:
        cleanup_broker()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
