from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail, signing
from django.utils import timezone

from tests.factories import TicketFactory
from tickets import services
from tickets.guest import guest_token
from tickets.models import Incident, Ticket

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
    assert networks["xrp"]["memo"] == {"required": True, "name": "Destination tag"}
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


# --- guest access ----------------------------------------------------------------------------------


def guest_payload(**overrides):
    return {**btc_ticket(), "email": "locked.out@example.com", **overrides}


def test_guest_ticket_is_accepted_and_the_link_mailed(api_client, category, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post("/api/v1/guest/tickets/", guest_payload(), format="json")
    assert response.status_code == 202
    assert "reference" not in response.json()
    assert len(mail.outbox) == 1
    assert "/guest/" in mail.outbox[0].body


def test_guest_answer_is_the_same_for_known_and_unknown_addresses(api_client, category, customer):
    unknown = api_client.post("/api/v1/guest/tickets/", guest_payload(email="nobody@example.com"), format="json")
    known = api_client.post("/api/v1/guest/tickets/", guest_payload(email=customer.email), format="json")
    assert (unknown.status_code, unknown.json()) == (known.status_code, known.json())


def test_guest_ticket_of_a_known_address_belongs_to_that_customer(api_client, category, customer):
    api_client.post("/api/v1/guest/tickets/", guest_payload(email=customer.email.upper()), format="json")
    assert Ticket.objects.get().requester == customer


def test_guest_link_opens_its_ticket(api_client, category):
    api_client.post("/api/v1/guest/tickets/", guest_payload(), format="json")
    ticket = Ticket.objects.get()
    api_client.credentials(HTTP_AUTHORIZATION=f"Guest {guest_token(ticket_id=ticket.pk, user_id=ticket.requester_id)}")
    assert api_client.get("/api/v1/guest/session/").json() == {"reference": ticket.reference}
    assert api_client.get(f"/api/v1/tickets/{ticket.reference}/").status_code == 200
    assert api_client.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "More info"}).status_code == 201


def test_guest_link_opens_nothing_else(api_client, category, customer):
    mine = TicketFactory(requester=customer, category=category)
    other = TicketFactory(requester=customer, category=category)
    api_client.credentials(HTTP_AUTHORIZATION=f"Guest {guest_token(ticket_id=mine.pk, user_id=customer.pk)}")
    assert api_client.get(f"/api/v1/tickets/{other.reference}/").status_code == 404
    assert api_client.get("/api/v1/tickets/").status_code == 403
    assert api_client.post("/api/v1/tickets/", btc_ticket(), format="json").status_code == 403


def test_tampered_guest_link_is_a_401(api_client, category, customer):
    ticket = TicketFactory(requester=customer, category=category)
    token = guest_token(ticket_id=ticket.pk, user_id=customer.pk)
    api_client.credentials(HTTP_AUTHORIZATION=f"Guest {token[:-2]}xx")
    response = api_client.get(f"/api/v1/tickets/{ticket.reference}/")
    assert response.status_code == 401
    assert "not valid" in response.json()["detail"]


def test_expired_guest_link_is_a_401(api_client, category, customer, settings):
    ticket = TicketFactory(requester=customer, category=category)
    token = guest_token(ticket_id=ticket.pk, user_id=customer.pk)
    settings.GUEST_LINK_MAX_AGE = -1
    api_client.credentials(HTTP_AUTHORIZATION=f"Guest {token}")
    response = api_client.get(f"/api/v1/tickets/{ticket.reference}/")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_guest_requests_are_limited_per_address(api_client, category, settings):
    from rest_framework.settings import api_settings

    from support_desk.throttling import GuestEmailThrottle

    GuestEmailThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "guest_email": "2/hour"}
    try:
        codes = [
            api_client.post("/api/v1/guest/tickets/", guest_payload(), format="json").status_code for _ in range(3)
        ]
    finally:
        GuestEmailThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [202, 202, 429]


def test_guest_bad_email_is_a_400(api_client, category):
    response = api_client.post("/api/v1/guest/tickets/", guest_payload(email="not-an-email"), format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_guest_signature_is_bound_to_its_salt(category, customer):
    ticket = TicketFactory(requester=customer, category=category)
    forged = signing.dumps({"t": ticket.pk, "u": customer.pk})  # signed, but not as a guest link
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Guest {forged}")
    assert client.get(f"/api/v1/tickets/{ticket.reference}/").status_code == 401


def test_agent_reply_mail_to_a_guest_carries_a_fresh_link(
    api_client, category, agent, now, django_capture_on_commit_callbacks
):
    api_client.post("/api/v1/guest/tickets/", guest_payload(), format="json")
    ticket = Ticket.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(ticket=ticket, author=agent, body="We found it", now=now)
    assert "/guest/" in mail.outbox[-1].body


def test_amount_of_a_guest_ticket_is_kept_exactly(api_client, category):
    api_client.post("/api/v1/guest/tickets/", guest_payload(amount="0.12345678"), format="json")
    assert Ticket.objects.get().amount == Decimal("0.12345678")
