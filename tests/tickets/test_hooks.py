"""tickets.hooks: the services announce lifecycle events to higher apps, inside their transaction."""

import pytest
from django.db import transaction

from tickets import hooks, services
from tickets.models import Ticket


@pytest.fixture
def heard(monkeypatch):
    events = []
    monkeypatch.setitem(hooks._listeners, hooks.StatusChanged, [*hooks._listeners[hooks.StatusChanged], events.append])
    return events


def test_a_status_change_is_announced_inside_the_services_transaction(ticket, agent, now, heard, monkeypatch):
    in_transaction = []
    monkeypatch.setitem(
        hooks._listeners,
        hooks.StatusChanged,
        [*hooks._listeners[hooks.StatusChanged], lambda event: in_transaction.append(transaction.get_autocommit())],
    )
    services.ticket_change_status(ticket=ticket, actor=agent, status=Ticket.Status.ON_HOLD, now=now)
    assert [(e.ticket.pk, e.previous) for e in heard] == [(ticket.pk, Ticket.Status.NEW)]
    assert in_transaction == [False]


def test_a_failing_listener_rolls_the_change_back(ticket, agent, now, monkeypatch):
    def refuse(event):
        raise RuntimeError("listener failed")

    monkeypatch.setitem(hooks._listeners, hooks.StatusChanged, [refuse])
    with pytest.raises(RuntimeError):
        services.ticket_change_status(ticket=ticket, actor=agent, status=Ticket.Status.ON_HOLD, now=now)
    assert Ticket.objects.get(pk=ticket.pk).status == Ticket.Status.NEW


def test_the_sla_app_listens_to_every_lifecycle_hook():
    for event_type in (
        hooks.TicketCreating,
        hooks.TicketCreated,
        hooks.MessageAdded,
        hooks.StatusChanged,
        hooks.TicketReclassified,
    ):
        assert any(listener.__module__ == "sla.hooks" for listener in hooks._listeners[event_type]), event_type
