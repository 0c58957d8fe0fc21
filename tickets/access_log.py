"""The staff access log (issue 12, item 6): who of the staff opened which ticket, and when; and the
leads' review of it, with the reveals of customer data (tickets.privacy) beside it.

Writing costs the ticket detail one statement: an upsert of the (ticket, staff member, hour) row
(TicketAccess). Reading is for leads and admins: a ticket's summary per staff member, and the
rows and reveals of one agent or ticket, newest first, in keyset pages.
"""

from datetime import UTC, datetime

from django.db import connection
from django.db.models import Count, Max, Min, QuerySet, Sum

from .models import Ticket, TicketAccess, TicketEvent

# A ticket's summary lists at most this many staff members (the most recent), its reveals too.
TICKET_SUMMARY_MAX = 200


def access_hour(moment: datetime) -> datetime:
    """The start of the UTC hour `moment` falls in: the access log's unit."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ticket_access_record(*, ticket_id: int, staff_id: int, now: datetime) -> None:
    """Count one read of the ticket by this staff member: one INSERT … ON CONFLICT DO UPDATE
    (PostgreSQL and SQLite alike), whatever the number of reads before."""
    table = connection.ops.quote_name(TicketAccess._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} ("staff_id", "ticket_id", "hour", "first_at", "last_at", "count") '
            "VALUES (%s, %s, %s, %s, %s, 1) "
            'ON CONFLICT ("ticket_id", "staff_id", "hour") DO UPDATE '
            f'SET "last_at" = EXCLUDED."last_at", "count" = {table}."count" + 1',
            [staff_id, ticket_id, adapt(access_hour(now)), adapt(now), adapt(now)],
        )


def ticket_access_summary(*, ticket: Ticket) -> list[dict]:
    """Who opened the ticket: per staff member, the first and last read, the reads and the hours
    they fell in; most recent first (one query, on ticket_access_unique)."""
    rows = (
        TicketAccess.objects.filter(ticket=ticket)
        .values("staff_id", "staff__username", "staff__first_name", "staff__last_name")
        .annotate(first_at=Min("first_at"), last_at=Max("last_at"), reads=Sum("count"), hours=Count("id"))
        .order_by("-last_at", "staff_id")[:TICKET_SUMMARY_MAX]
    )
    return [
        {
            "staff": _person(
                row["staff_id"], row["staff__username"], row["staff__first_name"], row["staff__last_name"]
            ),
            "first_at": row["first_at"],
            "last_at": row["last_at"],
            "reads": row["reads"],
            "hours": row["hours"],
        }
        for row in rows
    ]


def ticket_reveals(*, ticket: Ticket) -> list[TicketEvent]:
    """The ticket's reveals of customer data, newest first (one query, on event_ticket_idx)."""
    return list(
        TicketEvent.objects.filter(ticket=ticket, kind=TicketEvent.Kind.PII_REVEALED)
        .select_related("actor")
        .order_by("-at", "-id")[:TICKET_SUMMARY_MAX]
    )


def access_rows(*, staff_id: int | None = None, reference: str | None = None) -> QuerySet[TicketAccess]:
    """The access log's rows, of one staff member and/or one ticket, with both joined; the caller
    orders and pages them (hour, id descending: ticket_access_staff_idx, _ticket_idx, _hour_idx)."""
    rows = TicketAccess.objects.select_related("staff", "ticket").only(
        *("hour", "first_at", "last_at", "count"),
        *("staff__id", "staff__username", "staff__first_name", "staff__last_name"),
        *("ticket__id", "ticket__reference", "ticket__subject"),
    )
    if staff_id is not None:
        rows = rows.filter(staff_id=staff_id)
    if reference is not None:
        rows = rows.filter(ticket__reference=reference)
    return rows


def reveal_rows(*, staff_id: int | None = None, reference: str | None = None) -> QuerySet[TicketEvent]:
    """Every reveal of customer data, of one staff member and/or one ticket, with the actor and
    ticket joined (at, id descending: event_reveal_idx, event_reveal_actor_idx)."""
    rows = (
        TicketEvent.objects.filter(kind=TicketEvent.Kind.PII_REVEALED)
        .select_related("actor", "ticket")
        .only(
            *("at", "kind", "data", "actor_id", "ticket_id"),
            *("actor__id", "actor__username", "actor__first_name", "actor__last_name"),
            *("ticket__id", "ticket__reference", "ticket__subject"),
        )
    )
    if staff_id is not None:
        rows = rows.filter(actor_id=staff_id)
    if reference is not None:
        rows = rows.filter(ticket__reference=reference)
    return rows


def _person(pk: int, username: str, first_name: str, last_name: str) -> dict:
    return {"id": pk, "username": username, "name": f"{first_name} {last_name}".strip() or username}


def person_of(user) -> dict | None:
    """A staff member as the review shows them."""
    if user is None:
        return None
    return _person(user.pk, user.username, user.first_name, user.last_name)
