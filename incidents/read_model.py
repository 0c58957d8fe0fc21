"""The incident card a ticket's detail shows (tickets.incident_view): registered from
IncidentsConfig.ready(). The link comes from the detail's prefetched events (the last
`incident_linked` / `incident_unlinked`), the incident from the process's copy of the active
ones: a ticket linked to an active incident costs its detail no statement; to a resolved one, two
(the incident with its categories; its latest update)."""

from typing import Any

from rest_framework import serializers

from tickets import incident_view
from tickets.models import Ticket, TicketEvent

from .models import Incident, IncidentLink
from .snapshot import IncidentFacts, active_incidents, incident_facts

LINK_KINDS = (TicketEvent.Kind.INCIDENT_LINKED, TicketEvent.Kind.INCIDENT_UNLINKED)


def _link_of(ticket: Ticket) -> tuple[int, str, Any] | None:
    """(incident id, rule, linked at) of the ticket's current link, or None."""
    events = ticket.__dict__.get("_prefetched_objects_cache", {}).get("events")
    if events is None:
        link = IncidentLink.objects.filter(ticket_id=ticket.pk).values_list("incident_id", "rule", "linked_at").first()
        return link
    last = None
    for event in events:
        if event.kind in LINK_KINDS:
            last = event
    if last is None or last.kind == TicketEvent.Kind.INCIDENT_UNLINKED:
        return None
    return last.data.get("incident_id"), last.data.get("rule", ""), last.at


def _facts(incident_id: int) -> IncidentFacts | None:
    facts = active_incidents().get(incident_id)
    if facts is not None:
        return facts
    incident = Incident.objects.prefetch_related("categories").filter(pk=incident_id).first()
    if incident is None:
        return None
    return incident_facts(incident)


def card(facts: IncidentFacts, *, rule: str = "", linked_at=None) -> dict[str, Any]:
    """The card in the active language."""
    from . import texts

    latest = facts.latest_update
    return {
        "id": facts.id,
        "title": facts.localized("title"),
        "message": facts.localized("message"),
        "advice": texts.advice_text(facts),
        "status": facts.status,
        "status_label": facts.status_label,
        "eta": facts.eta,
        "started_at": facts.started_at,
        "updated_at": facts.updated_at,
        "resolved_at": facts.resolved_at,
        "rule": rule,
        "rule_label": str(IncidentLink.Rule(rule).label) if rule in IncidentLink.Rule.values else "",
        "linked_at": linked_at,
        "latest_update": (
            {
                "status": latest.status,
                "status_label": str(Incident.Status(latest.status).label),
                "eta": latest.eta,
                "body": latest.localized(),
                "created_at": latest.created_at,
            }
            if latest is not None
            else None
        ),
    }


class UpdateCardSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_label = serializers.CharField()
    eta = serializers.DateTimeField(allow_null=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()


class IncidentCardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    message = serializers.CharField()
    advice = serializers.CharField(help_text="What the customer should do.")
    status = serializers.ChoiceField(choices=Incident.Status.choices)
    status_label = serializers.CharField()
    eta = serializers.DateTimeField(allow_null=True)
    started_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    rule = serializers.CharField(help_text="Why the ticket is linked: the matcher's rule, or `manual`.")
    rule_label = serializers.CharField()
    linked_at = serializers.DateTimeField(allow_null=True)
    latest_update = UpdateCardSerializer(allow_null=True)


# One instance for every card: it keeps no state of a request (no context), and building a
# serializer and its fields per answer costs more than formatting the card.
_CARD = IncidentCardSerializer()


class _Reader:
    def card_of(self, ticket: Ticket) -> dict[str, Any] | None:
        link = _link_of(ticket)
        if link is None:
            return None
        incident_id, rule, linked_at = link
        facts = _facts(incident_id)
        if facts is None:
            return None
        return _CARD.to_representation(card(facts, rule=rule, linked_at=linked_at))

    def schema(self) -> serializers.Field:
        return IncidentCardSerializer(allow_null=True)


def register() -> None:
    incident_view.register(_Reader())
