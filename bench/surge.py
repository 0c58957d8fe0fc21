"""Surge test over HTTP: gunicorn with production settings on PostgreSQL + Redis, a Celery worker
with its beat running the SLA sweep, and a closed-loop load generator on loopback.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/support_desk_surge \\
        .venv/bin/python bench/surge.py [--mode surge|create] [--duration 60] [--clients 32]

`surge` ramps to --clients customers filing tickets and replies while agents poll the queue with
If-None-Match (and sometimes answer); `create` is the closed-loop creation measurement (every
client files tickets, no think time, from the first second). Both then check in the database that
every 201 left its rows: ticket, message, events, SLA clocks, outbox row. Nothing lost is the pass.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import urllib3
from common import REPO_ROOT, ensure_database  # bench/common.py (bench/ is sys.path[0])

VENV_BIN = Path(sys.executable).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/support_desk_surge"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"
CUSTOMER_PREFIX = "surge-cust-"
AGENTS = ("agent1", "agent2", "lead")
# What customers file during a crash: payments first. Fields pass the desk's own checks (tron txids
# are 64 hex digits; each ticket gets a fresh one, so the duplicate check finds nothing).
CATEGORY_MIX = [
    ("withdrawal_delayed", 30),
    ("deposit_missing", 25),
    ("account_locked", 15),
    ("trade_dispute", 10),
    ("kyc_verification", 5),
    ("account_compromised", 5),
    ("other", 10),
]
REQUEST_TIMEOUT = urllib3.Timeout(connect=5.0, read=30.0)
# The tree the server, the worker and the checks run from: this checkout, or --commit's export.
SOURCE = REPO_ROOT


# --------------------------------------------------------------------------- arguments and set-up


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=("surge", "create"), default="surge")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (after --warmup)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent customer clients")
    parser.add_argument("--ramp", type=float, default=15.0, help="surge: seconds to reach --clients")
    parser.add_argument("--warmup", type=float, default=5.0, help="create: unmeasured seconds first")
    parser.add_argument("--max-requests", type=int, default=100_000, help="stop after this many requests")
    parser.add_argument("--reply-share", type=float, default=0.3, help="surge: share of customer requests that reply")
    parser.add_argument("--agents", type=int, default=3, help="surge: agents polling the queue (up to 3)")
    parser.add_argument("--poll-seconds", type=float, default=1.0, help="surge: each agent's queue poll interval")
    parser.add_argument("--answer-share", type=float, default=0.2, help="surge: polls followed by an agent reply")
    parser.add_argument("--tickets", type=int, default=0, help="fill the database to this many tickets first")
    # 2 x cores sync workers, as the Dockerfile's command (which has 3); gthread measured too (bench/README).
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class (sync, gthread)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (gthread)")
    parser.add_argument("--celery-concurrency", type=int, default=1)
    parser.add_argument("--no-worker", action="store_true", help="no Celery worker (to see what it costs)")
    parser.add_argument("--sweep-seconds", type=float, default=5.0, help="beat interval of sla.sweep")
    parser.add_argument("--conn-max-age", type=int, default=60, help="CONN_MAX_AGE of the server (0: per request)")
    parser.add_argument(
        "--health-checks", choices=("on", "off"), default="on", help="CONN_HEALTH_CHECKS (a SELECT 1 per request)"
    )
    parser.add_argument("--throttle", choices=("on", "off"), default="on", help="on: real throttles, rates raised")
    parser.add_argument("--access-log", choices=("on", "off"), default="on", help="gunicorn access log (to a file)")
    parser.add_argument("--log-level", default="INFO", help="LOG_LEVEL of the server and worker")
    parser.add_argument(
        "--commit",
        help="run the server from this commit (git archive into the run folder), not the working tree: "
        "a tree other sessions are editing can be mid-change",
    )
    parser.add_argument("--port", type=int, default=0, help="gunicorn's loopback port (0: a free one)")
    parser.add_argument(
        "--py-spy", type=Path, help="path of a py-spy binary: sample the gunicorn workers during the measured load"
    )
    parser.add_argument(
        "--park-hours",
        type=float,
        default=3.0,
        help="before the load: move the running SLA clocks due within this many hours 60 days on and hand "
        "earlier runs' unsent outbox rows over as sent, so that an aged database does not feed the sweep "
        "and the worker a backlog during the run (0: leave the database as it is)",
    )
    parser.add_argument("--keep-logs", action="store_true", help="keep the run folder (logs) at the end")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--allow-any-database", action="store_true", help="a database not named *surge*/*bench*")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0 or args.max_requests < 1 or args.workers < 1:
        parser.error("--clients, --duration, --max-requests and --workers must be positive")
    args.agents = max(0, min(args.agents, len(AGENTS)))
    args.json = args.json.resolve() if args.json else None
    return args


def check_database_url(args: argparse.Namespace) -> dict[str, Any]:
    import environ

    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    config = environ.Env.db_url_config(os.environ["DATABASE_URL"])
    if "postgresql" not in config.get("ENGINE", ""):
        sys.exit("Refusing to run: DATABASE_URL must point at PostgreSQL (the production settings' database).")
    name = str(config.get("NAME", ""))
    if not args.allow_any_database and "surge" not in name and "bench" not in name:
        sys.exit(f"Refusing to run: {name!r} is not a surge/bench database (it gets fake tickets).")
    return config


def export_commit(revision: str, run_dir: Path) -> Path:
    """`git archive` of a commit into the run folder (the checkout and its index are not touched)."""
    target = run_dir / "src"
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", revision], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def server_environment(args: argparse.Namespace, run_dir: Path) -> dict[str, str]:
    """What gunicorn, the worker and this script's own Django see: the production settings as
    docker-compose.yml sets them, on loopback (no HTTPS redirect), e-mail to nowhere."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="support_desk.settings.production",
        # A fresh private key per run, never printed or stored (production refuses published ones).
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DEBUG="false",
        REDIS_URL=os.environ.get("SURGE_REDIS_URL", DEFAULT_REDIS_URL),
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        CONN_MAX_AGE=str(args.conn_max_age),
        CONN_HEALTH_CHECKS="true" if args.health_checks == "on" else "false",
        # The outbox is relayed and "sent" for real, through Django's dummy backend.
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        MEDIA_ROOT=str(run_dir / "media"),
        SLA_SWEEP_SECONDS=str(args.sweep_seconds),
        LOG_LEVEL=args.log_level,
        API_THROTTLE=args.throttle,
        # Throttles stay on (their Redis round trips are part of the cost) but 32 customers filing
        # from one loopback address must not hit the per-hour limits meant for one person.
        THROTTLE_TICKET_CREATE="1000000/hour",
        THROTTLE_MESSAGE_CREATE="1000000/hour",
        THROTTLE_AUTH="100000/minute",
        THROTTLE_PUBLIC="100000/minute",
        PYTHONUNBUFFERED="1",
        PYTHONPATH=str(SOURCE),
    )
    env.pop("EMAIL_URL", None)
    return env


def free_port(port: int) -> int:
    """`port` if nothing listens on it (0: any free one); exits when it is taken, so that a
    /healthz answer can only come from the gunicorn started here."""
    import socket

    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            sys.exit(f"Port {port} is in use; pick another --port (or 0 for a free one).")
        return probe.getsockname()[1]


def log(message: str) -> None:
    print(message, flush=True)


def manage(env: dict[str, str], *command: str) -> None:
    subprocess.run([sys.executable, str(SOURCE / "manage.py"), *command], env=env, check=True, cwd=SOURCE)


def prepare_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    if ensure_database():
        log(f"Created database {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]!r}.")
    log("migrate + seed_demo (production settings) ...")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "seed_demo", "-v", "0")
    if args.tickets:
        log(f"Filling to {args.tickets:,} tickets with bench/queue_and_create.py --fill-only ...")
        fill_env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        subprocess.run(
            [
                sys.executable,
                str(SOURCE / "bench" / "queue_and_create.py"),
                "--tickets",
                str(args.tickets),
                "--fill-only",
                "--allow-any-database",
            ],
            env=fill_env,
            check=True,
            cwd=SOURCE,
        )


def setup_django(env: dict[str, str]) -> None:
    """This process reads the database (accounts before, verification after) with the same settings."""
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "SECRET_KEY", "ALLOWED_HOSTS", "REDIS_URL")})
    os.environ.update({k: env[k] for k in ("SECURE_SSL_REDIRECT", "EMAIL_BACKEND", "MEDIA_ROOT", "DEBUG")})
    # Only the tree under test on the path (not this checkout too, when --commit exported another).
    sys.path[:] = [str(SOURCE)] + [entry for entry in sys.path if entry and Path(entry).resolve() != REPO_ROOT]
    # Celery's Django fix-up puts the working directory first on sys.path: make it the tree too.
    os.chdir(SOURCE)
    import django

    django.setup()
    import tickets

    if not Path(tickets.__file__).resolve().is_relative_to(SOURCE.resolve()):
        sys.exit(f"Django loaded {tickets.__file__}, not the tree under test {SOURCE}")


def ensure_customers(count: int, password: str) -> list[str]:
    """Customer accounts with a password (auth/token/ needs one), hashed once for all of them."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    names = [f"{CUSTOMER_PREFIX}{index:03d}" for index in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    hashed = make_password(password)
    User.objects.bulk_create(
        [
            User(username=name, email=f"{name}@customers.example", first_name="Surge", password=hashed)
            for name in names
            if name not in existing
        ]
    )
    User.objects.filter(username__in=names).update(password=hashed, is_active=True)
    return names


def park_aged_work(hours: float) -> None:
    """A bench database ages: the fill's and earlier runs' clocks come due, and their escalation
    mail would take the single worker from this run's acknowledgements. Park them (this script
    only runs on a database named *surge* or *bench*), then refresh the statistics: autovacuum may
    be off (it is on the bench machines), and a grown table planned with old statistics misleads."""
    if hours <= 0:
        return
    from datetime import timedelta

    from django.db import connection
    from django.db.models import F
    from django.utils import timezone

    from notifications.models import OutboxMessage
    from sla.models import SlaClock

    now = timezone.now()
    parked = SlaClock.objects.filter(next_check_at__lt=now + timedelta(hours=hours)).update(
        next_check_at=F("next_check_at") + timedelta(days=60)
    )
    handed = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).update(
        status=OutboxMessage.Status.SENT, sent_at=now
    )
    with connection.cursor() as cursor:
        for model in (SlaClock, OutboxMessage):
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')
        cursor.execute('ANALYZE "tickets_ticket"')
    log(f"Parked {parked:,} clocks due within {hours:g} h and {handed:,} unsent outbox rows of earlier runs.")


def database_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in ("tickets_ticket", "tickets_message", "tickets_ticketevent", "sla_slaclock"):
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
            row = cursor.fetchone()
            counts[table] = int(row[0]) if row else 0
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        counts["tickets_ticket"] = cursor.fetchone()[0]
    return counts


# --------------------------------------------------------------------------- processes


class Processes:
    """gunicorn and the Celery worker (with its embedded beat), started and stopped by this script."""

    def __init__(self, args: argparse.Namespace, env: dict[str, str], run_dir: Path) -> None:
        self.args, self.env, self.run_dir = args, env, run_dir
        self.children: dict[str, subprocess.Popen] = {}

    def _start(self, name: str, command: list[str]) -> None:
        out = open(self.run_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        # A session of its own, so stopping it reaches its workers and nothing else.
        self.children[name] = subprocess.Popen(
            command, env=self.env, cwd=SOURCE, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def start_worker(self) -> None:
        self._start(
            "celery",
            [
                str(VENV_BIN / "celery"),
                "-A",
                "support_desk",
                "worker",
                "-B",
                "-s",
                str(self.run_dir / "celerybeat-schedule"),
                "-Q",
                "sla,default,notifications",
                "-c",
                str(self.args.celery_concurrency),
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
            ],
        )

    def start_gunicorn(self) -> None:
        # The Dockerfile's command (support_desk.wsgi, access log), bound to loopback, workers sized here.
        command = [
            str(VENV_BIN / "gunicorn"),
            "support_desk.wsgi",
            "-b",
            f"127.0.0.1:{self.args.port}",
            "-w",
            str(self.args.workers),
            "--worker-class",
            self.args.worker_class,
            "--threads",
            str(self.args.threads),
            "--backlog",
            "2048",
            "--timeout",
            "60",
            # Its default control socket is one path for every gunicorn on the machine.
            "--no-control-socket",
        ]
        if self.args.access_log == "on":
            command += ["--access-logfile", str(self.run_dir / "access.log")]
        self._start("gunicorn", command)

    def wait_ready(self, http: urllib3.PoolManager, base: str, deadline_seconds: float = 60.0) -> None:
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            if self.children["gunicorn"].poll() is not None:
                sys.exit(f"gunicorn exited; see {self.run_dir / 'gunicorn.log'}")
            try:
                if http.request("GET", f"{base}/healthz", timeout=2.0, retries=False).status == 200:
                    return
            except urllib3.exceptions.HTTPError:
                pass
            time.sleep(0.25)
        sys.exit(f"gunicorn did not answer /healthz within {deadline_seconds:.0f} s")

    def stop(self) -> None:
        # SIGTERM to the main process only: gunicorn and Celery then stop their own workers (warm
        # shutdown, no task lost); the whole session is killed only if that takes too long.
        for process in reversed(list(self.children.values())):
            if process.poll() is None:
                process.terminate()
        for name, process in self.children.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in 20 s; killing it")
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# --------------------------------------------------------------------------- load


@dataclass
class Sample:
    kind: str
    started: float  # seconds since the load began
    ms: float
    status: int  # 0: no answer (timeout, connection error)
    ok: bool


@dataclass
class Record:
    """What the clients saw and must find again in the database."""

    created: dict[str, dict[str, str]] = field(default_factory=dict)  # reference -> customer, subject, body
    replies: dict[int, dict[str, str]] = field(default_factory=dict)  # message id -> reference, body, by
    unanswered_subjects: list[str] = field(default_factory=list)  # creations with no 201 seen
    lock: threading.Lock = field(default_factory=threading.Lock)


class Load:
    def __init__(self, args: argparse.Namespace, base: str) -> None:
        self.args, self.base = args, base
        self.samples: list[Sample] = []
        self.samples_lock = threading.Lock()
        self.record = Record()
        self.requests = 0
        self.stop = threading.Event()
        self.t0 = 0.0
        self.errors: Counter[str] = Counter()
        self.run_tag = datetime.now(UTC).strftime("%H%M%S")

    # -- one request ------------------------------------------------------------------

    def call(
        self, pool: urllib3.HTTPConnectionPool, kind: str, method: str, path: str, *, token: str, body=None, etag=None
    ) -> tuple[int, Any, urllib3.BaseHTTPResponse | None]:
        headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        payload = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            payload = json.dumps(body).encode()
        if etag:
            headers["If-None-Match"] = etag
        with self.samples_lock:
            self.requests += 1
            if self.requests > self.args.max_requests:
                self.stop.set()
        started = time.perf_counter()
        response = None
        try:
            response = pool.urlopen(
                method,
                path,
                body=payload,
                headers=headers,
                timeout=REQUEST_TIMEOUT,
                retries=False,
                preload_content=True,
            )
            status = response.status
        except urllib3.exceptions.HTTPError as error:
            status = 0
            self.errors[f"{kind}: {type(error).__name__}"] += 1
        elapsed = (time.perf_counter() - started) * 1000
        expected = {"create": (201,), "reply": (201,), "answer": (201,), "queue": (200, 304)}[kind]
        ok = status in expected
        if status and not ok:
            self.errors[f"{kind}: HTTP {status}"] += 1
        with self.samples_lock:
            self.samples.append(Sample(kind, started - self.t0, elapsed, status, ok))
        data = None
        if ok and response is not None and response.data:
            data = json.loads(response.data)
        return status, data, response

    # -- customers ----------------------------------------------------------------------

    @staticmethod
    def ticket_body(rng: random.Random, subject: str) -> dict[str, Any]:
        category = rng.choices([c for c, _ in CATEGORY_MIX], weights=[w for _, w in CATEGORY_MIX])[0]
        body = {
            "category": category,
            "subject": subject,
            "body": f"{subject}: the market moved and my funds are stuck. Please help quickly.",
        }
        if category in ("withdrawal_delayed", "deposit_missing"):
            body.update(asset="USDT", network="tron", amount=f"{rng.randint(10, 90_000)}.{rng.randint(0, 99):02d}")
            if category == "deposit_missing":
                body["txid"] = secrets.token_hex(32)
        elif category == "trade_dispute":
            body["order_id"] = f"ORD-{rng.randint(10**9, 10**10 - 1)}"
        return body

    def customer(self, index: int, username: str, token: str, start_at: float, create_only: bool) -> None:
        rng = random.Random(index)
        pool = urllib3.HTTPConnectionPool("127.0.0.1", self.args.port, maxsize=1, block=True)
        own: list[str] = []
        sequence = 0
        while not self.stop.is_set() and time.perf_counter() < start_at:
            time.sleep(0.05)
        while not self.stop.is_set():
            sequence += 1
            if not create_only and own and rng.random() < self.args.reply_share:
                reference = rng.choice(own[-5:])
                text = f"surge reply {self.run_tag}/{index}/{sequence}: still nothing, any news?"
                status, data, _ = self.call(
                    pool, "reply", "POST", f"/api/v1/tickets/{reference}/messages/", token=token, body={"body": text}
                )
                if status == 201:
                    with self.record.lock:
                        self.record.replies[data["id"]] = {"reference": reference, "body": text, "by": username}
                continue
            subject = f"surge {self.run_tag}/{index}/{sequence}"
            body = self.ticket_body(rng, subject)
            status, data, _ = self.call(pool, "create", "POST", "/api/v1/tickets/", token=token, body=body)
            with self.record.lock:
                if status == 201:
                    self.record.created[data["reference"]] = {
                        "customer": username,
                        "subject": subject,
                        "body": body["body"],
                    }
                    own.append(data["reference"])
                else:
                    self.record.unanswered_subjects.append(subject)

    # -- agents ----------------------------------------------------------------------------

    def agent(self, index: int, username: str, token: str) -> None:
        rng = random.Random(1000 + index)
        pool = urllib3.HTTPConnectionPool("127.0.0.1", self.args.port, maxsize=1, block=True)
        etag = None
        while not self.stop.is_set():
            started = time.perf_counter()
            status, data, response = self.call(pool, "queue", "GET", "/api/v1/queue/", token=token, etag=etag)
            if response is not None and response.headers.get("ETag"):
                etag = response.headers["ETag"]
            if status == 200 and data and data.get("results") and rng.random() < self.args.answer_share:
                # Answer one of the five tickets due first, as a desk would (the first public reply
                # fulfils the first-response clock and moves a new ticket to open).
                row = rng.choice(data["results"][:5])
                text = f"agent answer {self.run_tag}/{username}: we are on it, sorry for the wait."
                path = f"/api/v1/tickets/{row['reference']}/messages/"
                s, d, _ = self.call(pool, "answer", "POST", path, token=token, body={"body": text})
                if s == 201:
                    with self.record.lock:
                        self.record.replies[d["id"]] = {"reference": row["reference"], "body": text, "by": username}
            pause = self.args.poll_seconds - (time.perf_counter() - started)
            if pause > 0:
                self.stop.wait(pause)

    # -- the run ---------------------------------------------------------------------------

    def run(self, customer_tokens: list[tuple[str, str]], agent_tokens: list[tuple[str, str]]) -> float:
        create_only = self.args.mode == "create"
        lead_in = self.args.warmup if create_only else 0.0
        self.t0 = time.perf_counter()
        threads = []
        for index, (username, token) in enumerate(customer_tokens):
            start_at = self.t0 if create_only else self.t0 + self.args.ramp * index / len(customer_tokens)
            threads.append(
                threading.Thread(
                    target=self.customer, args=(index, username, token, start_at, create_only), daemon=True
                )
            )
        if not create_only:
            threads += [
                threading.Thread(target=self.agent, args=(index, name, token), daemon=True)
                for index, (name, token) in enumerate(agent_tokens)
            ]
        for thread in threads:
            thread.start()
        self.stop.wait(lead_in + self.args.duration)
        self.stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT.read_timeout + 5)
        return time.perf_counter() - self.t0


def start_profiler(args: argparse.Namespace, processes: Processes, run_dir: Path) -> subprocess.Popen | None:
    """py-spy on every gunicorn worker for the measured window, collapsed stacks into the run folder."""
    if not args.py_spy:
        return None
    seconds = args.duration + (args.warmup if args.mode == "create" else 0)
    command = [str(args.py_spy), "record", "--pid", str(processes.children["gunicorn"].pid), "--subprocesses"]
    # --gil: only the thread holding the GIL is sampled, so the shares are of Python CPU time, not
    # of time spent waiting for PostgreSQL or Redis.
    command += ["--duration", str(int(seconds)), "--rate", "50", "--format", "raw", "--nonblocking", "--gil"]
    command += ["-o", str(run_dir / "profile.txt")]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _frame_module(frame: str) -> str:
    """'django/db/models/query.py' -> 'django.db'; 'tickets/services.py' -> 'tickets'."""
    path = frame.rsplit(" (", 1)[-1].split(":", 1)[0]
    parts = path.split("/")
    if parts[0] in ("django", "rest_framework") and len(parts) > 2:
        return ".".join(parts[:2])
    return parts[0].removesuffix(".py")


def profile_summary(path: Path, top: int = 25) -> dict[str, list[tuple[str, float]]]:
    """From py-spy's collapsed stacks (busy samples only): the self time by package, and the
    inclusive time of the repository's own functions, as shares of all busy samples."""
    repo_modules = {entry.name.removesuffix(".py") for entry in REPO_ROOT.iterdir()} - {"bench", ".venv"}
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    if not path.exists():
        return {}
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        frames = [frame for frame in stack.split(";") if not frame.startswith("process ")]
        if not frames:
            continue
        samples = int(count)
        total += samples
        own[_frame_module(frames[-1])] += samples
        for frame in {frame for frame in frames if _frame_module(frame) in repo_modules}:
            inclusive[frame.replace(" (", "  (")] += samples
    if not total:
        return {}
    return {
        "self_by_package": [(name, n / total) for name, n in own.most_common(top)],
        "repository_inclusive": [(name, n / total) for name, n in inclusive.most_common(top)],
    }


def get_tokens(http: urllib3.PoolManager, base: str, usernames: list[str], password: str) -> list[tuple[str, str]]:
    tokens = []
    for username in usernames:
        response = http.request(
            "POST",
            f"{base}/api/v1/auth/token/",
            body=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
            timeout=30.0,
        )
        if response.status != 200:
            sys.exit(f"auth/token/ for {username}: HTTP {response.status} {response.data[:200]!r}")
        tokens.append((username, json.loads(response.data)["token"]))
    return tokens


# --------------------------------------------------------------------------- figures


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summarise(samples: list[Sample], window: tuple[float, float]) -> dict[str, dict[str, Any]]:
    low, high = window
    seconds = high - low
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        if low <= sample.started < high:
            by_kind[sample.kind].append(sample)
            by_kind["all"].append(sample)
    table = {}
    for kind, rows in by_kind.items():
        ms = [row.ms for row in rows]
        table[kind] = {
            "n": len(rows),
            "per_second": len(rows) / seconds,
            "ok_per_second": sum(row.ok for row in rows) / seconds,
            "errors": sum(not row.ok for row in rows),
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
            "p99": percentile(ms, 99),
            "max": max(ms),
            "statuses": dict(Counter(row.status for row in rows)),
        }
    return table


def print_table(title: str, table: dict[str, dict[str, Any]]) -> None:
    log(f"\n{title}")
    header = f"{'kind':<8} {'n':>7} {'req/s':>8} {'ok/s':>8} {'errors':>7} " + " ".join(
        f"{name:>8}" for name in ("p50 ms", "p95 ms", "p99 ms", "max ms")
    )
    header += "  statuses"
    log(header)
    log("-" * len(header))
    for kind in ("create", "reply", "answer", "queue", "all"):
        if kind not in table:
            continue
        row = table[kind]
        log(
            f"{kind:<8} {row['n']:>7} {row['per_second']:>8.1f} {row['ok_per_second']:>8.1f} {row['errors']:>7} "
            f"{row['p50']:>8.1f} {row['p95']:>8.1f} {row['p99']:>8.1f} {row['max']:>8.1f}  {row['statuses']}"
        )


# --------------------------------------------------------------------------- verification


def verify(record: Record, customers: list[str]) -> dict[str, Any]:
    """Every 201 has its rows. Returns counts of what is missing (all zero = nothing lost)."""
    from django.db.models import Count, Q

    from notifications.models import OutboxMessage
    from sla.models import Metric, SlaClock
    from tickets.models import Message, Ticket, TicketEvent

    references = list(record.created)
    missing: dict[str, list[str]] = defaultdict(list)
    tickets = {}
    for chunk_start in range(0, len(references), 2000):
        chunk = references[chunk_start : chunk_start + 2000]
        for reference, subject, requester, ticket_id in Ticket.objects.filter(reference__in=chunk).values_list(
            "reference", "subject", "requester__username", "id"
        ):
            tickets[reference] = ticket_id
            expected = record.created[reference]
            if subject != expected["subject"] or requester != expected["customer"]:
                missing["ticket_mismatch"].append(reference)
    for reference in references:
        if reference not in tickets:
            missing["ticket"].append(reference)
    ids = list(tickets.values())
    by_id = {ticket_id: reference for reference, ticket_id in tickets.items()}

    def per_ticket(queryset, **conditions) -> dict[int, int]:
        counts: dict[int, int] = {}
        for start in range(0, len(ids), 5000):
            rows = (
                queryset.filter(ticket_id__in=ids[start : start + 5000])
                .values("ticket_id")
                .annotate(n=Count("id", filter=Q(**conditions) if conditions else None))
            )
            counts.update({row["ticket_id"]: row["n"] for row in rows})
        return counts

    first_messages = per_ticket(Message.objects, kind=Message.Kind.PUBLIC)
    created_events = per_ticket(TicketEvent.objects, kind=TicketEvent.Kind.CREATED)
    first_response_clocks = per_ticket(SlaClock.objects, metric=Metric.FIRST_RESPONSE)
    resolution_clocks = per_ticket(SlaClock.objects, metric=Metric.RESOLUTION)
    outbox_rows = Counter()
    for start in range(0, len(references), 5000):
        outbox_rows.update(
            OutboxMessage.objects.filter(
                ticket_reference__in=references[start : start + 5000], purpose="ticket_created"
            ).values_list("ticket_reference", flat=True)
        )
    bodies = {}
    for start in range(0, len(ids), 5000):
        for ticket_id, body in (
            Message.objects.filter(ticket_id__in=ids[start : start + 5000], kind=Message.Kind.PUBLIC)
            .order_by("ticket_id", "created_at", "id")
            .values_list("ticket_id", "body")
        ):
            bodies.setdefault(ticket_id, body)
    for ticket_id, reference in by_id.items():
        if first_messages.get(ticket_id, 0) < 1 or bodies.get(ticket_id) != record.created[reference]["body"]:
            missing["first_message"].append(reference)
        if created_events.get(ticket_id, 0) != 1:
            missing["created_event"].append(reference)
        if first_response_clocks.get(ticket_id, 0) < 1:
            missing["first_response_clock"].append(reference)
        if resolution_clocks.get(ticket_id, 0) < 1:
            missing["resolution_clock"].append(reference)
        if outbox_rows.get(reference, 0) != 1:
            missing["outbox_row"].append(reference)

    # Replies: the message with its body on its ticket, and its message_added event.
    message_ids = list(record.replies)
    found = {}
    for start in range(0, len(message_ids), 5000):
        for pk, reference, body in Message.objects.filter(pk__in=message_ids[start : start + 5000]).values_list(
            "pk", "ticket__reference", "body"
        ):
            found[pk] = (reference, body)
    events = set()
    for start in range(0, len(message_ids), 5000):
        chunk = [str(pk) for pk in message_ids[start : start + 5000]]
        events.update(
            int(pk)
            for pk in TicketEvent.objects.filter(
                kind=TicketEvent.Kind.MESSAGE_ADDED, data__message_id__in=[int(c) for c in chunk]
            ).values_list("data__message_id", flat=True)
        )
    for pk, expected in record.replies.items():
        if found.get(pk) != (expected["reference"], expected["body"]):
            missing["reply_message"].append(str(pk))
        if pk not in events:
            missing["reply_event"].append(str(pk))

    # The other direction: creations that committed although the client saw no 201 (a timeout).
    committed_unseen = (
        Ticket.objects.filter(requester__username__in=customers, subject__in=record.unanswered_subjects).count()
        if record.unanswered_subjects
        else 0
    )
    outbox_status = dict(
        Counter(OutboxMessage.objects.filter(ticket_reference__in=references[:50_000]).values_list("status", flat=True))
    )
    return {
        "created_201": len(references),
        "replies_201": len(message_ids),
        "missing": {name: len(rows) for name, rows in missing.items()},
        "missing_examples": {name: rows[:5] for name, rows in missing.items()},
        "lost": sum(len(rows) for rows in missing.values()),
        "committed_without_201": committed_unseen,
        "outbox_status": outbox_status,
    }


def outbox_backlog(references: list[str]) -> int:
    from notifications.models import OutboxMessage

    return OutboxMessage.objects.filter(
        ticket_reference__in=references[:50_000], status=OutboxMessage.Status.PENDING
    ).count()


def worker_activity(run_dir: Path) -> dict[str, int]:
    text = (run_dir / "celery.log").read_text(errors="replace") if (run_dir / "celery.log").exists() else ""
    counts = Counter()
    for line in text.splitlines():
        if " succeeded in " in line and "Task " in line:
            counts[line.split("Task ", 1)[1].split("[", 1)[0]] += 1
        elif " raised unexpected" in line or "ERROR/" in line:
            counts["errors"] += 1
    return dict(counts)


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # fields from the state on: [0] state, [2] pgrp, [11] utime ...


def group_cpu_seconds(pgid: int) -> float:
    """CPU of a process group (gunicorn or the worker with their children), incl. reaped children."""
    total = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat(entry)) and int(fields[2]) == pgid:
            total += sum(int(value) for value in fields[11:15])
    return total / CLOCK_TICKS


class BackendWatcher:
    """CPU of this database's PostgreSQL backends during the load. Connections come and go (gthread
    threads open theirs when first used, CONN_MAX_AGE recycles them), so the backends are found by
    their process title twice a second; one that appears is counted from zero."""

    def __init__(self, database: str) -> None:
        self.marker = f" {database} "
        self.first: dict[str, int] = {}
        self.last: dict[str, int] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _poll(self, *, initial: bool = False) -> None:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                title = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if not title.startswith("postgres: ") or self.marker not in title + " ":
                continue
            if fields := _stat(entry):
                ticks = int(fields[11]) + int(fields[12])
                self.first.setdefault(entry, ticks if initial else 0)
                self.last[entry] = ticks

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            self._poll()

    def start(self) -> None:
        self._poll(initial=True)
        self.thread.start()

    def seconds(self) -> float:
        """CPU seconds used since start (call once, at the end)."""
        self.stop.set()
        self.thread.join()
        self._poll()
        return sum(self.last[pid] - self.first[pid] for pid in self.last) / CLOCK_TICKS


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return (sum(values) - idle) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def cpu_snapshot(processes: Processes, postgres_seconds: float) -> dict[str, float]:
    snapshot = {name: group_cpu_seconds(child.pid) for name, child in processes.children.items()}
    snapshot["postgres"] = postgres_seconds
    usage = resource.getrusage(resource.RUSAGE_SELF)
    snapshot["generator"] = usage.ru_utime + usage.ru_stime
    snapshot["machine_busy"], snapshot["machine_total"] = machine_cpu()
    return snapshot


def cpu_report(before: dict[str, float], after: dict[str, float], wall: float) -> dict[str, float]:
    used = {name: after[name] - before.get(name, 0.0) for name in after}
    mine = sum(used[name] for name in ("gunicorn", "celery", "postgres", "generator") if name in used)
    used["others"] = max(0.0, used["machine_busy"] - mine)
    used["idle"] = used["machine_total"] - used["machine_busy"]
    return {name: value / wall for name, value in used.items() if name not in ("machine_total",)}


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    database = check_database_url(args)["NAME"]
    run_dir = Path(tempfile.mkdtemp(prefix="surge-"))
    global SOURCE
    if args.commit:
        SOURCE = export_commit(args.commit, run_dir)
        log(f"Running commit {args.commit} exported to {SOURCE}")
    env = server_environment(args, run_dir)
    password = env.get("DEMO_PASSWORD", "demo-password")
    prepare_database(args, env)
    setup_django(env)
    park_aged_work(args.park_hours)
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # this benchmark's own Redis database only
    customers = ensure_customers(args.clients, password)
    before = database_counts()
    log(f"Database: {before['tickets_ticket']:,} tickets before the run. Run folder {run_dir}")

    args.port = free_port(args.port)
    processes = Processes(args, env, run_dir)
    # gunicorn and the worker run in sessions of their own: a SIGTERM to this script (timeout, kill)
    # must still reach the `finally` below that stops them, or they outlive it.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda number, frame: sys.exit(128 + number))
    base = f"http://127.0.0.1:{args.port}"
    http = urllib3.PoolManager(maxsize=4)
    result: dict[str, Any] = {}
    try:
        if not args.no_worker:
            processes.start_worker()
        processes.start_gunicorn()
        processes.wait_ready(http, base)
        worker = f"celery -c {args.celery_concurrency} -B (sla.sweep every {args.sweep_seconds:g} s)"
        log(
            f"gunicorn: {args.workers} x {args.worker_class} (threads {args.threads}); "
            f"worker: {'none' if args.no_worker else worker}; "
            f"CONN_MAX_AGE={args.conn_max_age}, health checks {args.health_checks}; "
            f"throttles {args.throttle}; access log {args.access_log}"
        )
        started_tokens = time.perf_counter()
        customer_tokens = get_tokens(http, base, customers, password)
        agent_tokens = get_tokens(http, base, list(AGENTS[: args.agents]), password) if args.mode == "surge" else []
        log(f"{len(customer_tokens) + len(agent_tokens)} tokens in {time.perf_counter() - started_tokens:.1f} s")

        load = Load(args, base)
        load_start = load_average()
        backends = BackendWatcher(database)
        backends.start()
        cpu_before = cpu_snapshot(processes, 0.0)
        log(
            f"Load: mode {args.mode}, {args.clients} customers"
            + (
                f" (ramp {args.ramp:g} s), {len(agent_tokens)} agents polling every {args.poll_seconds:g} s"
                if args.mode == "surge"
                else f", {args.warmup:g} s warm-up"
            )
            + f", {args.duration:g} s ..."
        )
        profiler = start_profiler(args, processes, run_dir)
        wall = load.run(customer_tokens, agent_tokens)
        if profiler is not None:
            profiler.wait(timeout=60)
        cpu = cpu_report(cpu_before, cpu_snapshot(processes, backends.seconds()), wall)
        load_end = load_average()

        if args.mode == "create":
            windows = {"measured": (args.warmup, args.warmup + args.duration)}
        else:
            windows = {
                "whole run": (0.0, args.duration),
                "after the ramp": (min(args.ramp, args.duration - 1), args.duration),
            }
        tables = {name: summarise(load.samples, window) for name, window in windows.items()}

        # Give the worker a little time to relay what the last seconds queued, then check.
        references = list(load.record.created)
        drain_deadline = time.monotonic() + 30
        backlog = outbox_backlog(references)
        while backlog and not args.no_worker and time.monotonic() < drain_deadline:
            time.sleep(1)
            backlog = outbox_backlog(references)
        verification = verify(load.record, customers)
        verification["outbox_pending_after_drain_wait"] = backlog
    finally:
        processes.stop()

    activity = worker_activity(run_dir)
    after = database_counts()
    log("\n" + "=" * 110)
    log(
        f"SURGE {args.mode}  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  |  {os.cpu_count()} cores  |  "
        f"{before['tickets_ticket']:,} -> {after['tickets_ticket']:,} tickets  |  wall {wall:.1f} s"
    )
    log(
        f"load average at start {load_start}, at end {load_end}; CPU in cores during the load (2 = the machine): "
        + ", ".join(f"{name} {value:.2f}" for name, value in cpu.items())
    )
    served = next(iter(tables.values())).get("all", {}).get("ok_per_second", 0.0)
    if served:
        cpu_per_request = {
            name: cpu[name] * 1000 / served for name in ("gunicorn", "celery", "postgres") if name in cpu
        }
        log(
            "CPU per answered request (ms): "
            + ", ".join(f"{name} {value:.1f}" for name, value in cpu_per_request.items())
            + f"; at these costs 2 idle cores would serve about {2000 / sum(cpu_per_request.values()):.0f}/s"
        )
    for name, table in tables.items():
        print_table(f"{name} ({windows[name][0]:g}-{windows[name][1]:g} s)", table)
    if load.errors:
        log("\nerrors: " + ", ".join(f"{k} x{v}" for k, v in load.errors.most_common()))
    log(f"\nworker: {activity or 'nothing logged'}")
    log(
        f"verification: {verification['created_201']} tickets and {verification['replies_201']} replies answered 201; "
        f"missing {verification['missing'] or 'nothing'}; LOST = {verification['lost']}; "
        f"committed without a 201 seen: {verification['committed_without_201']}; "
        f"outbox {verification['outbox_status']}, "
        f"pending after the wait {verification['outbox_pending_after_drain_wait']}"
    )
    profile = profile_summary(run_dir / "profile.txt") if args.py_spy else {}
    if profile:
        log("\nprofile of the gunicorn workers (py-spy, busy samples): self time by package")
        log("  " + ", ".join(f"{name} {share:.1%}" for name, share in profile["self_by_package"]))
        log("the repository's functions, inclusive:")
        for frame, share in profile["repository_inclusive"]:
            log(f"  {share:6.1%}  {frame}")
    result = {
        "profile": profile,
        "date": datetime.now(UTC).isoformat(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "tickets_before": before["tickets_ticket"],
        "tickets_after": after["tickets_ticket"],
        "load_average": {"start": load_start, "end": load_end},
        "cpu_cores": cpu,
        "wall_seconds": wall,
        "tables": tables,
        "errors": dict(load.errors),
        "worker": activity,
        "verification": verification,
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=str))
        log(f"Results written to {args.json}")
    if args.keep_logs:
        log(f"Logs kept in {run_dir}")
    else:
        shutil.rmtree(run_dir, ignore_errors=True)
    return 0 if verification["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
