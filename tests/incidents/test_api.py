"""The incident API: public reads (the status page), leads manage, staff link, customers cannot."""

import pytest

from incidents.models import Incident, IncidentLink, IncidentUpdate
from tests.factories import FIXED_NOW, TicketFactory


def as_(client, user):
    client.force_authenticate(user)
    return client


def test_the_active_list_is_public_and_carries_the_update_history(api_client, lead, btc_incident):
    as_(api_client, lead).post(f"/api/v1/incidents/{btc_incident.pk}/updates/", {"body": "Catching up."}, format="json")
    api_client.force_authenticate(None)
    [incident] = api_client.get("/api/v1/incidents/?active=true").json()
    assert [update["body"] for update in incident["updates"]] == ["Catching up."]


def test_an_incident_with_its_history_is_public(api_client, btc_incident):
    response = api_client.get(f"/api/v1/incidents/{btc_incident.pk}/")
    assert response.status_code == 200
    assert response.json()["advice"].startswith("Do not resend")


@pytest.mark.parametrize("role", ["customer", "agent"])
def test_only_leads_create_incidents(api_client, role, request):
    user = request.getfixturevalue(role)
    response = as_(api_client, user).post("/api/v1/incidents/", {"title": "x", "message": "y"}, format="json")
    assert response.status_code == 403


def test_anonymous_callers_cannot_create_incidents(api_client):
    assert api_client.post("/api/v1/incidents/", {"title": "x", "message": "y"}, format="json").status_code == 401


def test_a_lead_creates_an_incident_with_what_it_affects(api_client, lead, category):
    response = as_(api_client, lead).post(
        "/api/v1/incidents/",
        {
            "title": "USDT on Tron delayed",
            "title_zh_hans": "TRON USDT 延迟",
            "message": "A node is behind.",
            "categories": [category.code],
            "assets": ["usdt"],
            "networks": ["Tron"],
            "sla_clocks": "pause",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    incident = Incident.objects.get()
    assert (incident.assets, incident.networks, incident.sla_clocks) == (["USDT"], ["tron"], "pause")


def test_a_lead_edits_an_incident(api_client, lead, btc_incident):
    response = as_(api_client, lead).patch(f"/api/v1/incidents/{btc_incident.pk}/", {"eta": None}, format="json")
    assert response.status_code == 200
    btc_incident.refresh_from_db()
    assert btc_incident.eta is None


def test_an_update_against_the_status_table_is_a_conflict(api_client, lead, btc_incident):
    as_(api_client, lead).post(f"/api/v1/incidents/{btc_incident.pk}/resolve/", {"body": "Fixed."}, format="json")
    response = api_client.post(
        f"/api/v1/incidents/{btc_incident.pk}/updates/", {"body": "Again?", "status": "identified"}, format="json"
    )
    assert response.status_code == 409


def test_customers_cannot_post_updates(api_client, customer, btc_incident):
    response = as_(api_client, customer).post(
        f"/api/v1/incidents/{btc_incident.pk}/updates/", {"body": "Hi"}, format="json"
    )
    assert response.status_code == 403
    assert not IncidentUpdate.objects.exists()


def test_the_preview_shows_the_update_in_both_languages_and_saves_nothing(api_client, lead, btc_incident):
    response = as_(api_client, lead).post(
        f"/api/v1/incidents/{btc_incident.pk}/preview/",
        {"body": "Half are out.", "body_zh_hans": "一半已发出。", "status": "monitoring"},
        format="json",
    )
    body = response.json()
    assert "Half are out." in body["en"] and "Monitoring" in body["en"]
    assert "一半已发出。" in body["zh_hans"]
    assert not IncidentUpdate.objects.exists()


def test_staff_link_tickets_from_the_queue_selection(api_client, agent, btc_incident, category):
    tickets = [TicketFactory(category=category) for _ in range(2)]
    response = as_(api_client, agent).post(
        f"/api/v1/incidents/{btc_incident.pk}/links/", {"references": [t.reference for t in tickets]}, format="json"
    )
    assert [r["ok"] for r in response.json()] == [True, True]
    links = api_client.get(f"/api/v1/incidents/{btc_incident.pk}/links/").json()
    assert {link["rule_label"] for link in links} == {"Linked by hand"}


def test_customers_cannot_link_or_list_links(api_client, customer, btc_incident, ticket):
    as_(api_client, customer)
    url = f"/api/v1/incidents/{btc_incident.pk}/links/"
    assert api_client.post(url, {"references": [ticket.reference]}, format="json").status_code == 403
    assert api_client.get(url).status_code == 403
    assert (
        api_client.post("/api/v1/incidents/unlink/", {"reference": ticket.reference}, format="json").status_code == 403
    )


def test_staff_unlink_a_ticket(api_client, agent, btc_incident, ticket):
    IncidentLink.objects.create(incident=btc_incident, ticket=ticket, rule="manual", linked_at=FIXED_NOW)
    response = as_(api_client, agent).post("/api/v1/incidents/unlink/", {"reference": ticket.reference}, format="json")
    assert response.json() == {"reference": ticket.reference, "ok": True}


def test_the_desk_list_counts_the_linked_open_tickets(api_client, agent, btc_incident, category):
    from tickets.models import Ticket

    for status in (Ticket.Status.NEW, Ticket.Status.OPEN, Ticket.Status.SOLVED):
        ticket = TicketFactory(category=category, status=status)
        IncidentLink.objects.create(incident=btc_incident, ticket=ticket, rule="manual", linked_at=FIXED_NOW)
    [row] = as_(api_client, agent).get("/api/v1/incidents/desk/").json()
    assert (row["linked_open"], row["linked_total"]) == (2, 3)


def test_the_desk_list_is_for_staff(api_client, customer):
    assert as_(api_client, customer).get("/api/v1/incidents/desk/").status_code == 403


def test_a_staff_ticket_detail_shows_why_it_is_linked(api_client, agent, btc_incident, ticket):
    api_client.force_authenticate(agent)
    api_client.post(f"/api/v1/incidents/{btc_incident.pk}/links/", {"references": [ticket.reference]}, format="json")
    card = api_client.get(f"/api/v1/tickets/{ticket.reference}/").json()["incident"]
    assert (card["rule"], card["rule_label"]) == ("manual", "Linked by hand")
