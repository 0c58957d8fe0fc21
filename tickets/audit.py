"""The one writer of the audit trail: every TicketEvent row is written by `record` or `record_many`.

Services record one event at a time inside their transaction; the bulk paths (the SLA sweep,
whose batches carry thousands) hand plain rows to `record_many`, which writes them in one INSERT.
Whatever later wraps every event (a hash chain, the redaction of secrets) changes these two
functions and nothing else; tests/tickets/test_audit.py fails when code elsewhere writes events.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from accounts.models import User
from support_desk.bulk_sql import insert_rows

from .models import Ticket, TicketEvent

COLUMNS = ["ticket", "actor", "kind", "data", "at"]


@dataclass(slots=True)
class EventRow:
    """An event as plain data (no model instance), for record_many."""

    ticket_id: int
    kind: str
    at: datetime
    data: dict
    actor_id: int | None = None


def row(ticket_id: int, kind: str, at: datetime, *, actor_id: int | None = None, **data) -> EventRow:
    return EventRow(ticket_id=ticket_id, kind=kind, at=at, data=data, actor_id=actor_id)


def record(ticket: Ticket, *, kind: str, actor: User | None, at: datetime, **data) -> TicketEvent:
    """One event, returned with its id (the ticket's version is the id of its latest event)."""
    return TicketEvent.objects.create(ticket=ticket, actor=actor, kind=kind, at=at, data=data)


def record_many(rows: Sequence[EventRow]) -> int:
    """Many events in one INSERT (on PostgreSQL from column arrays, elsewhere bulk_create in
    batches of 1,000); no ids are read back. Returns how many were written."""
    insert_rows(TicketEvent, list(rows), COLUMNS)
    return len(rows)
