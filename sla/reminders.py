"""Customer reminders and auto-close: a ticket waiting on its customer is not forgotten, and a
solved one does not stay open forever. Each reminder is sent once per waiting period."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from tickets import notifications as emails
from tickets import services as ticket_services
from tickets.models import Ticket

from .models import CustomerReminder

Kind = CustomerReminder.Kind
BATCH = 200


@dataclass
class ReminderResult:
    reminders: int = 0
    closed_pending: int = 0
    closed_solved: int = 0

    def as_dict(self) -> dict:
        return {"reminders": self.reminders, "closed_pending": self.closed_pending, "closed_solved": self.closed_solved}


def _claim(ticket: Ticket, kind: str, hours: int, now: datetime) -> bool:
    """True for the one caller that records this reminder; the unique row makes it once only."""
    _, created = CustomerReminder.objects.get_or_create(
        ticket=ticket, kind=kind, hours=hours, since=ticket.status_changed_at, defaults={"sent_at": now}
    )
    return created


def _waiting(status: str, older_than: datetime, kind: str, hours: int):
    already = CustomerReminder.objects.filter(
        ticket=OuterRef("pk"), kind=kind, hours=hours, since=OuterRef("status_changed_at")
    )
    query = Ticket.objects.filter(status=status, status_changed_at__lte=older_than).exclude(Exists(already))
    query = query.select_related("requester", "requester__customer_profile", "team")
    return query.order_by("status_changed_at", "id")


def _lock(query):
    if connection.features.has_select_for_update_skip_locked:
        return query.select_for_update(skip_locked=True, of=("self",))
    return query


def customer_reminders_run(*, now: datetime) -> ReminderResult:
    result = ReminderResult()
    pending = Ticket.Status.PENDING_CUSTOMER
    close_after = timedelta(days=settings.SLA_PENDING_AUTO_CLOSE_DAYS)
    for hours in sorted(settings.SLA_CUSTOMER_REMINDER_HOURS):
        if timedelta(hours=hours) >= close_after:
            continue
        while True:
            with transaction.atomic():
                batch = list(_lock(_waiting(pending, now - timedelta(hours=hours), Kind.WAITING, hours))[:BATCH])
                for ticket in batch:
                    if _claim(ticket, Kind.WAITING, hours, now):
                        closes_at = ticket.status_changed_at + close_after
                        emails.customer_reminder(ticket=ticket, hours=hours, closes_at=closes_at, now=now)
                        result.reminders += 1
            if len(batch) < BATCH:
                break
    for status, kind, days in (
        (pending, Kind.AUTO_CLOSE_PENDING, settings.SLA_PENDING_AUTO_CLOSE_DAYS),
        (Ticket.Status.SOLVED, Kind.AUTO_CLOSE_SOLVED, settings.SLA_SOLVED_AUTO_CLOSE_DAYS),
    ):
        while True:
            with transaction.atomic():
                batch = list(_lock(_waiting(status, now - timedelta(days=days), kind, 0))[:BATCH])
                for ticket in batch:
                    if _claim(ticket, kind, 0, now):
                        ticket_services.ticket_auto_close(ticket=ticket, reason=kind, now=now)
                        if kind == Kind.AUTO_CLOSE_PENDING:
                            result.closed_pending += 1
                        else:
                            result.closed_solved += 1
            if len(batch) < BATCH:
                break
    return result
