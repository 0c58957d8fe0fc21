"""The complaints register and the report a regulator asks for, computed in the database.

Counts by topic (category) and channel per quarter of receipt, the average time of each step from
receipt (acknowledgement, holding reply, final response), the breaches of each deadline kind and
the outcomes: a handful of GROUP BY statements whatever the number of complaints.
"""

from datetime import datetime, timedelta

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import ExtractQuarter, ExtractYear

from support_desk.db_routers import reports_alias

from ..models import Complaint, ComplaintDeadline

STEPS = {
    "acknowledgement": "acknowledged_at",
    "holding_reply": "holding_reply_at",
    "final_response": "resolved_at",
}


def complaint_register(*, since: datetime | None = None, until: datetime | None = None) -> QuerySet[Complaint]:
    """The register's rows, joined: the ticket (reference, category, channel) and the deadlines."""
    query = Complaint.objects.select_related("ticket__category").prefetch_related("deadlines")
    if since is not None:
        query = query.filter(received_at__gte=since)
    if until is not None:
        query = query.filter(received_at__lt=until)
    return query.order_by("-received_at", "-id")


def _seconds(value: timedelta | float | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, timedelta):
        return round(value.total_seconds(), 1)
    return round(float(value) / 1_000_000, 1)  # SQLite: microseconds


def complaints_report(*, since: datetime, until: datetime) -> dict:
    using = reports_alias()  # the replica when configured (REPORTS_DATABASE_URL)
    received = Complaint.objects.using(using).filter(received_at__gte=since, received_at__lt=until)
    by_quarter = (
        received.annotate(year=ExtractYear("received_at"), quarter=ExtractQuarter("received_at"))
        .values("year", "quarter", "ticket__category__code", "ticket__channel")
        .annotate(complaints=Count("id"), resolved=Count("id", filter=Q(resolved_at__isnull=False)))
        .order_by("year", "quarter", "ticket__category__code", "ticket__channel")
    )
    steps = received.aggregate(
        **{
            step: Avg(ExpressionWrapper(F(field) - F("received_at"), output_field=DurationField()))
            for step, field in STEPS.items()
        },
        **{f"{step}_count": Count("id", filter=Q(**{f"{field}__isnull": False})) for step, field in STEPS.items()},
    )
    deadlines = (
        ComplaintDeadline.objects.using(using)
        .filter(complaint__received_at__gte=since, complaint__received_at__lt=until)
        .values("kind")
        .annotate(total=Count("id"), breached=Count("id", filter=Q(breached_at__isnull=False)))
        .order_by("kind")
    )
    outcomes = received.exclude(outcome="").values("outcome").annotate(complaints=Count("id")).order_by("outcome")
    statuses = received.values("status").annotate(complaints=Count("id")).order_by("status")
    return {
        "since": since,
        "until": until,
        "by_quarter": [
            {
                "quarter": f"{row['year']}-Q{row['quarter']}",
                "category": row["ticket__category__code"],
                "channel": row["ticket__channel"],
                "complaints": row["complaints"],
                "resolved": row["resolved"],
            }
            for row in by_quarter
        ],
        "average_seconds": {
            step: {"seconds": _seconds(steps[step]), "count": steps[f"{step}_count"]} for step in STEPS
        },
        "deadlines": {row["kind"]: {"total": row["total"], "breached": row["breached"]} for row in deadlines},
        "outcomes": {row["outcome"]: row["complaints"] for row in outcomes},
        "statuses": {row["status"]: row["complaints"] for row in statuses},
    }


def complaints_report_rows(report: dict) -> list[list]:
    """The report as one table (the CSV): section, quarter, category, channel, measure, value."""
    rows: list[list] = [["section", "quarter", "category", "channel", "measure", "value"]]
    for row in report["by_quarter"]:
        rows.append(["by_quarter", row["quarter"], row["category"], row["channel"], "complaints", row["complaints"]])
        rows.append(["by_quarter", row["quarter"], row["category"], row["channel"], "resolved", row["resolved"]])
    for step, value in report["average_seconds"].items():
        rows.append(["average_seconds", "", "", "", step, "" if value["seconds"] is None else value["seconds"]])
    for kind, value in report["deadlines"].items():
        rows.append(["deadlines", "", "", "", f"{kind}.total", value["total"]])
        rows.append(["deadlines", "", "", "", f"{kind}.breached", value["breached"]])
    for outcome, count in report["outcomes"].items():
        rows.append(["outcomes", "", "", "", outcome, count])
    return rows
