"""A new ticket that matches an active incident is linked and answered at once, in its language;
the answer shows the incident card; creation with no match costs what it cost before."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import load_user
from incidents.models import Incident, IncidentLink
from incidents.services import incident_post_update
from tests.factories import FIXED_NOW, CustomerFactory
from tests.incidents.conftest import btc_ticket
from tests.tickets.test_create_query_budgets import CREATE_QUERIES
from tickets.models import Message, TicketEvent

# A match: the link, the answer (a system message) and its incident_linked event.
MATCH_QUERIES = 3


def post(client, user, language="en", **overrides):
    client.force_authenticate(load_user(user.pk))
    return client.post("/api/v1/tickets/", btc_ticket(**overrides), format="json", HTTP_ACCEPT_LANGUAGE=language)


def test_a_matching_ticket_is_linked_with_the_rule_that_matched(api_client, customer, btc_incident, sla_policy):
    response = post(api_client, customer)
    assert response.status_code == 201
    link = IncidentLink.objects.get(ticket__reference=response.json()["reference"])
    assert (link.incident, link.rule) == (btc_incident, "category_asset_network")


def test_the_answer_is_a_public_system_message_with_status_eta_and_what_to_do(api_client, customer, btc_incident):
    body = post(api_client, customer).json()
    answer = body["messages"][-1]
    assert (answer["kind"], answer["internal"], answer["author"]) == ("system", False, None)
    assert "Status: Identified" in answer["body"]
    assert "Expected fix: 2026-03-02 15:00 UTC" in answer["body"]
    assert "Do not resend the withdrawal" in answer["body"]


def test_the_answer_is_in_chinese_for_a_chinese_ticket(api_client, btc_incident):
    customer = CustomerFactory(profile__language="zh-hans")
    body = post(api_client, customer, language="zh-hans").json()
    answer = body["messages"][-1]["body"]
    assert "BTC 提现延迟" in answer
    assert "请不要重新提交提现" in answer
    assert body["incident"]["title"] == "BTC 提现延迟"


def test_the_created_answer_carries_the_incident_card(api_client, customer, btc_incident):
    card = post(api_client, customer).json()["incident"]
    assert card["id"] == btc_incident.pk
    assert (card["status"], card["rule"], card["rule_label"]) == (
        "identified",
        "category_asset_network",
        "Category, asset and network matched",
    )
    assert card["advice"].startswith("Do not resend")


def test_the_customers_detail_shows_the_card_without_another_statement(api_client, customer, btc_incident):
    reference = post(api_client, customer).json()["reference"]
    api_client.force_authenticate(load_user(customer.pk))
    api_client.get(f"/api/v1/tickets/{reference}/")  # the snapshot loaded in this process
    with CaptureQueriesContext(connection) as context:
        response = api_client.get(f"/api/v1/tickets/{reference}/")
    from tests.tickets.test_create_query_budgets import FIRST_VIEW_QUERIES

    assert response.json()["incident"]["id"] == btc_incident.pk
    assert len(context.captured_queries) == FIRST_VIEW_QUERIES


def test_the_linked_event_explains_the_match(api_client, customer, btc_incident):
    reference = post(api_client, customer).json()["reference"]
    event = TicketEvent.objects.get(ticket__reference=reference, kind="incident_linked")
    message = Message.objects.get(ticket__reference=reference, kind=Message.Kind.SYSTEM)
    assert event.data == {"incident_id": btc_incident.pk, "rule": "category_asset_network", "message_id": message.pk}


def test_the_public_timeline_names_the_known_problem(api_client, customer, btc_incident):
    timeline = post(api_client, customer).json()["timeline"]
    assert "Linked to a known problem we are working on." in [entry["text"] for entry in timeline]


def test_a_ticket_about_another_asset_is_not_linked(api_client, customer, btc_incident):
    body = post(api_client, customer, asset="ETH", network="ethereum").json()
    assert body["incident"] is None
    assert not IncidentLink.objects.exists()


def test_a_resolved_incident_links_nothing(api_client, customer, btc_incident, lead):
    incident_post_update(
        actor=lead, incident=btc_incident, body="Fixed.", status=Incident.Status.RESOLVED, now=FIXED_NOW
    )
    assert post(api_client, customer).json()["incident"] is None


def test_a_guest_ticket_is_linked_too(api_client, btc_incident, category):
    response = api_client.post("/api/v1/guest/tickets/", {"email": "guest@example.com", **btc_ticket()}, format="json")
    assert response.status_code == 202
    assert IncidentLink.objects.filter(incident=btc_incident, ticket__channel="guest").count() == 1


@pytest.fixture
def filing(api_client, customer, other_category, category, sla_policy):
    """The SLA configuration, the categories and the incidents loaded, as in a running server."""
    post(api_client, customer, category="other", asset="", network="", amount=None)
    return api_client


def count(client, user, **overrides) -> int:
    client.force_authenticate(load_user(user.pk))
    with CaptureQueriesContext(connection) as context:
        response = client.post("/api/v1/tickets/", btc_ticket(**overrides), format="json")
    assert response.status_code == 201, response.content
    return len(context.captured_queries)


def test_filing_while_no_incident_matches_costs_what_it_cost_before(filing, customer, btc_incident):
    other = {"category": "other", "asset": "", "network": "", "amount": None}
    count(filing, customer, **other)  # the incidents' copy reloaded once after the change
    assert count(filing, customer, **other) == CREATE_QUERIES


def test_filing_into_a_matching_incident_costs_three_statements_more(filing, customer, btc_incident):
    # The amount's threshold lookup is in both (a BTC amount): the difference is the match's.
    count(filing, customer, asset="ETH", network="ethereum")  # the incidents' copy reloaded
    no_match = count(filing, customer, asset="ETH", network="ethereum")
    assert count(filing, customer) == no_match + MATCH_QUERIES
