"""tickets.validation: the structured-field rule lives in the service, so a caller that is not
the API (an inbound e-mail, a command) gets the same checks and messages as POST tickets/."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from support_desk.api import exception_handler
from tests.factories import CategoryFactory
from tickets import services
from tickets.exceptions import TicketInvalid
from tickets.models import Ticket
from tickets.validation import ticket_fields_errors

XRP_TXID = "7a2306a8000fd8b6d1c477cc8022695e0f3c1bbefd22982b775665adc816b614"
XRP_ADDRESS = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"
BAD_CHECKSUM_BTC = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5"  # BIP173's invalid-checksum vector


@pytest.fixture
def deposit_missing(payments):
    return CategoryFactory(
        code="deposit_missing",
        default_team=payments,
        required_fields=["asset", "network", "amount", "txid"],
        optional_fields=["address", "memo"],
    )


def create(customer, category, now, **fields):
    return services.ticket_create(
        requester=customer,
        category=category,
        subject="Deposit missing",
        body="It has not arrived.",
        fields=services.TicketFields(**fields),
        channel=Ticket.Channel.EMAIL,
        now=now,
    )


XRP_DEPOSIT = {"asset": "XRP", "network": "xrp", "amount": Decimal("10"), "txid": XRP_TXID, "address": XRP_ADDRESS}


def test_ticket_create_refuses_an_address_with_a_bad_checksum(customer, deposit_missing, now):
    fields = {**XRP_DEPOSIT, "asset": "BTC", "network": "bitcoin", "txid": "ab" * 32, "address": BAD_CHECKSUM_BTC}
    with pytest.raises(TicketInvalid) as error:
        create(customer, deposit_missing, now, **fields)
    assert list(error.value.errors) == ["address"]
    assert not Ticket.objects.exists()


def test_ticket_create_gives_every_field_error_with_the_apis_messages(customer, deposit_missing, now):
    with pytest.raises(TicketInvalid) as error:
        create(customer, deposit_missing, now, asset="XRP")
    assert error.value.errors == {name: ["This category needs this field."] for name in ("network", "amount", "txid")}


def test_ticket_create_stores_the_identifiers_as_checked(customer, deposit_missing, now):
    ticket = create(customer, deposit_missing, now, **{**XRP_DEPOSIT, "txid": f"  {XRP_TXID} ", "memo": "123"})
    assert ticket.txid == XRP_TXID


def test_the_api_and_the_service_give_the_same_errors(customer, deposit_missing, now):
    client = APIClient()
    client.force_authenticate(customer)
    body = {"category": "deposit_missing", "subject": "Deposit", "body": "Missing", **XRP_DEPOSIT, "memo": ""}
    body["amount"] = "10"
    response = client.post("/api/v1/tickets/", body, format="json")
    assert response.status_code == 400
    expected = ticket_fields_errors(deposit_missing, {**XRP_DEPOSIT, "memo": ""})
    assert expected and response.json() == expected


def test_a_service_error_with_field_errors_is_a_400_with_those_fields():
    error = TicketInvalid("Unknown network.", field="network", errors={"network": ["Unknown network."], "txid": ["x"]})
    response = exception_handler(error, {})
    assert response.status_code == 400
    assert response.data == {
        "detail": "Unknown network.",
        "code": "invalid",
        "network": ["Unknown network."],
        "txid": ["x"],
    }
