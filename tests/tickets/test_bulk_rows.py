"""The set-based bulk services (tickets.bulk): many locked rows, one write, the single services' rules."""

from datetime import timedelta

import pytest

from tests.factories import TicketFactory
from tickets import bulk, hooks
from tickets.models import Message, Priority, Ticket, TicketEvent

Kind = TicketEvent.Kind


def rows(*tickets):
    return [Ticket.objects.select_related("team", "assignee").get(pk=ticket.pk) for ticket in tickets]


def events(ticket, kind):
    return list(TicketEvent.objects.filter(ticket=ticket, kind=kind).values_list("data", flat=True))


@pytest.fixture
def listened():
    heard = []
    for event_type in (hooks.TicketsReclassified, hooks.MessagesAdded):
        hooks.on(event_type)(heard.append)
    yield heard
    for event_type in (hooks.TicketsReclassified, hooks.MessagesAdded):
        hooks._listeners[event_type].remove(heard.append)


def test_raise_priority_raises_one_level_and_leaves_urgent_alone(category, now):
    normal, urgent = TicketFactory(category=category), TicketFactory(category=category, priority=Priority.URGENT)
    raised = bulk.tickets_bulk_raise_priority(tickets=rows(normal, urgent), now=now, reason="escalation")
    assert [ticket.pk for ticket in raised] == [normal.pk]
    normal.refresh_from_db()
    assert (normal.priority, normal.updated_at) == (Priority.HIGH, now)
    assert events(normal, Kind.PRIORITY_CHANGED) == [{"from": "normal", "to": "high", "reason": "escalation"}]
    assert events(urgent, Kind.PRIORITY_CHANGED) == []


def test_raise_priority_announces_the_tickets_for_their_sla(category, now, listened):
    ticket = TicketFactory(category=category)
    bulk.tickets_bulk_raise_priority(tickets=rows(ticket), now=now)
    assert listened == [hooks.TicketsReclassified(ticket_ids=(ticket.pk,), now=now)]


def test_raise_priority_without_recompute_announces_nothing(category, now, listened):
    bulk.tickets_bulk_raise_priority(tickets=rows(TicketFactory(category=category)), now=now, recompute_sla=False)
    assert listened == []


def test_move_team_unassigns_a_holder_who_does_not_work_in_the_new_team(category, agent, security, now):
    ticket = TicketFactory(category=category, assignee=agent)
    membership = bulk.TeamMembership(members={security.pk: set()}, every_team=set())
    bulk.tickets_bulk_move_team(moves=[(rows(ticket)[0], security)], membership=membership, now=now)
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (security, None)
    assert events(ticket, Kind.TEAM_CHANGED) == [
        {"from": category.default_team.code, "to": security.code, "unassigned": True}
    ]


def test_move_team_keeps_a_holder_who_works_in_the_new_team(category, agent, security, now):
    ticket = TicketFactory(category=category, assignee=agent)
    membership = bulk.TeamMembership(members={security.pk: {agent.pk}}, every_team=set())
    bulk.tickets_bulk_move_team(moves=[(rows(ticket)[0], security)], membership=membership, now=now)
    ticket.refresh_from_db()
    assert (ticket.team, ticket.assignee) == (security, agent)


def test_unassign_names_the_former_holder_and_skips_unheld_tickets(category, agent, now):
    held, free = TicketFactory(category=category, assignee=agent), TicketFactory(category=category)
    assert bulk.tickets_bulk_unassign(tickets=rows(held, free), now=now, reason="escalation")[0].pk == held.pk
    held.refresh_from_db()
    assert held.assignee is None
    assert events(held, Kind.UNASSIGNED) == [{"previous": agent.pk, "reason": "escalation"}]
    assert events(free, Kind.UNASSIGNED) == []


def test_internal_notes_are_inserted_with_their_events_and_announced(category, now, listened):
    tickets = [TicketFactory(category=category) for _ in range(3)]
    notes = bulk.messages_bulk_add_internal_notes(notes=[(t.pk, "Escalated") for t in tickets], now=now)
    assert Message.objects.filter(kind=Message.Kind.INTERNAL, author=None, body="Escalated").count() == 3
    assert events(tickets[0], Kind.MESSAGE_ADDED)[-1] == {
        "message_id": notes[0].pk,
        "internal": True,
        "by": "system",
    }
    assert [type(event) for event in listened] == [hooks.MessagesAdded]
    assert listened[0].internal


def test_one_write_for_many_rows_and_services(category, security, django_assert_num_queries, now):
    """Staged in one RowsWrite: one notes INSERT, one ticket UPDATE, one events INSERT, whatever
    the number of tickets and services (on SQLite bulk_create and bulk_update batch by rows). The
    events' audit chain heads come from the locked rows (no SELECT); on PostgreSQL the new heads
    go in the ticket UPDATE."""
    tickets = rows(*(TicketFactory(category=category) for _ in range(5)))
    membership = bulk.TeamMembership(members={}, every_team=set())
    later = now + timedelta(minutes=1)
    write = bulk.RowsWrite(now=later)
    bulk.tickets_bulk_raise_priority(tickets=tickets, now=later, write=write, recompute_sla=False)
    moves = [(t, security) for t in tickets]
    bulk.tickets_bulk_move_team(moves=moves, membership=membership, now=later, write=write, recompute_sla=False)
    bulk.tickets_bulk_unassign(tickets=tickets, now=later, write=write)
    bulk.messages_bulk_add_internal_notes(notes=[(t.pk, "n") for t in tickets], now=later, write=write)
    with django_assert_num_queries(3):
        write.flush()
    assert Ticket.objects.filter(team=security, priority=Priority.HIGH, assignee=None, updated_at=later).count() == 5
    assert TicketEvent.objects.filter(at=later).count() == 5 * 3  # priority, team, note (nobody held them)
