from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from incidents.models import Incident
from tickets import services
from tickets.models import Ticket

VALID_BTC_TXID = "a1075db55d416d3ca199f55b6084e2115b9345e16c5cf302fc80e9d5fbf5d48d"
TAPROOT = "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0"


@pytest.fixture
def as_customer(api_client, customer):
    api_client.force_authenticate(customer)
    return api_client


def btc_ticket(**overrides):
    return {
        "category": "withdrawal_delayed",
        "subject": "BTC withdrawal not received",
        "body": "Sent yesterday",
        "asset": "BTC",
        "network": "bitcoin",
        "amount": "0.5",
        "txid": VALID_BTC_TXID,
        "address": TAPROOT,
        **overrides,
    }


# --- networks and identifiers ----------------------------------------------------------------


def test_networks_list_assets_memo_rules_and_explorers(api_client):
    networks = {n["code"]: n for n in api_client.get("/api/v1/networks/").json()}
    assert {"bitcoin", "ethereum", "bsc", "polygon", "arbitrum", "tron", "solana", "xrp", "litecoin"} <= set(networks)
    assert networks["tron"]["assets"] == ["TRX", "USDT"]
    assert (networks["xrp"]["memo"]["required"], networks["xrp"]["memo"]["name"]) == (True, "Destination tag")
    assert "{txid}" in networks["bitcoin"]["explorer"]["tx"]


def test_validate_endpoint_accepts_a_valid_taproot_address(api_client):
    response = api_client.post(
        "/api/v1/networks/validate/", {"network": "bitcoin", "field": "address", "value": TAPROOT}, format="json"
    )
    assert response.json() == {"valid": True, "message": ""}


def test_validate_endpoint_explains_a_wrong_checksum(api_client):
    response = api_client.post(
        "/api/v1/networks/validate/",
        {"network": "bitcoin", "field": "address", "value": TAPROOT[:-1] + "1"},
        format="json",
    )
    assert response.json()["valid"] is False
    assert response.json()["message"]


def test_validate_endpoint_answers_in_chinese(api_client):
    response = api_client.post(
        "/api/v1/networks/validate/",
        {"network": "bitcoin", "field": "txid", "value": "0x" + "a" * 64},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.json()["valid"] is False
    assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["message"])


def test_create_with_valid_identifiers_is_accepted(as_customer, category):
    assert as_customer.post("/api/v1/tickets/", btc_ticket(), format="json").status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"txid": "0x" + VALID_BTC_TXID}, "txid"),
        ({"txid": VALID_BTC_TXID[:-1]}, "txid"),
        ({"address": TAPROOT[:-1] + "1"}, "address"),
        ({"address": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"}, "address"),
        ({"asset": "USDT"}, "asset"),
        ({"network": "dogecoin"}, "network"),
        ({"amount": "0.123456789"}, "amount"),
        ({"network": ""}, "network"),
    ],
    ids=[
        "ethereum_style_txid_on_bitcoin",
        "short_txid",
        "taproot_checksum",
        "evm_address_on_bitcoin",
        "asset_not_on_network",
        "unknown_network",
        "too_many_btc_decimals",
        "txid_without_network",
    ],
)
def test_bad_identifier_is_a_400_on_its_field(as_customer, category, overrides, field):
    response = as_customer.post("/api/v1/tickets/", btc_ticket(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Ticket.objects.exists()


def test_xrp_destination_tag_is_checked(as_customer, category):
    payload = btc_ticket(
        asset="XRP", network="xrp", amount="10", txid="C" * 64, address="rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh", memo="-1"
    )
    response = as_customer.post("/api/v1/tickets/", payload, format="json")
    assert response.status_code == 400
    assert "memo" in response.json()


# --- incidents ------------------------------------------------------------------------------------


@pytest.fixture
def btc_incident(db, category):
    incident = Incident.objects.create(
        title="BTC withdrawals are delayed",
        title_zh_hans="BTC 提现延迟",
        message="Expected fixed by 14:00 UTC",
        assets=["BTC"],
        networks=["bitcoin"],
        started_at=timezone.now(),
        eta=timezone.now() + timedelta(hours=2),
    )
    incident.categories.set([category])
    return incident


def test_active_incidents_are_public(api_client, btc_incident):
    incidents = api_client.get("/api/v1/incidents/?active=true").json()
    assert [i["title"] for i in incidents] == ["BTC withdrawals are delayed"]


def test_incidents_narrow_to_what_the_customer_reports(api_client, btc_incident, category):
    matching = api_client.get(f"/api/v1/incidents/?active=true&category={category.code}&asset=BTC&network=bitcoin")
    other = api_client.get(f"/api/v1/incidents/?active=true&category={category.code}&asset=ETH&network=ethereum")
    assert (len(matching.json()), len(other.json())) == (1, 0)


def test_resolved_incident_is_not_active(api_client, btc_incident):
    btc_incident.status = Incident.Status.RESOLVED
    btc_incident.save()
    assert api_client.get("/api/v1/incidents/?active=true").json() == []


def test_incident_title_is_in_the_request_language(api_client, btc_incident):
    incidents = api_client.get("/api/v1/incidents/?active=true", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert incidents[0]["title"] == "BTC 提现延迟"


# --- duplicates, rating, export ------------------------------------------------------------------


def test_duplicate_check_points_at_the_open_ticket(as_customer, category):
    first = as_customer.post("/api/v1/tickets/", btc_ticket(), format="json").json()
    response = as_customer.get(f"/api/v1/tickets/duplicates/?category={category.code}&txid={VALID_BTC_TXID}")
    assert response.json()["possible_duplicate_of"] == first["reference"]


def test_duplicate_check_ignores_other_customers_tickets(api_client, category, other_customer, customer):
    api_client.force_authenticate(other_customer)
    api_client.post("/api/v1/tickets/", btc_ticket(), format="json")
    api_client.force_authenticate(customer)
    response = api_client.get(f"/api/v1/tickets/duplicates/?category={category.code}&txid={VALID_BTC_TXID}")
    assert response.json()["possible_duplicate_of"] is None


@pytest.fixture
def solved(ticket, agent, now):
    services.message_add(ticket=ticket, author=agent, body="Fixed", now=now)
    services.ticket_change_status(ticket=ticket, actor=agent, status=Ticket.Status.SOLVED, now=now)
    return ticket


def test_customer_rates_a_solved_ticket(as_customer, solved):
    response = as_customer.post(f"/api/v1/tickets/{solved.reference}/satisfaction/", {"rating": 5, "comment": "Fast"})
    assert response.status_code == 200
    detail = as_customer.get(f"/api/v1/tickets/{solved.reference}/").json()
    assert detail["satisfaction"]["rating"] == 5


def test_rating_an_open_ticket_is_a_409(as_customer, ticket):
    response = as_customer.post(f"/api/v1/tickets/{ticket.reference}/satisfaction/", {"rating": 4})
    assert response.status_code == 409


@pytest.mark.parametrize("rating", [0, 6, "five"])
def test_rating_outside_1_to_5_is_a_400(as_customer, solved, rating):
    response = as_customer.post(f"/api/v1/tickets/{solved.reference}/satisfaction/", {"rating": rating})
    assert response.status_code == 400


def test_agent_cannot_rate(api_client, agent, solved):
    api_client.force_authenticate(agent)
    assert api_client.post(f"/api/v1/tickets/{solved.reference}/satisfaction/", {"rating": 1}).status_code == 403


def test_customer_reopens_a_solved_ticket(as_customer, solved):
    response = as_customer.post(f"/api/v1/tickets/{solved.reference}/reopen/")
    assert (response.status_code, response.json()["status"]) == (200, "open")


def test_export_json_has_messages_hashes_and_timeline_but_no_internal_notes(as_customer, ticket, agent, now):
    services.message_add(ticket=ticket, author=agent, body="internal ledger note", internal=True, now=now)
    services.message_add(ticket=ticket, author=agent, body="We are checking", now=now)
    record = as_customer.get(f"/api/v1/tickets/{ticket.reference}/export/").json()
    assert [m["body"] for m in record["messages"]] == ["We are checking"]
    assert {"attachments", "timeline", "fields"} <= set(record)


def test_export_html_is_a_printable_page(as_customer, ticket):
    response = as_customer.get(f"/api/v1/tickets/{ticket.reference}/export/?format=html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert ticket.reference.encode() in response.content


def test_other_customer_cannot_export(api_client, other_customer, ticket):
    api_client.force_authenticate(other_customer)
    assert api_client.get(f"/api/v1/tickets/{ticket.reference}/export/").status_code == 404


def test_amount_of_a_guest_ticket_is_kept_exactly(api_client, category):
    payload = {**btc_ticket(), "email": "locked.out@example.com", "amount": "0.12345678"}
    api_client.post("/api/v1/guest/tickets/", payload, format="json")
    assert Ticket.objects.get().amount == Decimal("0.12345678")
