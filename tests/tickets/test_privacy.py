"""Least privilege (issue 12, item 6): the customer's personal data is masked for every staff member
until they reveal it with a reason; each reveal is a hash-chained audit event without the values."""

import pytest
from django.utils import timezone
from rest_framework.settings import api_settings

from accounts.models import CustomerProfile
from support_desk.throttling import RevealThrottle
from tests.factories import TicketFactory
from tickets import audit_chain, privacy
from tickets.export import public_record
from tickets.models import Ticket, TicketEvent
from tickets.timeline import public_timeline

UID = "U10000001"
OLD_ADDRESS = "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"
THIS_ADDRESS = "TXYZopYRdj2D9XRtbG411XZZ3kM5VkAeBf"
REASON = "Customer asked to confirm the e-mail on file"


def _url(ticket: Ticket, suffix: str = "") -> str:
    return f"/api/v1/tickets/{ticket.reference}/{suffix}"


@pytest.fixture
def case(customer, category):
    """A ticket of alice's (alice@example.com, UID U10000001) with an address, and an older one
    with another address."""
    CustomerProfile.objects.filter(user=customer).update(exchange_uid=UID)
    TicketFactory(category=category, requester=customer, address=OLD_ADDRESS)
    return TicketFactory(category=category, requester=customer, address=THIS_ADDRESS)


# --- the masks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("alice@example.com", "a•••@e•••.com"),
        ("bob.smith@mail.example.co.uk", "b•••@m•••.uk"),
        ("x@localhost", "x•••@l•••"),
        ("", ""),
    ],
)
def test_mask_email_keeps_the_first_letters_and_the_top_level_domain(value, masked):
    assert privacy.mask_email(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"), [("U10000001", "U1•••01"), ("1234567", "12•••67"), ("U-1", "•••"), ("", "")]
)
def test_mask_uid_keeps_two_characters_at_each_end_of_a_long_enough_uid(value, masked):
    assert privacy.mask_uid(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [(OLD_ADDRESS, "TQn9Y2…bLSE"), ("0x52908400098527886E0F7030069857D2E4169EE7", "0x5290…9EE7"), ("", "")],
)
def test_mask_address_keeps_six_characters_and_the_last_four(value, masked):
    assert privacy.mask_address(value) == masked


# --- masked where staff read it -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["agent", "lead", "admin_user"])
def test_staff_detail_masks_the_customer_panel(request, api_client, case, role):
    api_client.force_authenticate(request.getfixturevalue(role))

    panel = api_client.get(_url(case)).json()["customer"]

    assert (panel["email"], panel["exchange_uid"], panel["addresses"]) == ("a•••@e•••.com", "U1•••01", ["TQn9Y2…bLSE"])
    assert panel["masked"] is True


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_staff_detail_masks_the_requesters_email(request, api_client, case, role):
    api_client.force_authenticate(request.getfixturevalue(role))

    requester = api_client.get(_url(case)).json()["requester"]

    assert (requester["email"], requester["masked"]) == ("a•••@e•••.com", True)


@pytest.mark.parametrize("role", ["agent", "lead"])
def test_queue_rows_mask_the_requesters_email(request, api_client, case, role):
    api_client.force_authenticate(request.getfixturevalue(role))

    rows = api_client.get("/api/v1/queue/").json()["results"]

    assert {row["requester"]["email"] for row in rows} == {"a•••@e•••.com"}
    assert all(row["requester"]["masked"] for row in rows)


def test_staff_detail_keeps_the_tickets_own_address_visible(api_client, agent, case):
    api_client.force_authenticate(agent)

    assert api_client.get(_url(case)).json()["address"] == THIS_ADDRESS


def test_customer_panel_lists_each_address_of_the_other_tickets_once(api_client, agent, customer, category, case):
    TicketFactory(category=category, requester=customer, address=OLD_ADDRESS)
    api_client.force_authenticate(agent)

    assert api_client.get(_url(case)).json()["customer"]["addresses"] == ["TQn9Y2…bLSE"]


# --- reveal -----------------------------------------------------------------------------------------


def test_reveal_returns_the_unmasked_values(api_client, agent, customer, case):
    api_client.force_authenticate(agent)

    response = api_client.post(_url(case, "reveal/"), {"reason": REASON})

    assert response.status_code == 200
    assert response.json() == {"email": customer.email, "exchange_uid": UID, "addresses": [OLD_ADDRESS]}


def test_reveal_returns_only_the_fields_asked_for(api_client, agent, customer, case):
    api_client.force_authenticate(agent)

    response = api_client.post(_url(case, "reveal/"), {"reason": REASON, "fields": ["email"]})

    assert response.json() == {"email": customer.email}


@pytest.mark.parametrize("reason", [None, "", "because", "  short   "])
def test_reveal_without_a_reason_of_ten_characters_is_a_field_error(api_client, agent, case, reason):
    api_client.force_authenticate(agent)
    body = {} if reason is None else {"reason": reason}

    response = api_client.post(_url(case, "reveal/"), body)

    assert response.status_code == 400
    assert "reason" in response.json()
    assert not TicketEvent.objects.filter(kind=TicketEvent.Kind.PII_REVEALED).exists()


def test_reveal_of_an_unknown_field_is_a_field_error(api_client, agent, case):
    api_client.force_authenticate(agent)

    response = api_client.post(_url(case, "reveal/"), {"reason": REASON, "fields": ["password"]})

    assert response.status_code == 400 and "fields" in response.json()


def test_reveal_writes_an_audit_event_with_actor_fields_and_reason_but_not_the_values(
    api_client, agent, customer, case
):
    api_client.force_authenticate(agent)

    api_client.post(_url(case, "reveal/"), {"reason": REASON, "fields": ["email", "exchange_uid"]})

    event = TicketEvent.objects.get(ticket=case, kind=TicketEvent.Kind.PII_REVEALED)
    assert event.actor == agent
    assert event.data == {"fields": ["email", "exchange_uid"], "reason": REASON}
    assert customer.email not in str(event.data) and UID not in str(event.data)


def test_the_reveal_event_is_in_the_verified_hash_chain(api_client, agent, case):
    api_client.force_authenticate(agent)

    api_client.post(_url(case, "reveal/"), {"reason": REASON})

    case.refresh_from_db()
    event = TicketEvent.objects.get(ticket=case, kind=TicketEvent.Kind.PII_REVEALED)
    assert case.audit_head == event.hash
    assert list(audit_chain.verify_chains(ticket_ids=[case.pk])) == []


def test_the_reveal_stays_out_of_the_customers_timeline_and_export(agent, case):
    privacy.customer_data_reveal(ticket=case, actor=agent, reason=REASON, now=timezone.now())
    ticket = Ticket.objects.prefetch_related("events", "messages", "attachments").get(pk=case.pk)

    assert [entry["kind"] for entry in public_timeline(ticket)] == []
    assert public_record(ticket, exported_at=timezone.now())["audit"]["entries"] == []


def test_another_agents_reveal_does_not_make_a_reply_stale(api_client, agent, other_agent, case):
    api_client.force_authenticate(agent)
    version = api_client.get(_url(case)).json()["version"]
    privacy.customer_data_reveal(ticket=case, actor=other_agent, reason=REASON, now=timezone.now())

    response = api_client.post(_url(case, "messages/"), {"body": "Checking now.", "expected_version": version})

    assert response.status_code == 201


def test_reveal_by_an_agent_of_another_team_is_not_found(api_client, outside_agent, case):
    api_client.force_authenticate(outside_agent)

    assert api_client.post(_url(case, "reveal/"), {"reason": REASON}).status_code == 404


def test_reveal_by_the_customer_is_forbidden(api_client, customer, case):
    api_client.force_authenticate(customer)

    assert api_client.post(_url(case, "reveal/"), {"reason": REASON}).status_code == 403


def test_reveal_by_another_customer_is_not_found(api_client, other_customer, case):
    api_client.force_authenticate(other_customer)

    assert api_client.post(_url(case, "reveal/"), {"reason": REASON}).status_code == 404


def test_reveal_addresses_only_lists_tickets_the_agent_may_see(api_client, agent, customer, category, security, case):
    TicketFactory(
        category=category, requester=customer, team=security, address="bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
    )
    api_client.force_authenticate(agent)

    response = api_client.post(_url(case, "reveal/"), {"reason": REASON, "fields": ["addresses"]})

    assert response.json() == {"addresses": [OLD_ADDRESS]}


def test_reveals_are_throttled_per_staff_member(api_client, agent, case, monkeypatch):
    monkeypatch.setattr(RevealThrottle, "THROTTLE_RATES", {**api_settings.DEFAULT_THROTTLE_RATES, "reveal": "2/hour"})
    api_client.force_authenticate(agent)
    for _attempt in range(2):
        assert api_client.post(_url(case, "reveal/"), {"reason": REASON}).status_code == 200

    response = api_client.post(_url(case, "reveal/"), {"reason": REASON})

    assert response.status_code == 429 and "Retry-After" in response
