"""Linking by hand and in bulk (the desk's queue selection), unlinking; what each costs."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from incidents.models import Incident, IncidentLink
from incidents.services import incident_link_many, incident_unlink
from tests.factories import FIXED_NOW, IncidentFactory, TicketFactory
from tickets.models import Message, Ticket, TicketEvent


def test_linking_by_hand_answers_each_ticket_and_records_who_and_why(agent, btc_incident, category):
    tickets = [TicketFactory(category=category) for _ in range(3)]
    results = incident_link_many(
        actor=agent, incident=btc_incident, references=[t.reference for t in tickets], now=FIXED_NOW
    )
    assert [r.ok for r in results] == [True, True, True]
    assert set(IncidentLink.objects.values_list("rule", "linked_by")) == {("manual", agent.pk)}
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).count() == 3
    event = TicketEvent.objects.filter(kind="incident_linked").first()
    assert (event.actor, event.data) == (agent, {"incident_id": btc_incident.pk, "rule": "manual"})


def test_linking_in_bulk_costs_the_same_statements_for_many_tickets(agent, btc_incident, category):
    def cost(n):
        references = [TicketFactory(category=category).reference for _ in range(n)]
        with CaptureQueriesContext(connection) as context:
            incident_link_many(actor=agent, incident=btc_incident, references=references, now=FIXED_NOW)
        return len(context.captured_queries)

    cost(1)  # the role of the agent, read once
    assert cost(2) == cost(40)


def test_a_ticket_linked_to_another_incident_is_refused(agent, btc_incident, category):
    ticket = TicketFactory(category=category)
    IncidentLink.objects.create(incident=IncidentFactory(), ticket=ticket, rule="manual", linked_at=FIXED_NOW)
    [result] = incident_link_many(actor=agent, incident=btc_incident, references=[ticket.reference], now=FIXED_NOW)
    assert (result.ok, result.code) == (False, "conflict")


def test_a_ticket_the_agent_cannot_see_is_not_found(outside_agent, btc_incident, category):
    ticket = TicketFactory(category=category)  # a payments ticket; the agent is in general
    [result] = incident_link_many(
        actor=outside_agent, incident=btc_incident, references=[ticket.reference], now=FIXED_NOW
    )
    assert (result.ok, result.code) == (False, "not_found")
    assert not IncidentLink.objects.exists()


def test_linking_again_to_the_same_incident_changes_nothing(agent, btc_incident, category):
    ticket = TicketFactory(category=category)
    for _ in range(2):
        incident_link_many(actor=agent, incident=btc_incident, references=[ticket.reference], now=FIXED_NOW)
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).count() == 1


def test_a_closed_ticket_is_not_linked(agent, btc_incident, category):
    ticket = TicketFactory(category=category, status=Ticket.Status.CLOSED)
    [result] = incident_link_many(actor=agent, incident=btc_incident, references=[ticket.reference], now=FIXED_NOW)
    assert result.ok is False


def test_a_resolved_incident_takes_no_tickets(agent, category):
    import pytest

    from incidents.services import IncidentInvalid

    incident = IncidentFactory(status=Incident.Status.RESOLVED, resolved_at=FIXED_NOW)
    with pytest.raises(IncidentInvalid):
        incident_link_many(actor=agent, incident=incident, references=["SD-X"], now=FIXED_NOW)


def test_customers_cannot_link(customer, btc_incident, ticket):
    import pytest

    from incidents.services import IncidentForbidden

    with pytest.raises(IncidentForbidden):
        incident_link_many(actor=customer, incident=btc_incident, references=[ticket.reference], now=FIXED_NOW)


def test_unlinking_removes_the_link_and_records_it(agent, btc_incident, ticket):
    incident_link_many(actor=agent, incident=btc_incident, references=[ticket.reference], now=FIXED_NOW)
    assert incident_unlink(actor=agent, ticket=ticket, now=FIXED_NOW) is True
    assert not IncidentLink.objects.exists()
    event = TicketEvent.objects.get(kind="incident_unlinked")
    assert event.data == {"incident_id": btc_incident.pk, "rule": "manual"}


def test_unlinking_a_ticket_that_is_not_linked_does_nothing(agent, ticket):
    assert incident_unlink(actor=agent, ticket=ticket, now=FIXED_NOW) is False
    assert not TicketEvent.objects.filter(kind="incident_unlinked").exists()


def test_an_unlinked_tickets_detail_shows_no_incident(api_client, agent, btc_incident, ticket):
    incident_link_many(actor=agent, incident=btc_incident, references=[ticket.reference], now=FIXED_NOW)
    api_client.force_authenticate(ticket.requester)
    assert api_client.get(f"/api/v1/tickets/{ticket.reference}/").json()["incident"]["id"] == btc_incident.pk
    incident_unlink(actor=agent, ticket=ticket, now=FIXED_NOW)
    assert api_client.get(f"/api/v1/tickets/{ticket.reference}/").json()["incident"] is None
