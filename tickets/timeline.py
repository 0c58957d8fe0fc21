"""The customer's view of what happened: the public subset of the audit trail, in words."""

from django.utils.translation import gettext as _

from .models import Priority, Ticket, TicketEvent

Kind = TicketEvent.Kind


def _status_label(value: str) -> str:
    """Status names as the customer reads them (the staff labels say "customer")."""
    customer_labels = {Ticket.Status.PENDING_CUSTOMER: _("waiting for your reply")}
    if value in customer_labels:
        return str(customer_labels[value])
    try:
        return str(Ticket.Status(value).label)
    except ValueError:
        return value


def _entry(event: TicketEvent) -> dict | None:
    data = event.data or {}
    if event.kind == Kind.CREATED:
        return {"text": _("Ticket received."), "data": {}}
    if event.kind in (Kind.STATUS_CHANGED, Kind.REOPENED):
        text = (
            _("Ticket reopened.")
            if event.kind == Kind.REOPENED
            else _("Status changed to %(status)s.") % {"status": _status_label(data.get("to", ""))}
        )
        return {"text": text, "data": {"from": data.get("from"), "to": data.get("to")}}
    if event.kind == Kind.MESSAGE_ADDED and not data.get("internal"):
        by = data.get("by", "customer")
        text = _("Support replied.") if by == "agent" else _("You wrote a message.")
        return {"text": text, "data": {"by": by, "message_id": data.get("message_id")}}
    if event.kind == Kind.ATTACHMENT_ADDED and not data.get("internal"):
        return {
            "text": _("File added: %(name)s") % {"name": data.get("name", "")},
            "data": {"name": data.get("name"), "sha256": data.get("sha256")},
        }
    if event.kind == Kind.ASSIGNED:
        return {"text": _("An agent is handling your ticket."), "data": {}}
    if event.kind == Kind.PRIORITY_CHANGED:
        to = data.get("to", "")
        label = Priority(to).label if to in Priority.values else to
        return {"text": _("Priority set to %(priority)s.") % {"priority": label}, "data": {"to": to}}
    if event.kind == Kind.FIRST_RESPONSE:
        return {"text": _("First answer from a person."), "data": {}}
    return None


def public_timeline(ticket: Ticket) -> list[dict]:
    """Uses the prefetched events; internal notes, routing and SLA internals stay out."""
    entries = []
    for event in ticket.events.all():
        entry = _entry(event)
        if entry is not None:
            entries.append({"kind": event.kind, "at": event.at, **entry})
    return entries
