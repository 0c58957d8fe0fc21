"""An incident update broadcast to many linked tickets through real Celery processes, optionally
with the worker killed (SIGKILL) mid-way and started again; issue 13 item 1's proof.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/support_desk_bench_broadcast \\
    REDIS_URL=redis://127.0.0.1:6379/13 \\
        .venv/bin/python bench/broadcast.py [--tickets 10000] [--kill-after 3000]

It fills the (dedicated, "bench"-named) database with --tickets linked tickets, starts a worker as
docker-compose.yml runs one (every queue) plus beat, posts an update (incident_post_update), has a
ticket's SLA escalation fall due while the broadcast runs, and prints: the e-mails rendered and
handed to the backend per second (outbox rows' sent_at), the messages posted on the tickets per
second, total time, resends (one Message-ID delivered twice) and the escalation's latency.

The module is also the harness of tests/integration/test_incident_broadcast_kill.py (1,000 tickets
in CI): the fill, the processes, reading the e-mails back and the figures are the same code.
"""

from __future__ import annotations

import argparse
import contextlib
import email.parser
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT

QUEUES = ("bulk", "notifications", "sla", "default")
UPDATE_PURPOSE = "incident_update"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # django.core.mail.backends.filebased between messages
ESCALATION_POLICY = "Broadcast bench: one minute"


def log(message: str = "") -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------- the data


def fill_linked(*, incident: Any, category: Any, count: int, now: datetime, prefix: str) -> dict[str, int]:
    """`count` tickets linked to `incident`, bulk-created: one customer per ticket except every
    20th customer, who has two (one e-mail naming both); a tenth of the customers read Chinese."""
    from accounts.models import CustomerProfile, User
    from incidents.models import IncidentLink
    from tickets.models import Ticket

    owners: list[int] = []  # the customer index of each ticket
    customer = 0
    while len(owners) < count:
        owners.append(customer)
        if customer % 20 == 19 and len(owners) < count:
            owners.append(customer)
        customer += 1
    customers = owners[-1] + 1
    users = User.objects.bulk_create(
        [
            User(
                username=f"{prefix}{index:06d}",
                email=f"{prefix}{index:06d}@customers.example",
                first_name=f"Customer {index}",
                password="!unusable",
            )
            for index in range(customers)
        ],
        batch_size=2000,
    )
    languages = ["zh-hans" if index % 10 == 0 else "en" for index in range(customers)]
    CustomerProfile.objects.bulk_create(
        [CustomerProfile(user=user, language=languages[index]) for index, user in enumerate(users)], batch_size=2000
    )
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                requester_id=users[owner].pk,
                category=category,
                team_id=category.default_team_id,
                subject=f"BTC withdrawal stuck ({number})",
                status=Ticket.Status.OPEN,
                language=languages[owner],
                asset="BTC",
                network="bitcoin",
                created_at=now - timedelta(minutes=30),
                updated_at=now - timedelta(minutes=30),
            )
            for number, owner in enumerate(owners)
        ],
        batch_size=2000,
    )
    IncidentLink.objects.bulk_create(
        [
            IncidentLink(incident=incident, ticket=ticket, rule=IncidentLink.Rule.MANUAL, linked_at=now)
            for ticket in tickets
        ],
        batch_size=2000,
    )
    return {"tickets": len(tickets), "customers": customers}


def escalation_policy(*, lead: Any, category: Any) -> None:
    """A one-minute first-response target whose breach notifies the team's lead (as in
    tests/integration/test_celery_worker.py)."""
    from sla.models import BusinessCalendar, EscalationRule, EscalationStep, Metric, SlaPolicy, SlaTarget

    team = category.default_team
    team.lead = lead
    team.save(update_fields=["lead"])
    calendar = BusinessCalendar.objects.filter(name="24x7").first() or BusinessCalendar.objects.create(name="24x7")
    policy = SlaPolicy.objects.create(name=ESCALATION_POLICY, position=0, calendar=calendar)
    policy.categories.set([category])
    SlaTarget.objects.create(policy=policy, metric=Metric.FIRST_RESPONSE, priority="normal", minutes=1)
    rule = EscalationRule.objects.create(policy=policy, metric=Metric.FIRST_RESPONSE)
    EscalationStep.objects.create(rule=rule, percent=100, notify_team_lead=True)


def ticket_due_in(*, requester: Any, category: Any, seconds: float) -> tuple[Any, datetime]:
    """A ticket whose one-minute first-response clock falls due `seconds` from now (created
    60 - seconds in the past), on another asset than the incident's so it is not linked to it."""
    from decimal import Decimal

    from django.utils import timezone

    from sla.models import Metric, SlaClock
    from tickets import services

    ticket = services.ticket_create(
        requester=requester,
        category=category,
        subject="ETH deposit missing",
        body="Sent 1 ETH an hour ago.",
        fields=services.TicketFields(asset="ETH", amount=Decimal("1")),
        now=timezone.now() - timedelta(seconds=60 - seconds),
    )
    clock = SlaClock.objects.get(ticket=ticket, metric=Metric.FIRST_RESPONSE)
    return ticket, clock.due_at


# --------------------------------------------------------------------------- the processes


def database_url(settings_dict: dict[str, Any]) -> str:
    user = quote(settings_dict.get("USER") or "postgres")
    password = settings_dict.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password)}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings_dict['NAME']}"


@dataclass
class Stack:
    """One worker on every queue (as docker-compose.yml's `worker`) and beat, as OS processes on
    the database and broker given; e-mail to files in `workdir/mail` (the file-based backend)."""

    database_url: str
    redis_url: str
    workdir: Path
    lease_seconds: float = 120
    redrive_seconds: float = 600
    drain_seconds: int = 30
    sweep_seconds: float = 15
    workers: list[subprocess.Popen] = field(default_factory=list)
    beat: subprocess.Popen | None = None
    started: int = 0

    @property
    def maildir(self) -> Path:
        return self.workdir / "mail"

    def env(self, *, mail_pace: float = 0.0) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "support_desk.settings.local",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "DEBUG": "false",
            # The file backend, paced when a worker must still be sending when it is killed.
            "EMAIL_BACKEND": "bench.paced_mail.PacedFileBackend",
            "MAIL_PACE_SECONDS": str(mail_pace),
            "EMAIL_FILE_PATH": str(self.maildir),
            "OUTBOX_LEASE_SECONDS": str(self.lease_seconds),
            "OUTBOX_BULK_REDRIVE_SECONDS": str(self.redrive_seconds),
            "OUTBOX_DRAIN_SECONDS": str(self.drain_seconds),
            "SLA_SWEEP_SECONDS": str(self.sweep_seconds),
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("EMAIL_URL", "PROMETHEUS_MULTIPROC_DIR"):
            env.pop(name, None)
        return env

    def _spawn(self, args: list[str], log_name: str, *, mail_pace: float = 0.0) -> subprocess.Popen:
        celery = str(Path(sys.executable).with_name("celery"))
        out = open(self.workdir / log_name, "ab")  # noqa: SIM115 - the child keeps it; closed with the process
        try:
            return subprocess.Popen(
                [celery, "-A", "support_desk", *args],
                cwd=REPO_ROOT,
                env=self.env(mail_pace=mail_pace),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killed alone
            )
        finally:
            out.close()

    def start_worker(self, timeout: float = 60, *, mail_pace: float = 0.0) -> subprocess.Popen:
        self.maildir.mkdir(parents=True, exist_ok=True)
        self.started += 1
        name = f"broadcast-{os.getpid()}-{self.started}@{socket.gethostname()}"
        worker = self._spawn(
            [
                "worker",
                "-Q",
                ",".join(QUEUES),
                "-c",
                "1",
                "--pool",
                "solo",
                "--without-mingle",
                "--without-gossip",
                "-l",
                "warning",
                "-n",
                name,
            ],
            f"worker-{self.started}.log",
            mail_pace=mail_pace,
        )
        self.workers.append(worker)
        _wait_for_ping(name, worker, timeout)
        return worker

    def start_beat(self) -> None:
        self.beat = self._spawn(
            ["beat", "-l", "warning", "-s", str(self.workdir / "celerybeat-schedule"), "--pidfile", ""],
            "beat.log",
        )

    def kill_worker(self) -> float:
        """SIGKILL the running worker (its process group); returns when it happened (epoch)."""
        worker = self.workers[-1]
        os.killpg(worker.pid, signal.SIGKILL)
        killed_at = time.time()
        worker.wait(timeout=10)
        return killed_at

    def alive(self) -> bool:
        return (
            bool(self.workers) and self.workers[-1].poll() is None and (self.beat is None or self.beat.poll() is None)
        )

    def stop(self) -> None:
        for process in [*self.workers, self.beat]:
            if process is None or process.poll() is not None:
                continue
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}" for path in self.workdir.glob("*.log")
        )


def _wait_for_ping(name: str, process: subprocess.Popen, timeout: float) -> None:
    from support_desk.celery import app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Celery worker exited with {process.returncode}")
        if any(name in reply for reply in app.control.ping(destination=[name], timeout=0.5) or []):
            return
    raise RuntimeError(f"the Celery worker did not answer a ping within {timeout:.0f} s")


def purge_queues() -> int:
    """Empty the queues (tasks an earlier run left on this broker database)."""
    from support_desk.celery import app

    purged = 0
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in QUEUES:
            with contextlib.suppress(Exception):  # a queue that does not exist yet holds nothing
                purged += channel.queue_purge(queue) or 0
    return purged


# --------------------------------------------------------------------------- what was delivered


@dataclass(frozen=True)
class Delivery:
    message_id: str
    to: str
    purpose: str
    subject: str
    body: bytes


def deliveries(maildir: Path) -> list[Delivery]:
    """Every message the file-based backend wrote (a file may hold several: it is named by the
    second and the backend's id). A message cut short by the kill still counts if its headers
    made it: it was being handed to the backend."""
    parser = email.parser.BytesParser()
    found: list[Delivery] = []
    for path in sorted(maildir.iterdir()):
        for chunk in path.read_bytes().split(SEPARATOR):
            if not chunk.strip():
                continue
            message = parser.parsebytes(chunk, headersonly=True)
            if not message["Message-ID"]:
                continue
            found.append(
                Delivery(
                    message_id=message["Message-ID"].strip(),
                    to=(message["To"] or "").strip(),
                    purpose=(message["X-Desk-Purpose"] or "").strip(),
                    subject=str(message["Subject"] or ""),
                    body=chunk,
                )
            )
    return found


def sent_update_rows() -> int:
    from notifications.models import OutboxMessage

    return OutboxMessage.objects.filter(
        kind=OutboxMessage.Kind.EMAIL, purpose=UPDATE_PURPOSE, status=OutboxMessage.Status.SENT
    ).count()


def escalation_sent_at(reference: str) -> datetime | None:
    from notifications.models import OutboxMessage

    row = (
        OutboxMessage.objects.filter(
            kind=OutboxMessage.Kind.EMAIL,
            purpose__startswith="sla_",
            ticket_reference=reference,
            status=OutboxMessage.Status.SENT,
        )
        .order_by("sent_at")
        .first()
    )
    return row.sent_at if row else None


def broadcast_done(update_id: int, expected_rows: int) -> bool:
    from incidents.models import IncidentUpdate
    from notifications.models import OutboxMessage

    update = IncidentUpdate.objects.get(pk=update_id)
    batch_done = not OutboxMessage.objects.filter(
        kind=OutboxMessage.Kind.EMAIL_BATCH, purpose=UPDATE_PURPOSE, status=OutboxMessage.Status.PENDING
    ).exists()
    return update.broadcast_done_at is not None and batch_done and sent_update_rows() >= expected_rows


def figures(*, update_id: int, posted_at: float, finished_at: float, killed_at: float | None, maildir: Path) -> dict:
    """The broadcast's numbers, from the outbox rows and the e-mails the backend got."""
    from incidents.models import IncidentUpdate
    from notifications.models import OutboxMessage

    update = IncidentUpdate.objects.get(pk=update_id)
    rows = list(
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL, purpose=UPDATE_PURPOSE).values_list(
            "pk", "recipient", "status", "sent_at"
        )
    )
    sent = sorted(sent_at.timestamp() for _pk, _to, status, sent_at in rows if sent_at is not None)
    mails = [item for item in deliveries(maildir) if item.purpose == UPDATE_PURPOSE]
    per_id = Counter(item.message_id for item in mails)

    def rate(times: list[float]) -> float:
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0

    before = [moment for moment in sent if killed_at is None or moment <= killed_at]
    after = [moment for moment in sent if killed_at is not None and moment > killed_at]
    messages_seconds = (update.broadcast_done_at - update.created_at).total_seconds() if update.broadcast_done_at else 0
    return {
        "outbox_rows": len(rows),
        "rows_sent": len(sent),
        "distinct_row_ids": len({pk for pk, *_rest in rows}),
        "distinct_recipients": len({to for _pk, to, *_rest in rows}),
        "deliveries": len(mails),
        "distinct_message_ids": len(per_id),
        "resends": sum(count - 1 for count in per_id.values()),
        "resent_ids": sorted(message_id for message_id, count in per_id.items() if count > 1),
        "emails_per_second_overall": rate(sent),
        "emails_per_second_first_worker": rate(before),
        "emails_per_second_second_worker": rate(after),
        "sent_before_kill": len(before) if killed_at is not None else None,
        "recovery_gap_seconds": (after[0] - killed_at) if after and killed_at is not None else None,
        "messages_posted": update.broadcast_sent,
        "messages_per_second": update.broadcast_sent / messages_seconds if messages_seconds else None,
        "total_seconds": finished_at - posted_at,
    }


def wait_for(predicate, timeout: float, interval: float = 0.05, stack: Stack | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        if stack is not None and not stack.alive():
            raise RuntimeError("a Celery process exited:\n" + stack.logs())
        time.sleep(interval)
    return False


# --------------------------------------------------------------------------- the benchmark


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument(
        "--kill-after", type=int, default=0, help="SIGKILL the worker after this many e-mails (0: no kill)"
    )
    parser.add_argument("--lease-seconds", type=float, default=10, help="OUTBOX_LEASE_SECONDS for the workers")
    parser.add_argument("--redrive-seconds", type=float, default=30, help="OUTBOX_BULK_REDRIVE_SECONDS for the workers")
    parser.add_argument("--drain-seconds", type=int, default=5, help="OUTBOX_DRAIN_SECONDS for beat")
    parser.add_argument("--sweep-seconds", type=float, default=15, help="SLA_SWEEP_SECONDS for beat (production: 15)")
    parser.add_argument(
        "--escalation-in", type=float, default=5, help="the SLA clock falls due this long after the post"
    )
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--allow-any-database", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "support_desk.settings.local")
    os.environ.setdefault("DEBUG", "false")
    from bench.common import benchmark_database, ensure_database, setup_django

    config = benchmark_database(
        allow_any_database=args.allow_any_database,
        script="broadcast.py",
        example_db="support_desk_bench_broadcast",
        why=" (row locks, SKIP LOCKED and a worker of its own)",
    )
    if not os.environ.get("REDIS_URL"):
        sys.exit(
            "Refusing to run: REDIS_URL must name the Redis database the workers use, e.g. redis://127.0.0.1:6379/13"
        )
    created = ensure_database()
    broker = setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from incidents.models import Incident, IncidentUpdate
    from incidents.services import incident_create, incident_post_update
    from notifications.models import OutboxMessage
    from support_desk.celery import app
    from tests.factories import AgentFactory, CategoryFactory, CustomerFactory, TeamFactory

    log(f"Database {config['NAME']} ({'created' if created else 'existing'}), broker {broker}")
    call_command("migrate", verbosity=0)
    # Every run starts from an empty database: the figures are for exactly --tickets links.
    call_command("flush", interactive=False, verbosity=0)
    app.conf.task_always_eager = False
    log(f"Purged {purge_queues()} queued tasks")
    from accounts.models import Role

    now = timezone.now()
    started = time.perf_counter()
    team = TeamFactory(code="payments", name="Payments")
    category = CategoryFactory(code="withdrawal_delayed", default_team=team, required_fields=["asset", "amount"])
    lead = AgentFactory(username="bench-lead", role=Role.LEAD)
    incident = incident_create(
        actor=lead,
        fields={
            "title": "BTC withdrawals are delayed",
            "title_zh_hans": "BTC 提现延迟",
            "message": "Bitcoin network congestion is slowing BTC withdrawals.",
            "message_zh_hans": "比特币网络拥堵导致 BTC 提现变慢。",
            "status": Incident.Status.IDENTIFIED,
            "assets": ["BTC"],
            "networks": ["bitcoin"],
            "started_at": now,
        },
        categories=[category],
        now=now,
    )
    counts = fill_linked(incident=incident, category=category, count=args.tickets, now=now, prefix="bench-bc-")
    escalation_policy(lead=lead, category=category)
    requester = CustomerFactory(username="bench-escalated")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(
        f"Filled {counts['tickets']} linked tickets of {counts['customers']} customers "
        f"in {time.perf_counter() - started:.1f} s"
    )

    workdir = Path(tempfile.mkdtemp(prefix="broadcast-bench-"))
    stack = Stack(
        database_url=database_url(connection.settings_dict),
        redis_url=os.environ["REDIS_URL"],
        workdir=workdir,
        lease_seconds=args.lease_seconds,
        redrive_seconds=args.redrive_seconds,
        drain_seconds=args.drain_seconds,
        sweep_seconds=args.sweep_seconds,
    )
    load_before = os.getloadavg()
    killed_at = None
    try:
        stack.start_worker()
        stack.start_beat()
        log(
            f"Worker and beat up; e-mail to {stack.maildir}; load average {load_before[0]:.2f} on {os.cpu_count()} CPUs"
        )
        posted_at = time.time()
        update = incident_post_update(
            actor=lead,
            incident=incident,
            body="Nodes are catching up; withdrawals resume within the hour.",
            body_zh_hans="节点正在同步，提现将在一小时内恢复。",
            now=timezone.now(),
        )
        ticket, due_at = ticket_due_in(requester=requester, category=category, seconds=args.escalation_in)
        if args.kill_after:
            if not wait_for(lambda: sent_update_rows() >= args.kill_after, args.timeout, stack=stack):
                raise RuntimeError(f"fewer than {args.kill_after} e-mails sent within {args.timeout:.0f} s")
            killed_at = stack.kill_worker()
            log(f"SIGKILLed the worker after {sent_update_rows()} e-mails; starting another")
            stack.start_worker()
        expected = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL_BATCH, purpose=UPDATE_PURPOSE).count()
        if not wait_for(
            lambda: (
                escalation_sent_at(ticket.reference) is not None
                and expected
                and OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL, purpose=UPDATE_PURPOSE).exists()
                and broadcast_done(update.pk, counts["customers"])
            ),
            args.timeout,
            interval=0.2,
            stack=stack,
        ):
            raise RuntimeError(f"the broadcast did not finish within {args.timeout:.0f} s")
        finished_at = max(
            row.timestamp()
            for row in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL, purpose=UPDATE_PURPOSE).values_list(
                "sent_at", flat=True
            )
        )
        load_after = os.getloadavg()
        result = figures(
            update_id=update.pk,
            posted_at=posted_at,
            finished_at=finished_at,
            killed_at=killed_at,
            maildir=stack.maildir,
        )
        escalation = escalation_sent_at(ticket.reference)
        result["escalation_latency_seconds"] = (escalation - due_at).total_seconds()
        result["escalation_during_broadcast"] = escalation.timestamp() < finished_at
    finally:
        stack.stop()
    update = IncidentUpdate.objects.get(pk=update.pk)
    log("")
    log(
        f"Linked tickets {counts['tickets']}, customers {counts['customers']}, "
        f"kill after {args.kill_after or 'no kill'}"
    )
    for key, value in result.items():
        log(f"  {key:34} {value:.2f}" if isinstance(value, float) else f"  {key:34} {value}")
    log(f"  load average before / after      {load_before[0]:.2f} / {load_after[0]:.2f} ({os.cpu_count()} CPUs)")
    log(f"Logs and e-mails in {workdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
