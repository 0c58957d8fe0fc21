"""The one writer of the audit trail: every TicketEvent row is written by `record` or `record_many`.

Services record one event at a time inside their transaction; the bulk paths (the SLA sweep,
whose batches carry thousands) hand plain rows to `record_many`, which writes them in one INSERT.
Whatever later wraps every event (a hash chain, the redaction of secrets) changes these two
functions and nothing else; tests/tickets/test_audit.py fails when code elsewhere writes events.

The hash chain (issue 12, item 5): each event stores `prev`, the hash of the event before it on
the same ticket ('' for the first), and `hash`, SHA-256 over `canonical(...)` of its own content
and `prev`. The ticket row keeps the chain's head and length (Ticket.audit_head, audit_length).
The database advances them (a trigger of migration 0021, on every INSERT of events, so no
statement is added here) and refuses an INSERT whose `prev` is not the ticket's head at that
moment: a writer whose head is stale fails instead of forking the chain. Writers hold the ticket's
row lock (the services lock it; the sweep's batches lock their tickets), which orders each chain.
tickets.audit_chain verifies the chains (manage.py verify_audit, the periodic check).
"""

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection

from accounts.models import User
from support_desk.bulk_sql import array_literal, insert_rows

from .models import Ticket, TicketEvent

COLUMNS = ["ticket", "actor", "kind", "data", "at", "prev", "hash"]


def canonical(*, ticket_id: int, kind: str, actor_id: int | None, at: datetime, data: dict, prev: str) -> bytes:
    """The bytes an event's hash is taken over. Frozen: changing it breaks every stored chain
    (migration 0021 holds a copy). JSON, sorted keys, no whitespace, UTF-8 (not \\u escapes);
    `at` in UTC with microseconds, which both databases keep; `data` as it reads back from the
    JSON column (plain JSON types: the field has no encoder)."""
    document = {
        "actor_id": actor_id,
        "at": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "data": data,
        "kind": str(kind),
        "prev": prev,
        "ticket_id": ticket_id,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(*, ticket_id: int, kind: str, actor_id: int | None, at: datetime, data: dict, prev: str) -> str:
    return hashlib.sha256(
        canonical(ticket_id=ticket_id, kind=kind, actor_id=actor_id, at=at, data=data, prev=prev)
    ).hexdigest()


@dataclass(slots=True)
class EventRow:
    """An event as plain data (no model instance), for record_many."""

    ticket_id: int
    kind: str
    at: datetime
    data: dict
    actor_id: int | None = None
    prev: str = ""
    hash: str = ""


def row(ticket_id: int, kind: str, at: datetime, *, actor_id: int | None = None, **data) -> EventRow:
    return EventRow(ticket_id=ticket_id, kind=kind, at=at, data=data, actor_id=actor_id)


def record(ticket: Ticket, *, kind: str, actor: User | None, at: datetime, **data) -> TicketEvent:
    """One event, returned with its id (the ticket's version is the id of its latest event).
    `ticket` is the caller's (locked) row: its audit_head is the new event's prev, and it is
    advanced on the instance as the database advances the row."""
    if ticket._state.adding:
        # A bare Ticket(pk=…) (the guest-link services): its chain head is the row's, read under
        # the row lock (one statement more on those paths).
        ticket.audit_head, ticket.audit_length = (
            Ticket.objects.select_for_update().values_list("audit_head", "audit_length").get(pk=ticket.pk)
        )
    prev = ticket.audit_head
    actor_id = actor.pk if actor is not None else None
    digest = event_hash(ticket_id=ticket.pk, kind=kind, actor_id=actor_id, at=at, data=data, prev=prev)
    event = TicketEvent.objects.create(ticket=ticket, actor=actor, kind=kind, at=at, data=data, prev=prev, hash=digest)
    ticket.audit_head, ticket.audit_length = digest, ticket.audit_length + 1
    return event


def record_many(rows: Sequence[EventRow], *, tickets: Iterable = ()) -> int:
    """Many events in one INSERT (on PostgreSQL from column arrays, elsewhere bulk_create in
    batches of 1,000); no ids are read back. The rows of one ticket chain in the order given.
    Returns how many were written. See `chain` for `tickets`."""
    rows = list(rows)
    if not rows:
        return 0
    chain(rows, tickets=tickets)
    insert(rows)
    return len(rows)


def chain(rows: Sequence[EventRow], *, tickets: Iterable = ()) -> bool:
    """Fill in each row's prev and hash. The heads come from `tickets` (locked Ticket instances or
    rows with audit_head and audit_length, which are advanced in memory as the database will
    advance the rows: a later `record` on them sees the new head), the others' from one SELECT.
    Returns whether there was anything to chain. `insert` writes the rows afterwards."""
    if not rows:
        return False
    holders = {ticket.pk: ticket for ticket in tickets if hasattr(ticket, "audit_head")}
    heads = {event.ticket_id: "" for event in rows}
    held = heads.keys() & holders.keys()
    for pk in held:
        heads[pk] = holders[pk].audit_head
    if missing := heads.keys() - held:
        heads.update(chain_heads(missing))
    for event in rows:
        event.prev = heads[event.ticket_id]
        event.hash = heads[event.ticket_id] = event_hash(
            ticket_id=event.ticket_id,
            kind=event.kind,
            actor_id=event.actor_id,
            at=event.at,
            data=event.data,
            prev=event.prev,
        )
        if (holder := holders.get(event.ticket_id)) is not None:
            holder.audit_head, holder.audit_length = event.hash, holder.audit_length + 1
    return True


def insert(rows: Sequence[EventRow]) -> None:
    """The rows `chain` filled in, in one INSERT."""
    insert_rows(TicketEvent, list(rows), COLUMNS)


def chain_heads(ticket_ids: set[int]) -> dict[int, str]:
    """The chain heads of these tickets, in one statement, locking their rows (the bulk callers
    hold the locks already: then it costs nothing more)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                'SELECT id, audit_head FROM "tickets_ticket" WHERE id = ANY(%s::bigint[]) FOR UPDATE',
                [array_literal(sorted(ticket_ids), "number")],
            )
            return dict(cursor.fetchall())
    return dict(Ticket.objects.select_for_update().filter(pk__in=ticket_ids).values_list("pk", "audit_head"))
