"""The customer's view of what happened: the public subset of the audit trail, in words."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Priority, Ticket, TicketEvent

Kind = TicketEvent.Kind

# The one vocabulary customers read, wherever a status is shown to them: the portal's badges
# (statusLabel in portal/static/portal/i18n.js, kept equal by tests/portal/test_vocabulary.py),
# the timeline below and the exported record. The model's labels ("Open", "Waiting on customer")
# are the staff's words.
CUSTOMER_STATUS_LABELS = {
    Ticket.Status.NEW: gettext_lazy("Received"),
    Ticket.Status.OPEN: gettext_lazy("In progress"),
    Ticket.Status.PENDING_CUSTOMER: gettext_lazy("Waiting for your reply"),
    Ticket.Status.ON_HOLD: gettext_lazy("On hold"),
    Ticket.Status.SOLVED: gettext_lazy("Solved"),
    Ticket.Status.CLOSED: gettext_lazy("Closed"),
}


def customer_status_label(value: str) -> str:
    """A status in the customer's words (the raw value when it is unknown)."""
    label = CUSTOMER_STATUS_LABELS.get(value)
    return str(label) if label is not None else value


def _merge_entry(event: TicketEvent, data: dict) -> dict | None:
    """Merge and split (tickets.merge), read by reference: each ticket names the other."""
    if event.kind == Kind.MERGED_INTO:
        text = _("This ticket was combined with ticket %(reference)s; the conversation continues there.")
        return {"text": text % {"reference": data.get("into", "")}, "data": {"reference": data.get("into")}}
    if event.kind == Kind.MERGED_FROM:
        text = _("Ticket %(reference)s was combined with this one; its conversation is shown below.")
        return {"text": text % {"reference": data.get("duplicate", "")}, "data": {"reference": data.get("duplicate")}}
    if event.kind == Kind.SPLIT_TO:
        text = _("One of your messages was moved to a new ticket of its own: %(reference)s.")
        return {
            "text": text % {"reference": data.get("to", "")},
            "data": {"reference": data.get("to"), "message_id": data.get("message_id")},
        }
    if event.kind == Kind.SPLIT_FROM:
        text = _("Opened from your message on ticket %(reference)s.")
        return {
            "text": text % {"reference": data.get("source", "")},
            "data": {"reference": data.get("source"), "message_id": data.get("message_id")},
        }
    if event.kind == Kind.MESSAGE_ADDED and data.get("reason") == "merged":
        return {"text": _("Support told you the tickets were combined."), "data": {"by": "system"}}
    return None


MERGE_KINDS = {Kind.MERGED_INTO, Kind.MERGED_FROM, Kind.SPLIT_TO, Kind.SPLIT_FROM}


def _entry(event: TicketEvent) -> dict | None:
    data = event.data or {}
    if event.kind in MERGE_KINDS or (event.kind == Kind.MESSAGE_ADDED and data.get("reason") == "merged"):
        return _merge_entry(event, data)
    if event.kind == Kind.CREATED:
        return {"text": _("Ticket received."), "data": {}}
    if event.kind in (Kind.STATUS_CHANGED, Kind.REOPENED):
        text = (
            _("Ticket reopened.")
            if event.kind == Kind.REOPENED
            else _("Status changed to “%(status)s”.") % {"status": customer_status_label(data.get("to", ""))}
        )
        return {"text": text, "data": {"from": data.get("from"), "to": data.get("to")}}
    if event.kind == Kind.MESSAGE_ADDED and not data.get("internal"):
        by = data.get("by", "customer")
        if by == "system":
            text = _("Update about a known problem.")
        else:
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
    if event.kind == Kind.INCIDENT_LINKED:
        text = _("Linked to a known problem we are working on.")
        return {"text": text, "data": {"incident_id": data.get("incident_id")}}
    if event.kind == Kind.FIRST_RESPONSE:
        return {"text": _("First answer from a person."), "data": {}}
    return None


def is_public(event: TicketEvent) -> bool:
    """Whether the customer's timeline shows this event (the evidence export lists its hash)."""
    return _entry(event) is not None


def public_timeline(ticket: Ticket) -> list[dict]:
    """Uses the prefetched events; internal notes, routing and SLA internals stay out."""
    entries = []
    for event in ticket.events.all():
        entry = _entry(event)
        if entry is not None:
            entries.append({"kind": event.kind, "at": event.at, **entry})
    return entries
