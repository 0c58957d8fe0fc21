"""Typed lifecycle hooks: the ticket services announce what happened, higher apps (sla) listen.

Listeners run synchronously inside the service's transaction, on the locked ticket, in the
order they registered (AppConfig.ready()); an exception in one rolls the whole change back.
No Django signals: each event is a dataclass, each listener is registered for one event type.

    from tickets import hooks

    @hooks.on(hooks.StatusChanged)
    def _clocks_follow_status(event: hooks.StatusChanged) -> None: ...
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .models import Message, Ticket


@dataclass(frozen=True, slots=True)
class TicketCreating:
    """A new ticket, not inserted yet: a listener may set its fields (sla_due_at) so the INSERT
    carries them."""

    ticket: Ticket
    now: datetime


@dataclass(frozen=True, slots=True)
class TicketCreated:
    """The new ticket, its first message and its `created` event are inserted."""

    ticket: Ticket
    now: datetime


@dataclass(frozen=True, slots=True)
class MessageAdded:
    """A reply or an internal note. For a public agent reply: before the first response is
    recorded and the status moves; for a customer reply: after a reopen."""

    ticket: Ticket
    message: Message
    by_staff: bool
    now: datetime

    @property
    def internal(self) -> bool:
        return self.message.kind == Message.Kind.INTERNAL


@dataclass(frozen=True, slots=True)
class StatusChanged:
    ticket: Ticket
    previous: str
    now: datetime


@dataclass(frozen=True, slots=True)
class TicketAssigned:
    """An agent took the ticket (a claim, an assignment, a bulk assignment); `previous` is the
    former assignee's id. Not sent for an unassignment."""

    ticket: Ticket
    previous: int | None
    claimed: bool
    now: datetime


@dataclass(frozen=True, slots=True)
class TicketMerged:
    """An agent merged `duplicate` into `main` (tickets.merge): the duplicate is closed (its
    StatusChanged came first) and points at main; nothing of either was moved."""

    duplicate: Ticket
    main: Ticket
    now: datetime


@dataclass(frozen=True, slots=True)
class TicketSplit:
    """An agent split `message` of `source` out into the new ticket `ticket` (its TicketCreated
    came first); the message stays where it was."""

    source: Ticket
    message: Message
    ticket: Ticket
    now: datetime


MergeEvent = TicketMerged | TicketSplit  # emit() takes these too


@dataclass(frozen=True, slots=True)
class TicketReclassified:
    """What an SLA policy looks at changed: priority, team, category, the complaint flag, the
    requester (their tier). Sent once per service call, after every field changed."""

    ticket: Ticket
    now: datetime


@dataclass(frozen=True, slots=True)
class ComplaintMarked:
    """The ticket became a formal complaint (filed as one, or marked later: its
    complaint_received_at is set), or stopped being one (`is_complaint` false). The complaint
    handling (sla.complaints) starts its statutory deadlines or stops them."""

    ticket: Ticket
    actor_id: int | None
    now: datetime


@dataclass(frozen=True, slots=True)
class GuestLinkFirstUsed:
    """A guest link was opened for the first time: its holder proved the mailbox (after the
    ticket joined the account with that address, if any). Sent once per link."""

    ticket: Ticket
    email: str
    now: datetime


Event = (
    TicketCreating
    | TicketCreated
    | MessageAdded
    | StatusChanged
    | TicketAssigned
    | TicketReclassified
    | ComplaintMarked
    | GuestLinkFirstUsed
)
_listeners: dict[type, list[Callable]] = defaultdict(list)


def on(event_type: type) -> Callable[[Callable], Callable]:
    def register(listener: Callable) -> Callable:
        if listener not in _listeners[event_type]:
            _listeners[event_type].append(listener)
        return listener

    return register


def emit(event: Event) -> None:
    for listener in _listeners[type(event)]:
        listener(event)


# --- bulk: the set-based services (tickets.bulk) announce many tickets at once ------------------


@dataclass(frozen=True, slots=True)
class TicketsReclassified:
    """TicketReclassified for many tickets a set-based service changed (their ids), after the write."""

    ticket_ids: tuple[int, ...]
    now: datetime


@dataclass(frozen=True, slots=True)
class MessagesAdded:
    """MessageAdded for many messages a set-based service inserted (the SLA ladder's internal notes)."""

    messages: tuple[Message, ...]
    by_staff: bool
    now: datetime

    @property
    def internal(self) -> bool:
        return all(message.kind == Message.Kind.INTERNAL for message in self.messages)


@dataclass(frozen=True, slots=True)
class ClocksHeld:
    """A higher app holds these tickets' SLA clocks (an incident whose linked tickets' clocks
    pause) or lets them go (`held=False`: they run again, unless the ticket's status pauses them).
    The sla app listens; tickets and the holder never touch the clocks themselves."""

    ticket_ids: tuple[int, ...]
    held: bool
    reason: str
    now: datetime


BulkEvent = TicketsReclassified | MessagesAdded | ClocksHeld  # emit() takes these too
