"""The SLA clocks follow the ticket lifecycle: listeners of tickets.hooks, registered in
SlaConfig.ready(), running inside the ticket service's transaction on the locked ticket."""

from tickets import hooks
from tickets.services import remember_new_rows

from . import services
from .complaints.services import complaint_marked as marked

# The clocks planned for a new ticket before its INSERT, kept on the instance until it has its id.
_PLANNED = "_sla_planned_clocks"


def ticket_creating(event: hooks.TicketCreating) -> None:
    setattr(event.ticket, _PLANNED, services.sla_clocks_plan(ticket=event.ticket, now=event.now))


def ticket_created(event: hooks.TicketCreated) -> None:
    ticket = event.ticket
    clocks = ticket.__dict__.pop(_PLANNED, None)
    if clocks is None:  # created without TicketCreating (not by ticket_create)
        services.sla_ticket_created(ticket=ticket, now=event.now)
        return
    remember_new_rows(ticket, "sla_clocks", services.sla_clocks_save(ticket=ticket, clocks=clocks))


def message_added(event: hooks.MessageAdded) -> None:
    if event.internal:
        return
    if event.by_staff:
        services.sla_public_agent_reply(ticket=event.ticket, now=event.now)
    else:
        services.sla_customer_reply(ticket=event.ticket, now=event.now)


def status_changed(event: hooks.StatusChanged) -> None:
    services.sla_status_changed(ticket=event.ticket, previous=event.previous, now=event.now)


def ticket_reclassified(event: hooks.TicketReclassified) -> None:
    services.sla_ticket_changed(ticket=event.ticket, now=event.now)


def tickets_reclassified(event: hooks.TicketsReclassified) -> None:
    """A set-based service changed many tickets' priority or team (and did not retarget the clocks
    itself): each one's clocks take their policies' targets, as after ticket_change_priority."""
    services.recompute_batch(ticket_ids=list(event.ticket_ids), now=event.now)


def clocks_held(event: hooks.ClocksHeld) -> None:
    services.sla_clocks_hold(ticket_ids=event.ticket_ids, held=event.held, now=event.now)


def complaint_marked(event: hooks.ComplaintMarked) -> None:
    marked(ticket=event.ticket, now=event.now)


def connect() -> None:
    hooks.on(hooks.TicketCreating)(ticket_creating)
    hooks.on(hooks.TicketCreated)(ticket_created)
    hooks.on(hooks.MessageAdded)(message_added)
    hooks.on(hooks.StatusChanged)(status_changed)
    hooks.on(hooks.TicketReclassified)(ticket_reclassified)
    hooks.on(hooks.TicketsReclassified)(tickets_reclassified)
    hooks.on(hooks.ComplaintMarked)(complaint_marked)
    hooks.on(hooks.ClocksHeld)(clocks_held)
