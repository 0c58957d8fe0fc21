"""Who may do what to a ticket through the API: focused behaviours.

Every endpoint against every role (anonymous, both guests, owner, other customer, the agents of
this and of other teams, the security agent, lead, admin) is tests/test_authz_sweep.py, with the
statuses CONTRACT.md asks for (401 not authenticated, 404 for what the caller may not see, 403 for
what the caller sees but may not do) declared in tests/authz_declarations.py.
"""

import pytest

from tests.factories import AgentFactory, CategoryFactory, TicketFactory
from tickets.models import Message, Ticket


def _ticket_url(ticket: Ticket, suffix: str = "") -> str:
    return f"/api/v1/tickets/{ticket.reference}/{suffix}"


# --- Focused behaviours ---


@pytest.fixture
def security_ticket(customer, security):
    category = CategoryFactory(code="account_compromised", default_team=security)
    return TicketFactory(requester=customer, category=category)


@pytest.fixture
def security_agent(security):
    return AgentFactory(username="secagent", teams=[security])


@pytest.mark.parametrize("role", ["agent", "outside_agent"], ids=["payments_agent", "general_agent"])
def test_security_ticket_is_hidden_from_agents_of_other_teams(request, api_client, security_ticket, role):
    api_client.force_authenticate(request.getfixturevalue(role))

    response = api_client.get(_ticket_url(security_ticket))

    assert response.status_code == 404


@pytest.mark.parametrize("role", ["security_agent", "lead", "admin_user"], ids=["security_agent", "lead", "admin"])
def test_security_ticket_is_visible_to_security_agents_leads_and_admins(request, api_client, security_ticket, role):
    api_client.force_authenticate(request.getfixturevalue(role))

    response = api_client.get(_ticket_url(security_ticket))

    assert response.status_code == 200


def test_ticket_list_holds_only_the_customers_own_tickets(api_client, customer, other_customer, ticket, category):
    TicketFactory(requester=other_customer, category=category)
    api_client.force_authenticate(customer)

    response = api_client.get("/api/v1/tickets/")

    assert response.status_code == 200
    assert [row["reference"] for row in response.data["results"]] == [ticket.reference]


def test_queue_requires_authentication(api_client, ticket):
    assert api_client.get("/api/v1/queue/").status_code == 401


def test_queue_is_forbidden_to_customers(api_client, customer, ticket):
    api_client.force_authenticate(customer)

    assert api_client.get("/api/v1/queue/").status_code == 403


def test_agent_queue_holds_only_their_teams_tickets(api_client, agent, ticket, other_category, security_ticket):
    TicketFactory(requester=ticket.requester, category=other_category)
    api_client.force_authenticate(agent)

    response = api_client.get("/api/v1/queue/")

    assert response.status_code == 200
    assert [row["reference"] for row in response.data["results"]] == [ticket.reference]


def test_macros_are_forbidden_to_customers(api_client, customer):
    api_client.force_authenticate(customer)

    assert api_client.get("/api/v1/macros/").status_code == 403


def test_customer_detail_never_shows_internal_notes(api_client, customer, agent, ticket):
    api_client.force_authenticate(agent)
    note = api_client.post(
        _ticket_url(ticket, "messages/"), {"body": "Customer sounds like a phisher.", "internal": True}
    )
    assert note.status_code == 201
    assert note.data["internal"] is True
    api_client.force_authenticate(customer)

    response = api_client.get(_ticket_url(ticket))

    assert response.status_code == 200
    assert note.data["id"] not in [message["id"] for message in response.data["messages"]]
    assert all(message["internal"] is False for message in response.data["messages"])


def test_customer_internal_flag_is_stored_as_public(api_client, customer, ticket):
    api_client.force_authenticate(customer)

    response = api_client.post(_ticket_url(ticket, "messages/"), {"body": "Secret note?", "internal": True})

    assert response.status_code == 201
    assert Message.objects.get(pk=response.data["id"]).kind == Message.Kind.PUBLIC


def test_customer_detail_hides_team_and_requester(api_client, customer, ticket):
    api_client.force_authenticate(customer)

    response = api_client.get(_ticket_url(ticket))

    assert response.status_code == 200
    assert "team" not in response.data
    assert "requester" not in response.data
