import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import MessageFactory, TicketFactory
from tickets.models import Attachment, Ticket, TicketEvent


def png_bytes(width: int = 1, height: int = 1) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x00\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


@pytest.fixture
def as_customer(api_client, customer):
    api_client.force_authenticate(customer)
    return api_client


@pytest.fixture
def as_agent(api_client, agent):
    api_client.force_authenticate(agent)
    return api_client


def ticket_payload(**overrides):
    return {
        "category": "withdrawal_delayed",
        "subject": "USDT withdrawal missing",
        "body": "Sent yesterday, not arrived.",
        "asset": "USDT",
        "network": "tron",
        "amount": "120.5",
        **overrides,
    }


# --- auth --------------------------------------------------------------------------------------


def test_token_endpoint_returns_a_token_for_valid_credentials(api_client, customer):
    customer.set_password("s3cret-pass")
    customer.save()
    response = api_client.post("/api/v1/auth/token/", {"username": "alice", "password": "s3cret-pass"})
    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


def test_token_endpoint_refuses_wrong_password(api_client, customer):
    response = api_client.post("/api/v1/auth/token/", {"username": "alice", "password": "nope"})
    assert response.status_code in (400, 401)


def test_token_authenticates_api_calls(api_client, customer):
    customer.set_password("s3cret-pass")
    customer.save()
    token = api_client.post("/api/v1/auth/token/", {"username": "alice", "password": "s3cret-pass"}).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/v1/tickets/").status_code == 200


def test_session_auth_enforces_csrf(customer, category):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(customer)
    response = client.post("/api/v1/tickets/", ticket_payload(), format="json")
    assert response.status_code == 403


# --- categories ---------------------------------------------------------------------------------


def test_categories_list_their_required_fields(api_client, category):
    response = api_client.get("/api/v1/categories/")
    assert response.status_code == 200
    assert response.json()[0]["required_fields"] == ["asset", "amount"]


def test_categories_are_named_in_the_request_language(api_client, category):
    category.name_zh_hans = "提现延迟"
    category.save()
    response = api_client.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.json()[0]["name"] == "提现延迟"


# --- create -------------------------------------------------------------------------------------


def test_create_returns_reference_status_priority_sla_and_queue(as_customer, category):
    response = as_customer.post("/api/v1/tickets/", ticket_payload())
    assert response.status_code == 201
    body = response.json()
    assert body["reference"].startswith("SD-")
    assert (body["status"], body["priority"]) == ("new", "normal")
    assert set(body["sla"]) == {"first_response_due", "resolution_due"}
    assert body["queue"]["position"] == 1
    assert body["amount"] == "120.5"


def test_create_duplicate_is_accepted_and_points_at_the_open_ticket(as_customer, category):
    first = as_customer.post("/api/v1/tickets/", ticket_payload(txid="aa" * 32)).json()
    response = as_customer.post("/api/v1/tickets/", ticket_payload(txid="aa" * 32))
    assert response.status_code == 201
    assert response.json()["possible_duplicate_of"] == first["reference"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": "x" * 201}, "subject"),
        ({"body": ""}, "body"),
        ({"body": "x" * 20_001}, "body"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.0000000000000000001"}, "amount"),
        ({"amount": "lots"}, "amount"),
        ({"category": "nope"}, "category"),
        ({"asset": ""}, "asset"),
        ({"surprise": 1}, "surprise"),
        ({"subject": ["a", "list"]}, "subject"),
    ],
    ids=[
        "long_subject",
        "empty_body",
        "long_body",
        "zero_amount",
        "negative_amount",
        "too_many_decimals",
        "non_numeric_amount",
        "unknown_category",
        "missing_required_asset",
        "unknown_field",
        "wrong_type",
    ],
)
def test_bad_ticket_input_is_a_400_naming_the_field(as_customer, category, overrides, field):
    response = as_customer.post("/api/v1/tickets/", ticket_payload(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Ticket.objects.exists()


def test_malformed_json_is_a_400(as_customer, category):
    response = as_customer.generic("POST", "/api/v1/tickets/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_anonymous_cannot_create_a_ticket(api_client, category):
    assert api_client.post("/api/v1/tickets/", ticket_payload()).status_code == 401


def test_ticket_creation_is_throttled_with_retry_after(as_customer, category, settings):
    from rest_framework.settings import api_settings

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "ticket_create": "2/hour"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from support_desk.throttling import TicketCreateThrottle

    TicketCreateThrottle.THROTTLE_RATES = rates
    try:
        for index in range(2):
            assert as_customer.post("/api/v1/tickets/", ticket_payload(subject=f"s{index}")).status_code == 201
        response = as_customer.post("/api/v1/tickets/", ticket_payload())
    finally:
        TicketCreateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_throttling_can_be_switched_off(as_customer, category, settings):
    settings.API_THROTTLE_ENABLED = False
    from support_desk.throttling import TicketCreateThrottle

    TicketCreateThrottle.THROTTLE_RATES = {"ticket_create": "1/hour"}
    try:
        codes = [as_customer.post("/api/v1/tickets/", ticket_payload(subject=f"s{i}")).status_code for i in range(3)]
    finally:
        from rest_framework.settings import api_settings

        TicketCreateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [201, 201, 201]


# --- messages -------------------------------------------------------------------------------------


def test_customer_reply_is_created(as_customer, ticket):
    response = as_customer.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "Any news?"})
    assert response.status_code == 201
    assert response.json()["internal"] is False


def test_agent_internal_note_is_marked_internal(as_agent, ticket):
    response = as_agent.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "ledger", "internal": True})
    assert response.json()["internal"] is True


def test_empty_message_is_a_400(as_customer, ticket):
    response = as_customer.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "   "})
    assert response.status_code == 400
    assert "body" in response.json()


def test_message_on_closed_ticket_is_a_409(as_customer, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)
    response = as_customer.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "hello"})
    assert response.status_code == 409


def test_html_in_a_message_is_stored_as_sent(as_customer, ticket):
    body = "<script>alert(1)</script>"
    as_customer.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": body})
    assert ticket.messages.get().body == body


# --- PATCH -------------------------------------------------------------------------------------


def test_patch_changes_status_and_priority(as_agent, ticket):
    response = as_agent.patch(f"/api/v1/tickets/{ticket.reference}/", {"status": "on_hold", "priority": "high"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["priority"]) == ("on_hold", "high")


def test_patch_invalid_transition_is_a_409(as_agent, ticket):
    Ticket.objects.filter(pk=ticket.pk).update(status=Ticket.Status.CLOSED)
    response = as_agent.patch(f"/api/v1/tickets/{ticket.reference}/", {"status": "open"})
    assert response.status_code == 409
    assert "closed" in response.json()["detail"].lower()


@pytest.mark.parametrize(
    "payload",
    [{"status": "done"}, {"priority": "asap"}, {"team": "nowhere"}, {"subject": "rename"}, {}],
    ids=["unknown_status", "unknown_priority", "unknown_team", "read_only_field", "empty"],
)
def test_patch_bad_input_is_a_400(as_agent, ticket, payload):
    response = as_agent.patch(f"/api/v1/tickets/{ticket.reference}/", payload, format="json")
    assert response.status_code == 400


def test_patch_moving_to_a_team_the_agent_cannot_see_still_answers(as_agent, ticket, security):
    response = as_agent.patch(f"/api/v1/tickets/{ticket.reference}/", {"team": "security"})
    assert response.status_code == 200
    assert response.json()["reference"] == ticket.reference


# --- claim and assign ------------------------------------------------------------------------------


def test_second_agent_cannot_claim_a_held_ticket(api_client, agent, other_agent, ticket):
    api_client.force_authenticate(agent)
    assert api_client.post(f"/api/v1/tickets/{ticket.reference}/claim/").status_code == 200
    api_client.force_authenticate(other_agent)
    assert api_client.post(f"/api/v1/tickets/{ticket.reference}/claim/").status_code == 409


def test_assign_to_unknown_user_is_a_400(as_agent, ticket):
    response = as_agent.post(f"/api/v1/tickets/{ticket.reference}/assign/", {"assignee": 999999})
    assert response.status_code == 400
    assert "assignee" in response.json()


def test_assign_outside_the_team_is_a_400(as_agent, ticket, outside_agent):
    response = as_agent.post(f"/api/v1/tickets/{ticket.reference}/assign/", {"assignee": outside_agent.pk})
    assert response.status_code == 400


# --- attachments ----------------------------------------------------------------------------------


def upload(client, ticket, name, content, content_type="application/octet-stream"):
    file = SimpleUploadedFile(name, content, content_type=content_type)
    return client.post(f"/api/v1/tickets/{ticket.reference}/attachments/", {"file": file}, format="multipart")


def test_png_upload_returns_its_sha256(as_customer, ticket):
    import hashlib

    content = png_bytes()
    response = upload(as_customer, ticket, "proof.png", content)
    assert response.status_code == 201
    assert response.json()["sha256"] == hashlib.sha256(content).hexdigest()


def test_upload_is_stored_under_a_random_name(as_customer, ticket):
    upload(as_customer, ticket, "proof.png", png_bytes())
    attachment = Attachment.objects.get()
    assert "proof" not in attachment.file.name
    assert attachment.file.name.endswith(".png")


def test_upload_type_is_decided_by_content_not_name(as_customer, ticket):
    response = upload(as_customer, ticket, "invoice.png", b"MZ\x90\x00\x03" + b"\x00" * 200, "image/png")
    assert response.status_code == 400
    assert "file" in response.json()


def test_eml_upload_is_accepted_as_rfc822(as_customer, ticket):
    eml = (
        b"From: scammer@evil.example\r\nTo: alice@example.com\r\nSubject: Verify your wallet\r\n\r\nSend us your seed."
    )
    response = upload(as_customer, ticket, "phish.eml", eml)
    assert response.json()["content_type"] == "message/rfc822"


def test_upload_over_the_size_limit_is_a_400(as_customer, ticket, settings):
    content = png_bytes()
    settings.ATTACHMENT_MAX_BYTES = len(content) - 1
    response = upload(as_customer, ticket, "big.png", content)
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_upload_named_with_a_path_is_a_400(as_customer, ticket):
    # Django's test client strips folders from file names, so the body is written by hand.
    boundary = "desk-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="../../x.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + png_bytes()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = as_customer.generic(
        "POST",
        f"/api/v1/tickets/{ticket.reference}/attachments/",
        body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_upload_without_a_file_is_a_400(as_customer, ticket):
    response = as_customer.post(f"/api/v1/tickets/{ticket.reference}/attachments/", {}, format="multipart")
    assert response.status_code == 400


def test_upload_records_an_event_with_the_hash(as_customer, ticket):
    sha256 = upload(as_customer, ticket, "proof.png", png_bytes()).json()["sha256"]
    event = ticket.events.get(kind=TicketEvent.Kind.ATTACHMENT_ADDED)
    assert event.data["sha256"] == sha256


def test_attachment_download_returns_the_same_bytes(as_customer, ticket):
    content = png_bytes()
    attachment = upload(as_customer, ticket, "proof.png", content).json()
    response = as_customer.get(attachment["url"])
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["X-Content-Type-Options"] == "nosniff"


# --- events, timeline, queue -------------------------------------------------------------------------


def test_events_list_kind_actor_data_at(as_agent, agent, ticket):
    as_agent.post(f"/api/v1/tickets/{ticket.reference}/claim/")
    event = as_agent.get(f"/api/v1/tickets/{ticket.reference}/events/").json()["results"][0]
    assert set(event) >= {"kind", "actor", "data", "at"}
    assert (event["kind"], event["actor"]["id"]) == ("assigned", agent.pk)


def test_customer_timeline_shows_status_changes_but_not_internal_notes(api_client, customer, agent, ticket):
    api_client.force_authenticate(agent)
    api_client.post(f"/api/v1/tickets/{ticket.reference}/messages/", {"body": "note", "internal": True})
    api_client.patch(f"/api/v1/tickets/{ticket.reference}/", {"status": "on_hold"})
    api_client.force_authenticate(customer)
    timeline = api_client.get(f"/api/v1/tickets/{ticket.reference}/").json()["timeline"]
    assert [entry["kind"] for entry in timeline] == ["status_changed"]


def test_queue_orders_tickets_without_a_due_time_by_age(as_agent, payments, category):
    # No SLA policy here, so no clock: the due time, which ranks urgent work first, is absent.
    old_normal = TicketFactory(category=category, priority="normal")
    urgent = TicketFactory(category=category, priority="urgent")
    new_normal = TicketFactory(category=category, priority="normal")
    references = [t["reference"] for t in as_agent.get("/api/v1/queue/").json()["results"]]
    assert references == [old_normal.reference, urgent.reference, new_normal.reference]


def test_queue_excludes_solved_and_closed_by_default(as_agent, category):
    TicketFactory(category=category, status=Ticket.Status.SOLVED)
    open_ticket = TicketFactory(category=category, status=Ticket.Status.OPEN)
    references = [t["reference"] for t in as_agent.get("/api/v1/queue/").json()["results"]]
    assert references == [open_ticket.reference]


def test_queue_filters_unassigned(as_agent, agent, category):
    TicketFactory(category=category, assignee=agent)
    free = TicketFactory(category=category)
    references = [t["reference"] for t in as_agent.get("/api/v1/queue/?assignee=none").json()["results"]]
    assert references == [free.reference]


def test_queue_filters_mine(as_agent, agent, category):
    mine = TicketFactory(category=category, assignee=agent)
    TicketFactory(category=category)
    references = [t["reference"] for t in as_agent.get("/api/v1/queue/?assignee=me").json()["results"]]
    assert references == [mine.reference]


def test_queue_cursor_walks_every_ticket_once(as_agent, category):
    tickets = {TicketFactory(category=category, priority=p).reference for p in ["low", "high", "normal"] * 4}
    seen, url = [], "/api/v1/queue/?page_size=5"
    while url:
        page = as_agent.get(url).json()
        seen += [t["reference"] for t in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(tickets)


@pytest.mark.parametrize("query", ["status=finished", "assignee=someone", "cursor=garbage", "priority=asap"])
def test_queue_bad_filters_are_4xx(as_agent, category, query):
    assert as_agent.get(f"/api/v1/queue/?{query}").status_code in (400, 404)


# --- query budgets ----------------------------------------------------------------------------------------


def count_queries(client, url):
    # A fresh user object per request, as in production (roles are cached on the instance).
    user = client.handler._force_user
    client.force_authenticate(type(user).objects.get(pk=user.pk))
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def test_queue_query_count_does_not_grow_with_page_size(as_agent, agent, category):
    for index in range(100):
        TicketFactory(category=category, assignee=agent if index % 2 else None)
    small = count_queries(as_agent, "/api/v1/queue/?page_size=10")
    large = count_queries(as_agent, "/api/v1/queue/?page_size=100")
    assert small == large


def test_ticket_list_query_count_does_not_grow_with_page_size(as_customer, customer, category):
    for _ in range(100):
        TicketFactory(category=category, requester=customer)
    assert count_queries(as_customer, "/api/v1/tickets/?page_size=10") == count_queries(
        as_customer, "/api/v1/tickets/?page_size=100"
    )


def test_ticket_detail_query_count_does_not_grow_with_messages(as_agent, agent, category):
    few = TicketFactory(category=category)
    many = TicketFactory(category=category)
    for ticket, count in ((few, 10), (many, 100)):
        for index in range(count):
            MessageFactory(ticket=ticket, author=agent if index % 2 else ticket.requester)
    count_queries(as_agent, f"/api/v1/tickets/{few.reference}/")  # the team's pace, then cached for a minute
    assert count_queries(as_agent, f"/api/v1/tickets/{few.reference}/") == count_queries(
        as_agent, f"/api/v1/tickets/{many.reference}/"
    )


def test_events_query_count_does_not_grow_with_page_size(as_agent, agent, ticket):
    from datetime import timedelta

    from django.utils import timezone

    from tickets import services

    now = timezone.now()
    for index in range(100):
        services.ticket_change_priority(
            ticket=ticket, actor=agent, priority=["high", "low"][index % 2], now=now + timedelta(seconds=index)
        )
    url = f"/api/v1/tickets/{ticket.reference}/events/"
    assert count_queries(as_agent, f"{url}?page_size=10") == count_queries(as_agent, f"{url}?page_size=100")
