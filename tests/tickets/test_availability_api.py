"""An agent's availability (agents/me/) and a lead's reassignment of an away agent's open tickets
(agents/{id}/reassign/)."""

from accounts.models import AgentProfile
from tests.factories import TicketFactory
from tickets.models import Ticket, TicketEvent


def test_an_agent_sets_themselves_available(api_client, agent):
    api_client.force_authenticate(agent)
    response = api_client.patch("/api/v1/agents/me/", {"available": True}, format="json")
    assert response.status_code == 200
    assert response.json()["available"] is True
    assert AgentProfile.objects.get(user=agent).available is True


def test_going_away_records_when(api_client, agent):
    api_client.force_authenticate(agent)
    api_client.patch("/api/v1/agents/me/", {"available": True}, format="json")
    body = api_client.patch("/api/v1/agents/me/", {"available": False}, format="json").json()
    assert body["available"] is False and body["available_changed_at"]


def test_an_agent_reads_their_availability(api_client, agent):
    api_client.force_authenticate(agent)
    assert api_client.get("/api/v1/agents/me/").json()["available"] is False


def test_going_away_keeps_the_agents_tickets(api_client, agent, category):
    held = TicketFactory(category=category, assignee=agent, status=Ticket.Status.OPEN)
    api_client.force_authenticate(agent)
    api_client.patch("/api/v1/agents/me/", {"available": False}, format="json")
    held.refresh_from_db()
    assert held.assignee_id == agent.pk


def test_availability_needs_a_boolean(api_client, agent):
    api_client.force_authenticate(agent)
    assert api_client.patch("/api/v1/agents/me/", {}, format="json").status_code == 400


def test_customers_get_403_for_availability(api_client, customer):
    api_client.force_authenticate(customer)
    assert api_client.patch("/api/v1/agents/me/", {"available": True}, format="json").status_code == 403


def test_anonymous_get_401_for_availability(api_client):
    assert api_client.get("/api/v1/agents/me/").status_code == 401


def test_the_agent_list_says_who_is_available(api_client, agent, other_agent):
    AgentProfile.objects.filter(user=agent).update(available=True)
    api_client.force_authenticate(agent)
    rows = {row["username"]: row["available"] for row in api_client.get("/api/v1/agents/").json()}
    assert rows["agent1"] is True and rows["agent2"] is False


def test_a_lead_sends_an_agents_open_tickets_back_to_the_queue(api_client, lead, agent, category):
    held = [TicketFactory(category=category, assignee=agent, status=Ticket.Status.OPEN) for _ in range(2)]
    solved = TicketFactory(category=category, assignee=agent, status=Ticket.Status.SOLVED)
    api_client.force_authenticate(lead)
    response = api_client.post(f"/api/v1/agents/{agent.pk}/reassign/", {"assignee": None}, format="json")
    assert response.status_code == 200
    assert sorted(r["reference"] for r in response.json()) == sorted(t.reference for t in held)
    assert Ticket.objects.filter(pk__in=[t.pk for t in held], assignee__isnull=True).count() == 2
    solved.refresh_from_db()
    assert solved.assignee_id == agent.pk
    assert TicketEvent.objects.filter(ticket=held[0], kind="unassigned", actor=lead).exists()


def test_a_lead_hands_an_agents_open_tickets_to_another_agent(api_client, lead, agent, other_agent, category):
    held = TicketFactory(category=category, assignee=agent, status=Ticket.Status.OPEN)
    api_client.force_authenticate(lead)
    response = api_client.post(f"/api/v1/agents/{agent.pk}/reassign/", {"assignee": other_agent.pk}, format="json")
    assert response.json() == [{"reference": held.reference, "ok": True}]
    held.refresh_from_db()
    assert held.assignee_id == other_agent.pk


def test_reassigning_to_an_agent_outside_the_team_reports_each_ticket(api_client, lead, agent, outside_agent, category):
    held = TicketFactory(category=category, assignee=agent, status=Ticket.Status.OPEN)
    api_client.force_authenticate(lead)
    response = api_client.post(f"/api/v1/agents/{agent.pk}/reassign/", {"assignee": outside_agent.pk}, format="json")
    assert response.json()[0]["ok"] is False
    held.refresh_from_db()
    assert held.assignee_id == agent.pk


def test_an_agent_cannot_reassign_another_agents_tickets(api_client, agent, other_agent):
    api_client.force_authenticate(agent)
    response = api_client.post(f"/api/v1/agents/{other_agent.pk}/reassign/", {"assignee": None}, format="json")
    assert response.status_code == 403


def test_customers_get_403_for_reassign(api_client, customer, agent):
    api_client.force_authenticate(customer)
    response = api_client.post(f"/api/v1/agents/{agent.pk}/reassign/", {"assignee": None}, format="json")
    assert response.status_code == 403


def test_reassigning_an_unknown_agent_is_404(api_client, lead, customer):
    api_client.force_authenticate(lead)
    assert api_client.post("/api/v1/agents/999999/reassign/", {"assignee": None}, format="json").status_code == 404
    response = api_client.post(f"/api/v1/agents/{customer.pk}/reassign/", {"assignee": None}, format="json")
    assert response.status_code == 404
