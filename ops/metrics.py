"""What /metrics reads from the database at scrape time, and who may scrape it.

Every figure here is bounded work, whatever the number of tickets (a handful of statements per scrape):
- tickets by status, priority and SLA state: the stored count (ops.services.ticket_counts_take, a beat
  task every OPS_TICKET_COUNT_SECONDS), one row; `desk_ticket_count_age_seconds` says how old it is;
- the SLA sweep's lag and backlog: the oldest due clock, and the due clocks counted up to CAP, on the
  clocks' partial due index (sla_clock_due_idx);
- the outbox's depth and its oldest pending row: the partial pending index (outbox_pending_idx), the
  depth counted up to CAP;
- the worker heartbeat: the cache, else one row.
Counters and histograms recorded by the processes (requests, sweep durations, task failures, e-mails)
are support_desk.metrics'.
"""

import hmac
import math
import time
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from support_desk.client_ip import client_ip, in_networks

from .services import TICKET_COUNT_NAME, last_heartbeat

# Counts of due clocks and pending outbox rows stop at this: past it the figure means "far behind",
# and counting further would make a scrape as slow as the backlog is long.
CAP = 100_000
SLA_STATES = ("breached", "due_within_hour", "on_track", "no_running_clock")


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    if moment is None:
        return 0.0
    return max(0.0, (now - moment).total_seconds())


def _capped_count(queryset) -> int:
    return queryset.order_by().values("pk")[:CAP].count()


class DeskCollector:
    """The database's figures, evaluated at each scrape (a prometheus_client custom collector)."""

    def __init__(self, *, now: datetime | None = None) -> None:
        self.now = now

    def collect(self):
        now = self.now or timezone.now()
        yield from self._tickets(now)
        yield from self._sweep(now)
        yield from self._outbox(now)
        yield self._heartbeat()

    def _tickets(self, now: datetime):
        from .models import TicketCount

        count = TicketCount.objects.filter(name=TICKET_COUNT_NAME).first()
        stale = count is None or (now - count.taken_at).total_seconds() > 2 * settings.OPS_TICKET_COUNT_SECONDS
        if stale:
            # Never counted (a fresh install before the beat's first run) or the beat stopped:
            # count now, once, so the figures are never silently zero (one GROUP BY).
            from .services import ticket_counts_take

            ticket_counts_take(now=now)
            count = TicketCount.objects.filter(name=TICKET_COUNT_NAME).first()
        rows = count.rows if count else []
        tickets = GaugeMetricFamily(
            "desk_tickets",
            "Open tickets by status and priority, at the last count (ops.ticket_counts).",
            labels=["status", "priority"],
        )
        by_state = dict.fromkeys(SLA_STATES, 0)
        unanswered = 0
        for row in rows:
            tickets.add_metric([row["status"], row["priority"]], row["total"])
            unanswered += row["unanswered"]
            for state in SLA_STATES:
                by_state[state] += row[state]
        states = GaugeMetricFamily(
            "desk_open_tickets_by_sla_state",
            "Open tickets by SLA state (breached, due within an hour, on track, no running clock), at the last count.",
            labels=["state"],
        )
        for state, value in by_state.items():
            states.add_metric([state], value)
        yield tickets
        yield states
        yield GaugeMetricFamily(
            "desk_open_tickets_unanswered",
            "Open tickets still waiting for a first human answer, at the last count.",
            value=unanswered,
        )
        yield GaugeMetricFamily(
            "desk_ticket_count_age_seconds",
            "Seconds since the tickets were last counted (+Inf: never; the beat task ops.ticket_counts counts them).",
            value=_seconds_since(count.taken_at, now) if count else math.inf,
        )

    def _sweep(self, now: datetime):
        from sla.models import SlaClock

        due = SlaClock.objects.filter(next_check_at__lte=now)
        oldest = (
            SlaClock.objects.filter(next_check_at__isnull=False)
            .order_by("next_check_at")
            .values_list("next_check_at", flat=True)
            .first()
        )
        yield GaugeMetricFamily(
            "desk_sla_sweep_lag_seconds",
            "Seconds the oldest due SLA clock has waited for a sweep (0 when none is due).",
            value=_seconds_since(oldest, now),
        )
        yield GaugeMetricFamily(
            "desk_sla_clocks_due",
            f"SLA clocks whose next check has come (the sweep's backlog; counted up to {CAP}).",
            value=_capped_count(due),
        )

    def _outbox(self, now: datetime):
        from notifications.models import OutboxMessage

        pending = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        oldest = (
            pending.filter(next_attempt_at__lte=now)
            .order_by("next_attempt_at")
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        yield GaugeMetricFamily(
            "desk_outbox_pending",
            f"Outbox rows not yet delivered, retries waiting for their backoff included (counted up to {CAP}).",
            value=_capped_count(pending),
        )
        yield GaugeMetricFamily(
            "desk_outbox_oldest_pending_age_seconds",
            "Seconds the oldest due outbox row has waited for delivery: since it was written, or since its "
            "retry fell due (0 when none is due).",
            value=_seconds_since(oldest, now),
        )

    def _heartbeat(self):
        beat = last_heartbeat()
        return GaugeMetricFamily(
            "desk_worker_heartbeat_age_seconds",
            "Seconds since a Celery worker last ran ops.heartbeat (+Inf: never).",
            value=time.time() - beat if beat else math.inf,
        )


# --- Who may scrape ---------------------------------------------------------------------------------
def _bearer(request: HttpRequest) -> str:
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def _from_allowed_network(request: HttpRequest) -> bool:
    networks = settings.METRICS_ALLOWED_NETWORKS
    return bool(networks) and in_networks(client_ip(request), networks)


def scrape_refusal(request: HttpRequest) -> int | None:
    """None when the caller may read /metrics; else 401 (a token is configured and was not given
    right) or 403 (nothing the caller could send would help)."""
    if settings.METRICS_PUBLIC or _from_allowed_network(request):
        return None
    token = settings.METRICS_TOKEN
    if token:
        given = _bearer(request)
        return None if given and hmac.compare_digest(given.encode(), token.encode()) else 401
    return 403
