"""POST tickets/bulk/ and the bulk ticket services (tickets.bulk): one transaction, each ticket
through its single-ticket service in a savepoint, per-ticket results in the order sent."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import MacroFactory, TicketFactory
from tickets import bulk
from tickets.models import Ticket, TicketEvent

URL = "/api/v1/tickets/bulk/"


@pytest.fixture
def as_agent(api_client, agent):
    api_client.force_authenticate(agent)
    return api_client


def post(client, **body):
    return client.post(URL, body, format="json")


def test_bulk_assign_assigns_every_ticket_and_records_an_event_each(as_agent, agent, other_agent, category):
    tickets = [TicketFactory(category=category) for _index in range(3)]
    response = post(as_agent, references=[t.reference for t in tickets], action="assign", assignee=other_agent.pk)
    assert response.status_code == 200
    assert response.json() == [{"reference": t.reference, "ok": True} for t in tickets]
    assert Ticket.objects.filter(assignee=other_agent).count() == 3
    assert TicketEvent.objects.filter(kind=TicketEvent.Kind.ASSIGNED, actor=agent).count() == 3


def test_bulk_claim_refuses_a_ticket_another_agent_holds_and_keeps_the_others(as_agent, agent, other_agent, category):
    free = TicketFactory(category=category)
    held = TicketFactory(category=category, assignee=other_agent)
    response = post(as_agent, references=[held.reference, free.reference], action="claim")
    assert response.status_code == 200
    first, second = response.json()
    assert first["reference"] == held.reference and first["ok"] is False and first["code"] == "conflict"
    assert "Another agent" in first["error"]
    assert second == {"reference": free.reference, "ok": True}
    assert Ticket.objects.get(pk=free.pk).assignee == agent
    assert Ticket.objects.get(pk=held.pk).assignee == other_agent


def test_bulk_status_applies_the_transition_table(as_agent, category):
    new = TicketFactory(category=category, status=Ticket.Status.NEW)
    closed = TicketFactory(category=category, status=Ticket.Status.CLOSED)
    results = post(as_agent, references=[new.reference, closed.reference], action="status", status="on_hold").json()
    assert results[0]["ok"] is True
    assert results[1]["ok"] is False and results[1]["code"] == "conflict"
    assert Ticket.objects.get(pk=new.pk).status == Ticket.Status.ON_HOLD
    assert Ticket.objects.get(pk=closed.pk).status == Ticket.Status.CLOSED


def test_bulk_priority_and_team(as_agent, category, general):
    ticket = TicketFactory(category=category)
    assert post(as_agent, references=[ticket.reference], action="priority", priority="urgent").json()[0]["ok"]
    assert post(as_agent, references=[ticket.reference], action="team", team="general").json()[0]["ok"]
    ticket.refresh_from_db()
    assert (ticket.priority, ticket.team) == ("urgent", general)


def test_bulk_apply_macro_posts_and_applies_per_ticket(as_agent, category):
    macro = MacroFactory(body="On it, {reference}", set_status="pending_customer")
    tickets = [TicketFactory(category=category) for _index in range(2)]
    results = post(as_agent, references=[t.reference for t in tickets], action="apply_macro", macro=macro.pk).json()
    assert all(result["ok"] for result in results)
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == Ticket.Status.PENDING_CUSTOMER
        assert ticket.messages.get().body == f"On it, {ticket.reference}"


def test_bulk_unknown_macro_is_a_400(as_agent, ticket):
    assert post(as_agent, references=[ticket.reference], action="apply_macro", macro=999999).status_code == 400


def test_bulk_reports_a_ticket_the_agent_may_not_see_as_not_found(api_client, outside_agent, ticket):
    api_client.force_authenticate(outside_agent)
    response = post(api_client, references=[ticket.reference, "SD-NOPE-NOPE-NOPE"], action="claim")
    assert response.json() == [
        {"reference": ticket.reference, "ok": False, "error": "Not found.", "code": "not_found"},
        {"reference": "SD-NOPE-NOPE-NOPE", "ok": False, "error": "Not found.", "code": "not_found"},
    ]
    assert Ticket.objects.get(pk=ticket.pk).assignee is None


def test_bulk_refusal_undoes_only_that_tickets_partial_work(as_agent, category, general):
    """A macro that sets a status the ticket cannot take: its message and priority change are
    rolled back with it; the other ticket keeps everything."""
    macro = MacroFactory(body="x", set_priority="high", set_status="open")
    fine = TicketFactory(category=category, status=Ticket.Status.NEW)
    refused = TicketFactory(category=category, status=Ticket.Status.CLOSED)
    results = post(as_agent, references=[fine.reference, refused.reference], action="apply_macro", macro=macro.pk)
    assert [result["ok"] for result in results.json()] == [True, False]
    refused.refresh_from_db()
    assert refused.priority == "normal" and not refused.messages.exists()
    assert not TicketEvent.objects.filter(ticket=refused, kind=TicketEvent.Kind.MACRO_APPLIED).exists()


def test_bulk_error_is_in_the_callers_language(as_agent, other_agent, category):
    held = TicketFactory(category=category, assignee=other_agent)
    response = as_agent.post(
        URL, {"references": [held.reference], "action": "claim"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.json()[0]["error"] != "Another agent is already working on this ticket."


@pytest.mark.parametrize(
    "body",
    [
        {"references": ["X"], "action": "explode"},
        {"references": ["X"], "action": "assign"},
        {"references": ["X"], "action": "status"},
        {"references": [], "action": "claim"},
        {"references": [f"SD-{index}" for index in range(101)], "action": "claim"},
        {"references": ["X", "X"], "action": "claim"},
        {"action": "claim"},
    ],
)
def test_bulk_malformed_body_is_a_400(as_agent, body):
    assert as_agent.post(URL, body, format="json").status_code == 400


def test_bulk_is_refused_to_customers(api_client, customer, ticket):
    api_client.force_authenticate(customer)
    assert post(api_client, references=[ticket.reference], action="claim").status_code == 403


def test_bulk_needs_a_login(api_client, ticket):
    assert post(api_client, references=[ticket.reference], action="claim").status_code == 401


def test_bulk_service_runs_the_single_ticket_service(monkeypatch, agent, category):
    """No second copy of a rule: the bulk service calls tickets.services.ticket_claim."""
    from tickets import services

    calls = []
    real = services.ticket_claim
    monkeypatch.setattr(services, "ticket_claim", lambda **kwargs: calls.append(kwargs) or real(**kwargs))
    ticket = TicketFactory(category=category)
    bulk.tickets_bulk_claim(actor=agent, references=[ticket.reference], now=timezone.now())
    assert [call["ticket"].pk for call in calls] == [ticket.pk]


def _bulk_queries(client, references):
    user = client.handler._force_user  # a fresh user object per request, as in production
    client.force_authenticate(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as context:
        response = post(client, references=references, action="priority", priority="high")
    assert response.status_code == 200 and all(row["ok"] for row in response.json())
    return len(context.captured_queries)


def test_bulk_query_count_is_linear_in_the_tickets(as_agent, category):
    ten = [TicketFactory(category=category).reference for _index in range(10)]
    thirty = [TicketFactory(category=category).reference for _index in range(30)]
    for_ten, for_thirty = _bulk_queries(as_agent, ten), _bulk_queries(as_agent, thirty)
    assert (for_ten, for_thirty) == (
        BULK_FIXED_QUERIES + SLA_SNAPSHOT_QUERIES + 10 * BULK_PRIORITY_QUERIES_PER_TICKET,
        BULK_FIXED_QUERIES + 30 * BULK_PRIORITY_QUERIES_PER_TICKET,
    ), (for_ten, for_thirty)


# Per ticket (priority): 3 savepoints and their releases (the bulk's, ticket_update's,
# ticket_change_priority's), the row lock, the UPDATE, the audit event, and the SLA recompute's 2
# (clocks, nearest due time). Fixed (4): the role, the outer savepoint and its release, the
# visible tickets.
BULK_PRIORITY_QUERIES_PER_TICKET = 11
BULK_FIXED_QUERIES = 4
# The SLA configuration (policies, ladders; no prefetch runs when there are none), loaded on first
# use and after a change (sla.config_cache), not per ticket.
SLA_SNAPSHOT_QUERIES = 2
