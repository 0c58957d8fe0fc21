import time
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Q

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


TICKET_COUNT_NAME = "open_tickets"
# A clock or an open ticket due within this long counts as "due within an hour".
DUE_SOON = timedelta(hours=1)


def ticket_counts_take(*, now: datetime) -> int:
    """Count the open tickets by status and priority, with their SLA states and how many wait for a first
    answer, and store the count /metrics reports. One GROUP BY over the open tickets (the partial queue
    index holds exactly them): its cost follows the backlog, not the tickets ever filed."""
    from tickets.models import OPEN_STATUS_VALUES, Ticket

    from .models import TicketCount

    soon = now + DUE_SOON
    not_breached = Q(sla_breached=False)
    rows = list(
        Ticket.objects.filter(status__in=OPEN_STATUS_VALUES)
        .order_by()
        .values("status", "priority")
        .annotate(
            total=Count("id"),
            unanswered=Count("id", filter=Q(first_response_at__isnull=True)),
            breached=Count("id", filter=Q(sla_breached=True)),
            due_within_hour=Count("id", filter=not_breached & Q(sla_due_at__lte=soon)),
            on_track=Count("id", filter=not_breached & Q(sla_due_at__gt=soon)),
            no_running_clock=Count("id", filter=not_breached & Q(sla_due_at__isnull=True)),
        )
    )
    TicketCount.objects.update_or_create(name=TICKET_COUNT_NAME, defaults={"taken_at": now, "rows": rows})
    return len(rows)
