import time
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Count

HEARTBEAT_KEY = "ops:worker-heartbeat"
HEARTBEAT_MAX_AGE = 120  # seconds; beat sends one every 30


def heartbeat_record() -> float:
    now = time.time()
    # A cache shared by web and workers when REDIS_URL is set; the database otherwise.
    from .models import Heartbeat

    cache.set(HEARTBEAT_KEY, now, timeout=HEARTBEAT_MAX_AGE * 2)
    Heartbeat.objects.update_or_create(name="worker", defaults={"at": now})
    return now


def last_heartbeat() -> float | None:
    from .models import Heartbeat

    value = cache.get(HEARTBEAT_KEY)
    if value is not None:
        return float(value)
    row = Heartbeat.objects.filter(name="worker").first()
    return row.at if row else None


def broker_reachable() -> bool:
    from support_desk.celery import app

    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:  # noqa: BLE001 - any failure means not ready
        return False


def _sla_states() -> dict[str, int]:
    from django.db.models import Q
    from django.utils import timezone

    from tickets.models import Ticket

    soon = timezone.now() + timedelta(hours=1)
    open_tickets = Ticket.objects.exclude(status__in=[Ticket.Status.SOLVED, Ticket.Status.CLOSED])
    counts = open_tickets.aggregate(
        breached=Count("id", filter=Q(sla_breached=True)),
        due_within_hour=Count("id", filter=Q(sla_breached=False, sla_due_at__lte=soon)),
        on_track=Count("id", filter=Q(sla_breached=False, sla_due_at__gt=soon)),
        no_running_clock=Count("id", filter=Q(sla_breached=False, sla_due_at__isnull=True)),
    )
    return counts


def _sweep_backlog() -> int:
    from django.utils import timezone

    from sla.models import SlaClock

    return SlaClock.objects.filter(next_check_at__lte=timezone.now()).count()


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def metrics_text() -> str:
    from notifications.models import OutboxMessage
    from tickets.models import Ticket

    lines = [
        "# HELP desk_tickets Tickets by status and priority.",
        "# TYPE desk_tickets gauge",
    ]
    rows = Ticket.objects.values("status", "priority").annotate(n=Count("id")).order_by("status", "priority")
    for row in rows:
        lines.append(
            f'desk_tickets{{status="{_escape(row["status"])}",priority="{_escape(row["priority"])}"}} {row["n"]}'
        )
    lines += [
        "# HELP desk_open_tickets_unanswered Open tickets still waiting for a first human answer.",
        "# TYPE desk_open_tickets_unanswered gauge",
        "desk_open_tickets_unanswered "
        + str(
            Ticket.objects.filter(first_response_at__isnull=True)
            .exclude(status__in=[Ticket.Status.SOLVED, Ticket.Status.CLOSED])
            .count()
        ),
        "# HELP desk_open_tickets_by_sla_state Open tickets by SLA state "
        "(breached, due within an hour, on track, no running clock).",
        "# TYPE desk_open_tickets_by_sla_state gauge",
        *(f'desk_open_tickets_by_sla_state{{state="{state}"}} {count}' for state, count in _sla_states().items()),
        "# HELP desk_sla_clocks_due Running SLA clocks whose next check has come (sweep backlog).",
        "# TYPE desk_sla_clocks_due gauge",
        f"desk_sla_clocks_due {_sweep_backlog()}",
        "# HELP desk_outbox_messages Outbox rows by kind and status.",
        "# TYPE desk_outbox_messages gauge",
    ]
    for row in OutboxMessage.objects.values("kind", "status").annotate(n=Count("id")).order_by("kind", "status"):
        lines.append(f'desk_outbox_messages{{kind="{row["kind"]}",status="{row["status"]}"}} {row["n"]}')
    beat = last_heartbeat()
    lines += [
        "# HELP desk_worker_heartbeat_age_seconds Seconds since a Celery worker last checked in.",
        "# TYPE desk_worker_heartbeat_age_seconds gauge",
        f"desk_worker_heartbeat_age_seconds {time.time() - beat:.1f}"
        if beat
        else "desk_worker_heartbeat_age_seconds NaN",
    ]
    return "\n".join(lines) + "\n"
