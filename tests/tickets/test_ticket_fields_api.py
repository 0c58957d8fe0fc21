"""POST tickets/: the structured fields as customers fill them in — the memo/tag where the network
needs one, amounts in the customer's format, and the precise identifier messages."""

import pytest

from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

XRP_TXID = "7a2306a8000fd8b6d1c477cc8022695e0f3c1bbefd22982b775665adc816b614"
XRP_ADDRESS = "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh"  # the XRP genesis account
TRON_TXID = "90e060daabd4d993a94a39eeffcfcd04da4e01b843b78f7e533189ab55b32e96"


@pytest.fixture
def deposit_missing(payments):
    return CategoryFactory(
        code="deposit_missing",
        default_team=payments,
        required_fields=["asset", "network", "amount", "txid"],
        optional_fields=["address", "memo"],
    )


@pytest.fixture
def withdrawal_delayed(payments):
    return CategoryFactory(
        code="withdrawal_delayed",
        default_team=payments,
        required_fields=["asset", "network", "amount"],
        optional_fields=["txid", "address", "memo"],
    )


@pytest.fixture
def customer_client(api_client, customer):
    api_client.force_authenticate(customer)
    return api_client


def file_ticket(client, **fields):
    body = {"subject": "Deposit missing", "body": "It has not arrived.", **fields}
    return client.post("/api/v1/tickets/", body, format="json")


def xrp_deposit(**overrides):
    return {
        "category": "deposit_missing",
        "asset": "XRP",
        "network": "xrp",
        "amount": "120",
        "txid": XRP_TXID,
        "address": XRP_ADDRESS,
        **overrides,
    }


def test_xrp_deposit_without_destination_tag_is_refused_at_the_memo_field(customer_client, deposit_missing):
    response = file_ticket(customer_client, **xrp_deposit())
    assert response.status_code == 400
    assert list(response.json()) == ["memo"]
    assert response.json()["memo"][0].startswith("XRP deposits need the destination tag")


def test_xrp_deposit_with_destination_tag_is_filed(customer_client, deposit_missing):
    response = file_ticket(customer_client, **xrp_deposit(memo="104857"))
    assert response.status_code == 201, response.json()
    assert response.json()["memo"] == "104857"


def test_xrp_withdrawal_without_destination_tag_is_refused(customer_client, withdrawal_delayed):
    response = file_ticket(customer_client, category="withdrawal_delayed", asset="XRP", network="xrp", amount="50")
    assert response.status_code == 400
    assert "memo" in response.json()


def test_deposit_on_a_network_without_memos_needs_no_memo(customer_client, deposit_missing):
    response = file_ticket(
        customer_client, category="deposit_missing", asset="USDT", network="tron", amount="250", txid=TRON_TXID
    )
    assert response.status_code == 201, response.json()


def test_category_without_a_memo_field_does_not_ask_for_one(customer_client, general):
    CategoryFactory(code="account_compromised", default_team=general, optional_fields=["asset", "network", "txid"])
    response = file_ticket(customer_client, category="account_compromised", asset="XRP", network="xrp")
    assert response.status_code == 201, response.json()


@pytest.mark.parametrize(("typed", "stored"), [("1,000.50", "1000.5"), ("1000.50", "1000.5"), ("12,500", "12500")])
def test_amount_with_a_thousands_separator_is_accepted(customer_client, deposit_missing, typed, stored):
    response = file_ticket(customer_client, **xrp_deposit(memo="7", amount=typed))
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == stored


@pytest.mark.parametrize("typed", ["1.000,50", "1,00,0", "1000,50"])
def test_ambiguous_amount_is_refused_with_the_expected_format(customer_client, deposit_missing, typed):
    response = file_ticket(customer_client, **xrp_deposit(memo="7", amount=typed))
    assert response.status_code == 400
    assert "1,000.50 or 1000.50" in response.json()["amount"][0]


def test_amount_as_a_json_number_is_still_accepted(customer_client, deposit_missing):
    response = file_ticket(customer_client, **xrp_deposit(memo="7", amount=12.5))
    assert response.status_code == 201, response.json()
    assert response.json()["amount"] == "12.5"


def test_0x_txid_on_tron_gets_the_precise_message(customer_client, deposit_missing):
    response = file_ticket(
        customer_client, category="deposit_missing", asset="USDT", network="tron", amount="1,000", txid="0x" + TRON_TXID
    )
    assert response.status_code == 400
    assert response.json() == {"txid": ["On this network a transaction hash has 64 hex characters without 0x."]}


def test_networks_endpoint_gives_the_memo_hint_for_the_form(api_client, db):
    xrp = next(network for network in api_client.get("/api/v1/networks/").json() if network["code"] == "xrp")
    assert xrp["memo"]["required"] is True
    assert xrp["memo"]["hint"].startswith("XRP deposits need the destination tag")
