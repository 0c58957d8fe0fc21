"""The ticket events sent to webhook endpoints (notifications.webhooks), from the lifecycle hooks,
inside the service's transaction: the delivery row commits or rolls back with the change.

Bodies carry the ticket's reference and codes, never its text or the customer's identity: a
receiver that needs more asks the API with its own credentials. Nothing is built, and no
statement is run, for an event no active endpoint subscribes to.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from notifications.webhooks import register_webhook_events, subscribed_endpoint_ids, webhook_emit

from . import hooks
from .models import Ticket

TICKET_CREATED = "ticket.created"
TICKET_STATUS_CHANGED = "ticket.status_changed"
TICKET_ASSIGNED = "ticket.assigned"
TICKET_MERGED = "ticket.merged"
TICKET_SPLIT = "ticket.split"

EVENTS = {
    TICKET_CREATED: _("Ticket created"),
    TICKET_STATUS_CHANGED: _("Ticket status changed"),
    TICKET_ASSIGNED: _("Ticket assigned"),
    TICKET_MERGED: _("Ticket merged into another"),
    TICKET_SPLIT: _("Message split into a new ticket"),
}


def ticket_facts(ticket: Ticket) -> dict[str, Any]:
    """What every ticket event says about its ticket (the team and category rows are read only
    when the instance does not hold them already)."""
    return {
        "reference": ticket.reference,
        "status": ticket.status,
        "priority": ticket.priority,
        "team": ticket.team.code,
        "category": ticket.category.code,
        "channel": ticket.channel,
        "assignee": ticket.assignee_id,
        "created_at": ticket.created_at.isoformat(),
    }


def _emit(event: str, ticket: Ticket, now, **extra: Any) -> None:
    if not subscribed_endpoint_ids(event):
        return
    webhook_emit(event=event, data={"ticket": ticket_facts(ticket), **extra}, reference=ticket.reference, now=now)


def _created(event: hooks.TicketCreated) -> None:
    _emit(TICKET_CREATED, event.ticket, event.now)


def _status_changed(event: hooks.StatusChanged) -> None:
    _emit(TICKET_STATUS_CHANGED, event.ticket, event.now, previous_status=event.previous)


def _assigned(event: hooks.TicketAssigned) -> None:
    _emit(
        TICKET_ASSIGNED,
        event.ticket,
        event.now,
        previous_assignee=event.previous,
        claimed=event.claimed,
    )


def _merged(event: hooks.TicketMerged) -> None:
    # About the duplicate (now closed); the main ticket by reference.
    _emit(TICKET_MERGED, event.duplicate, event.now, merged_into=event.main.reference)


def _split(event: hooks.TicketSplit) -> None:
    # About the new ticket; where its first message came from by reference.
    _emit(TICKET_SPLIT, event.ticket, event.now, split_from=event.source.reference, message_id=event.message.pk)


def register() -> None:
    """From TicketsConfig.ready()."""
    register_webhook_events(EVENTS)
    hooks.on(hooks.TicketCreated)(_created)
    hooks.on(hooks.StatusChanged)(_status_changed)
    hooks.on(hooks.TicketAssigned)(_assigned)
    hooks.on(hooks.TicketMerged)(_merged)
    hooks.on(hooks.TicketSplit)(_split)
