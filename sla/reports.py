"""The SLA report: what leads read to see whether the desk keeps its promises."""

from collections import Counter
from datetime import datetime
from statistics import quantiles

from django.db.models import Count, F, Q

from tickets.models import Ticket, TicketEvent

from .models import Metric, SlaClock

PERCENTILES = (50, 75, 90, 95)


def _percentiles(seconds: list[float]) -> dict[str, float | None]:
    if not seconds:
        return {f"p{p}": None for p in PERCENTILES}
    if len(seconds) == 1:
        return {f"p{p}": round(seconds[0] / 60, 1) for p in PERCENTILES}
    cuts = quantiles(seconds, n=100, method="inclusive")
    return {f"p{p}": round(cuts[p - 1] / 60, 1) for p in PERCENTILES}


def sla_report(*, since: datetime, until: datetime) -> dict:
    """Compliance counts clocks that ended (fulfilled) or breached in the period; a clock met its
    promise when it ended without a breach. Times are in minutes of wall-clock time."""
    clocks = SlaClock.objects.filter(
        Q(fulfilled_at__gte=since, fulfilled_at__lt=until) | Q(breached_at__gte=since, breached_at__lt=until)
    )
    compliance = {}
    for row in clocks.values("metric").annotate(
        total=Count("id"), breached=Count("id", filter=Q(breached_at__isnull=False))
    ):
        met = row["total"] - row["breached"]
        compliance[row["metric"]] = {
            "clocks": row["total"],
            "met": met,
            "breached": row["breached"],
            "compliance_percent": round(100 * met / row["total"], 2) if row["total"] else None,
        }
    for metric in Metric.values:
        compliance.setdefault(metric, {"clocks": 0, "met": 0, "breached": 0, "compliance_percent": None})

    first = Ticket.objects.filter(first_response_at__gte=since, first_response_at__lt=until).annotate(
        waited=F("first_response_at") - F("created_at")
    )
    solved = Ticket.objects.filter(solved_at__gte=since, solved_at__lt=until).annotate(
        took=F("solved_at") - F("created_at")
    )
    first_seconds = sorted(row.total_seconds() for row in first.values_list("waited", flat=True))
    solved_seconds = sorted(row.total_seconds() for row in solved.values_list("took", flat=True))

    breach_events = TicketEvent.objects.filter(kind=TicketEvent.Kind.SLA_BREACHED, at__gte=since, at__lt=until)
    by_team: Counter = Counter()
    by_category: Counter = Counter()
    for team, category in breach_events.values_list("ticket__team__code", "ticket__category__code"):
        by_team[team] += 1
        by_category[category] += 1
    return {
        "since": since,
        "until": until,
        "tickets_created": Ticket.objects.filter(created_at__gte=since, created_at__lt=until).count(),
        "compliance": compliance,
        "first_response_minutes": {"count": len(first_seconds), **_percentiles(first_seconds)},
        "resolution_minutes": {"count": len(solved_seconds), **_percentiles(solved_seconds)},
        "breaches_by_team": dict(by_team.most_common()),
        "breaches_by_category": dict(by_category.most_common()),
        "open_breached_now": Ticket.objects.filter(sla_breached=True)
        .exclude(status__in=[Ticket.Status.SOLVED, Ticket.Status.CLOSED])
        .count(),
    }
