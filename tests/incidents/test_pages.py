"""The public status page and the desk's incidents page."""

from django.test import Client

from incidents.models import Incident
from incidents.services import incident_post_update
from tests.factories import FIXED_NOW


def test_the_status_page_lists_incidents_with_their_updates_for_anyone(lead, btc_incident):
    incident_post_update(actor=lead, incident=btc_incident, body="Nodes are catching up.", now=FIXED_NOW)
    response = Client().get("/status/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "BTC withdrawals are delayed" in page
    assert "Nodes are catching up." in page


def test_the_status_page_is_in_chinese_for_chinese_readers(btc_incident):
    page = Client().get("/status/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "BTC 提现延迟" in page


def test_the_status_page_says_when_nothing_is_wrong(db):
    assert Client().get("/status/").status_code == 200
    assert not Incident.objects.exists()


def test_the_status_page_is_read_only(db):
    assert Client().post("/status/").status_code == 405


def test_agents_open_the_desks_incidents_page(agent):
    client = Client()
    client.force_login(agent)
    response = client.get("/desk/incidents/")
    assert response.status_code == 200
    assert response.context["can_manage"] is False


def test_leads_manage_from_the_desks_incidents_page(lead):
    client = Client()
    client.force_login(lead)
    assert client.get("/desk/incidents/").context["can_manage"] is True


def test_customers_do_not_get_the_desks_incidents_page(customer):
    client = Client()
    client.force_login(customer)
    assert client.get("/desk/incidents/").status_code == 403


def test_the_queue_narrows_to_an_incidents_linked_tickets(api_client, agent, btc_incident, category):
    from incidents.models import IncidentLink
    from tests.factories import TicketFactory

    linked, other = TicketFactory(category=category), TicketFactory(category=category)
    IncidentLink.objects.create(incident=btc_incident, ticket=linked, rule="manual", linked_at=FIXED_NOW)
    api_client.force_authenticate(agent)
    rows = api_client.get(f"/api/v1/queue/?incident={btc_incident.pk}").json()["results"]
    assert [row["reference"] for row in rows] == [linked.reference]
    assert other.reference not in [row["reference"] for row in rows]
