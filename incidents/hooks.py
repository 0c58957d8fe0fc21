"""A new ticket that matches an active incident is linked to it and answered at once, inside
the creating transaction (tickets.hooks.TicketCreated, registered in IncidentsConfig.ready()).

Matching reads the process's copy of the active incidents (incidents.snapshot): when none
matches, no statement is run. A match costs three: the link, the answer (a public system
message) and its `incident_linked` event, whose data says which incident and which rule; and,
for an incident that pauses its tickets' clocks, what holding them costs the sla app.
"""

from tickets import hooks, sla_view
from tickets.models import TicketEvent
from tickets.services import system_message_post

from . import matching, texts
from .models import IncidentLink
from .snapshot import active_incidents


def ticket_created(event: hooks.TicketCreated) -> None:
    incidents = active_incidents()
    if not incidents:
        return
    ticket = event.ticket
    found = matching.best_match(
        incidents.values(), category=ticket.category.code, asset=ticket.asset, network=ticket.network
    )
    if found is None:
        return
    incident = found.incident
    IncidentLink.objects.create(incident_id=incident.id, ticket=ticket, rule=found.rule, linked_at=event.now)
    system_message_post(
        ticket=ticket,
        body=texts.answer_body(incident, language=ticket.language),
        kind=TicketEvent.Kind.INCIDENT_LINKED,
        now=event.now,
        incident_id=incident.id,
        rule=found.rule,
    )
    if incident.pauses_clocks:
        hooks.emit(hooks.ClocksHeld(ticket_ids=(ticket.pk,), held=True, reason="incident", now=event.now))
        # The answer shows the clocks as they are now (paused), read again.
        for prefetch in sla_view.clocks_prefetch():
            ticket.__dict__.get("_prefetched_objects_cache", {}).pop(prefetch.prefetch_to, None)


def connect() -> None:
    hooks.on(hooks.TicketCreated)(ticket_created)
