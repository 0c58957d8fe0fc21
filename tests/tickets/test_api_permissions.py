"""Who may do what to a ticket through the API: every object endpoint against every role.

CONTRACT.md: 401 when not authenticated, 404 for what the caller may not see (never a 403 that
leaks existence), 403 for what the caller can see but may not do.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from tests.factories import AgentFactory, CategoryFactory, MacroFactory, MessageFactory, TicketFactory
from tickets import guest, services
from tickets.models import Message, Ticket

# The smallest valid PNG: one transparent pixel, 67 bytes.
PNG_1X1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)

# One request: (client method, URL, keyword arguments for the client).
Request = tuple[str, str, dict[str, Any]]


def _ticket_url(ticket: Ticket, suffix: str = "") -> str:
    return f"/api/v1/tickets/{ticket.reference}/{suffix}"


def _png_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("proof.png", PNG_1X1, content_type="image/png")


# --- One helper per endpoint: build what the endpoint needs, return the request to send. ---


def retrieve_request(ticket: Ticket, team_agent: User) -> Request:
    return "get", _ticket_url(ticket), {}


def update_request(ticket: Ticket, team_agent: User) -> Request:
    return "patch", _ticket_url(ticket), {"data": {"priority": "high"}}


def message_request(ticket: Ticket, team_agent: User) -> Request:
    return "post", _ticket_url(ticket, "messages/"), {"data": {"body": "Any news on my withdrawal?"}}


def upload_request(ticket: Ticket, team_agent: User) -> Request:
    return "post", _ticket_url(ticket, "attachments/"), {"data": {"file": _png_upload()}, "format": "multipart"}


def download_request(ticket: Ticket, team_agent: User) -> Request:
    attachment = services.attachment_add(
        ticket=ticket, uploader=ticket.requester, upload=_png_upload(), now=timezone.now()
    )
    return "get", _ticket_url(ticket, f"attachments/{attachment.pk}/"), {}


def claim_request(ticket: Ticket, team_agent: User) -> Request:
    return "post", _ticket_url(ticket, "claim/"), {}


def assign_request(ticket: Ticket, team_agent: User) -> Request:
    return "post", _ticket_url(ticket, "assign/"), {"data": {"assignee": team_agent.pk}}


def events_request(ticket: Ticket, team_agent: User) -> Request:
    return "get", _ticket_url(ticket, "events/"), {}


def apply_macro_request(ticket: Ticket, team_agent: User) -> Request:
    shared_macro = MacroFactory(team=None)
    return "post", _ticket_url(ticket, f"macros/{shared_macro.pk}/apply/"), {}


def revoke_guest_links_request(ticket: Ticket, team_agent: User) -> Request:
    return "post", _ticket_url(ticket, "guest-links/revoke/"), {}


def reopen_request(ticket: Ticket, team_agent: User) -> Request:
    services.ticket_change_status(ticket=ticket, actor=team_agent, status=Ticket.Status.SOLVED, now=timezone.now())
    return "post", _ticket_url(ticket, "reopen/"), {}


def reveal_request(ticket: Ticket, team_agent: User) -> Request:
    return "post", _ticket_url(ticket, "reveal/"), {"data": {"reason": "The customer asked us to confirm their e-mail"}}


def access_request(ticket: Ticket, team_agent: User) -> Request:
    return "get", _ticket_url(ticket, "access/"), {}


def merge_request(ticket: Ticket, team_agent: User) -> Request:
    main = TicketFactory(requester=ticket.requester, category=ticket.category)
    return "post", _ticket_url(ticket, "merge/"), {"data": {"into": main.reference}}


def split_request(ticket: Ticket, team_agent: User) -> Request:
    # The category asks for asset and amount: the new ticket takes the source's.
    Ticket.objects.filter(pk=ticket.pk).update(asset="USDT", amount=100)
    message = MessageFactory(ticket=ticket, body="Also, my KYC was rejected.")
    return "post", _ticket_url(ticket, f"messages/{message.pk}/split/"), {"data": {}}


def merge_suggestions_request(ticket: Ticket, team_agent: User) -> Request:
    TicketFactory(requester=ticket.requester, category=ticket.category)
    return "get", _ticket_url(ticket, "merge-suggestions/"), {}


# Role name -> the conftest fixture that plays it (None: not logged in).
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "owner": "customer",
    "other_customer": "other_customer",
    "agent_of_ticket_team": "agent",
    "agent_of_other_team": "outside_agent",
    "lead": "lead",
    "admin": "admin_user",
    # A private link (Authorization: Guest <secret>) to this ticket, and one to another ticket.
    "guest_of_ticket": "guest_of_ticket",
    "guest_of_other_ticket": "guest_of_other_ticket",
}

# Endpoint -> (request helper, expected status per role, in the order of ROLES).
ENDPOINTS: dict[str, tuple[Callable[[Ticket, User], Request], tuple[int, ...]]] = {
    # anonymous, owner, other customer, team agent, other team's agent, lead, admin, guest, other guest
    "retrieve": (retrieve_request, (401, 200, 404, 200, 404, 200, 200, 200, 404)),
    "update": (update_request, (401, 403, 404, 200, 404, 200, 200, 401, 401)),
    "add_message": (message_request, (401, 201, 404, 201, 404, 201, 201, 201, 404)),
    "upload_attachment": (upload_request, (401, 201, 404, 201, 404, 201, 201, 201, 404)),
    "download_attachment": (download_request, (401, 200, 404, 200, 404, 200, 200, 200, 404)),
    "claim": (claim_request, (401, 403, 404, 200, 404, 200, 200, 401, 401)),
    "assign": (assign_request, (401, 403, 404, 200, 404, 200, 200, 401, 401)),
    # The raw audit trail never reaches customers, not even the ticket's owner.
    "events": (events_request, (401, 404, 404, 200, 404, 200, 200, 401, 401)),
    "apply_macro": (apply_macro_request, (401, 403, 404, 200, 404, 200, 200, 401, 401)),
    "reopen": (reopen_request, (401, 200, 404, 200, 404, 200, 200, 200, 404)),
    "revoke_guest_links": (revoke_guest_links_request, (401, 403, 404, 200, 404, 200, 200, 401, 401)),
    # The customer's masked personal data, unmasked with a reason: staff who may see the ticket.
    "reveal": (reveal_request, (401, 403, 404, 200, 404, 200, 200, 401, 401)),
    # Who opened the ticket: leads and admins; a staff tool customers never learn of (as events).
    "access": (access_request, (401, 404, 404, 403, 404, 200, 200, 401, 401)),
    # Merge and split (tickets.merge): staff who may see the ticket; the owner may not.
    "merge": (merge_request, (401, 403, 404, 200, 404, 200, 200, 401, 401)),
    "split": (split_request, (401, 403, 404, 201, 404, 201, 201, 401, 401)),
    # The suggestions list the customer's other tickets: a staff tool customers never learn of.
    "merge_suggestions": (merge_suggestions_request, (401, 404, 404, 200, 404, 200, 200, 401, 401)),
}

MATRIX = [
    pytest.param(endpoint, role, status, id=f"{endpoint}-{role}-{status}")
    for endpoint, (_, statuses) in ENDPOINTS.items()
    for role, status in zip(ROLES, statuses, strict=True)
]


def _guest_secret(ticket: Ticket) -> str:
    return guest.guest_link_issue(ticket_id=ticket.pk, email=ticket.requester.email, now=timezone.now())


def _log_in_as(request: pytest.FixtureRequest, api_client, role: str) -> None:
    fixture = ROLES[role]
    if fixture == "guest_of_ticket":
        api_client.credentials(HTTP_AUTHORIZATION=f"Guest {_guest_secret(request.getfixturevalue('ticket'))}")
    elif fixture == "guest_of_other_ticket":
        other = TicketFactory(category=request.getfixturevalue("ticket").category)
        api_client.credentials(HTTP_AUTHORIZATION=f"Guest {_guest_secret(other)}")
    elif fixture is not None:
        api_client.force_authenticate(request.getfixturevalue(fixture))


@pytest.mark.parametrize(("endpoint", "role", "expected"), MATRIX)
def test_role_gets_expected_status(request, api_client, ticket, agent, endpoint, role, expected):
    build_request, _ = ENDPOINTS[endpoint]
    method, url, kwargs = build_request(ticket, agent)
    _log_in_as(request, api_client, role)

    response = getattr(api_client, method)(url, **kwargs)
    response.close()  # The download streams an open file.

    assert response.status_code == expected, getattr(response, "data", None)


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
