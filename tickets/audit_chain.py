"""Verifying the audit trail's hash chains (tickets.audit writes them): manage.py verify_audit
checks every chain, the periodic task (tickets.audit_chain_check) the recently active ones.

For each ticket, in id order, every event must carry the hash of the one before it as `prev`
('' for the first) and a hash that its own content gives; the ticket's chain head and length must
be the last event's hash and the count. An edited row fails its own hash, a deleted row the next
one's prev (or, the last, the head and length), an inserted row the prev of the one after it (or,
at the end, the head and length, unless the ticket row was rewritten too: then only a copy of a
head taken earlier shows it, such as a customer's evidence export).
"""

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby

from django.db import transaction

from .audit import event_hash, record
from .models import Ticket, TicketEvent

logger = logging.getLogger(__name__)

RECENT = timedelta(hours=1)
RECENT_TICKETS_MAX = 2_000


@dataclass(frozen=True, slots=True)
class ChainBreak:
    """The first broken link of one ticket's chain. `event_id` is None when the events agree
    with each other but not with the ticket's head or length."""

    ticket_id: int
    reference: str
    event_id: int | None
    what: str  # "hash", "prev", "head" or "length"
    expected: str
    found: str

    def describe(self) -> str:
        where = f"event {self.event_id}" if self.event_id is not None else "ticket row"
        return f"{self.reference}: {where}: {self.what} expected {self.expected!r}, found {self.found!r}"

    def as_data(self) -> dict:
        return {"event_id": self.event_id, "what": self.what, "expected": self.expected, "found": self.found}


def _first_break(ticket: tuple, events: Iterable[tuple]) -> ChainBreak | None:
    ticket_id, reference, head, length = ticket
    prev, count = "", 0
    for event_id, kind, actor_id, at, data, stored_prev, stored_hash in events:
        if stored_prev != prev:
            return ChainBreak(ticket_id, reference, event_id, "prev", prev, stored_prev)
        digest = event_hash(ticket_id=ticket_id, kind=kind, actor_id=actor_id, at=at, data=data, prev=prev)
        if stored_hash != digest:
            return ChainBreak(ticket_id, reference, event_id, "hash", digest, stored_hash)
        prev, count = stored_hash, count + 1
    if head != prev:
        return ChainBreak(ticket_id, reference, None, "head", prev, head)
    if length != count:
        return ChainBreak(ticket_id, reference, None, "length", str(count), str(length))
    return None


def verify_chains(*, ticket_ids: Iterable[int] | None = None, chunk_size: int = 5_000) -> Iterator[ChainBreak]:
    """The first broken link of every broken chain (of these tickets, or of all), in ticket id
    order. Streams tickets and events side by side in id order (server-side cursors on
    PostgreSQL), so memory does not grow with the trail."""
    tickets = Ticket.objects.order_by("id")
    events = TicketEvent.objects.order_by("ticket_id", "id")
    if ticket_ids is not None:
        ticket_ids = list(ticket_ids)
        tickets, events = tickets.filter(pk__in=ticket_ids), events.filter(ticket_id__in=ticket_ids)
    ticket_rows = tickets.values_list("id", "reference", "audit_head", "audit_length").iterator(chunk_size)
    event_rows = events.values_list("ticket_id", "id", "kind", "actor_id", "at", "data", "prev", "hash")
    by_ticket = groupby(event_rows.iterator(chunk_size), key=lambda event: event[0])
    pending = next(by_ticket, None)
    for ticket in ticket_rows:
        chain: list = []
        while pending is not None and pending[0] <= ticket[0]:
            if pending[0] == ticket[0]:
                chain = [event[1:] for event in pending[1]]
            pending = next(by_ticket, None)
        broken = _first_break(ticket, chain)
        if broken is not None:
            yield broken


@transaction.atomic
def audit_chain_check(
    *, now: datetime, window: timedelta = RECENT, limit: int = RECENT_TICKETS_MAX
) -> list[ChainBreak]:
    """Verify the chains of the tickets with events in the last `window` (the most recently
    active `limit` of them). Each break found is logged at ERROR and recorded once on its ticket
    as an `audit_chain_broken` event (internal: never in the customer's timeline or export),
    which staff see in the ticket's history; a break already recorded is not recorded again."""
    recent = (
        TicketEvent.objects.filter(at__gte=now - window)
        .exclude(kind=TicketEvent.Kind.AUDIT_CHAIN_BROKEN)
        .values("ticket_id")
        .distinct()
        .order_by()
    )
    ticket_ids = list(Ticket.objects.filter(pk__in=recent).order_by("-updated_at").values_list("pk", flat=True)[:limit])
    breaks = list(verify_chains(ticket_ids=ticket_ids))
    if not breaks:
        return breaks
    known = {
        (event.ticket_id, event.data.get("event_id"), event.data.get("what"))
        for event in TicketEvent.objects.filter(
            kind=TicketEvent.Kind.AUDIT_CHAIN_BROKEN, ticket_id__in=[broken.ticket_id for broken in breaks]
        )
    }
    for broken in breaks:
        logger.error("audit chain broken: %s", broken.describe())
        if (broken.ticket_id, broken.event_id, broken.what) in known:
            continue
        ticket = Ticket.objects.select_for_update().get(pk=broken.ticket_id)
        record(ticket, kind=TicketEvent.Kind.AUDIT_CHAIN_BROKEN, actor=None, at=now, **broken.as_data())
    return breaks
