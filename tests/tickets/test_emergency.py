"""The emergency path (issue 12, item 4): "my account is compromised" makes an urgent security
ticket and a signed account.freeze_requested webhook; from the no-login path unverified until the
e-mailed link is used, then again verified; throttled, and never telling whether an address has
an account."""

import pytest
from django.core import mail
from rest_framework.settings import api_settings

from notifications import webhooks
from notifications.models import WebhookDelivery
from support_desk.throttling import EmergencyEmailThrottle, EmergencyIpThrottle
from tests.factories import CategoryFactory
from tests.notifications.test_webhooks import Receiver, endpoint_for
from tests.tickets.test_guest import as_guest, mailed_secret
from tickets import emergency
from tickets.models import Priority, Ticket, TicketEvent

FREEZE = "account.freeze_requested"
GUEST_URL = "/api/v1/guest/account-compromised/"


@pytest.fixture
def compromised(security):
    return CategoryFactory(code="account_compromised", default_team=security, default_priority=Priority.URGENT)


@pytest.fixture
def subscribed(compromised):
    return endpoint_for("http://127.0.0.1:9/hooks", events=(FREEZE,))  # refused at once: no DNS


@pytest.fixture
def report_as_guest(api_client, compromised, django_capture_on_commit_callbacks):
    def report(email="victim@example.com", **extra):
        with django_capture_on_commit_callbacks(execute=True):
            response = api_client.post(GUEST_URL, {"email": email, **extra}, format="json")
        return response

    return report


def freeze_bodies():
    return [row.body for row in WebhookDelivery.objects.filter(event=FREEZE).order_by("created_at", "pk")]


def test_the_freeze_event_is_offered_to_webhook_endpoints():
    assert FREEZE in dict(webhooks.webhook_event_choices())


def test_logged_in_report_makes_an_urgent_security_ticket(api_client, customer, compromised, subscribed):
    api_client.force_authenticate(customer)
    response = api_client.post("/api/v1/account-compromised/", {"details": "Someone withdrew my BTC"}, format="json")

    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert (ticket.priority, ticket.team.code, ticket.category.code) == ("urgent", "security", "account_compromised")
    assert ticket.requester == customer
    assert response.json()["next_steps"]


def test_logged_in_report_sends_a_verified_freeze_request_at_once(api_client, customer, compromised, subscribed):
    customer.customer_profile.exchange_uid = "UID-778"
    customer.customer_profile.save()
    api_client.force_authenticate(customer)
    reference = api_client.post("/api/v1/account-compromised/", {}, format="json").json()["reference"]

    [body] = freeze_bodies()
    assert body["event"] == FREEZE
    assert body["data"]["identity_verified"] is True
    assert body["data"]["verified_by"] == "login"
    assert body["data"]["account"] == {"email": customer.email, "customer_id": customer.pk, "exchange_uid": "UID-778"}
    assert body["data"]["ticket"]["reference"] == reference


def test_staff_cannot_use_the_customer_emergency_endpoint(api_client, agent, compromised):
    api_client.force_authenticate(agent)
    assert api_client.post("/api/v1/account-compromised/", {}, format="json").status_code == 403


def test_anonymous_caller_of_the_logged_in_endpoint_gets_401(api_client, compromised):
    assert api_client.post("/api/v1/account-compromised/", {}, format="json").status_code == 401


def test_no_login_report_sends_an_unverified_freeze_request(report_as_guest, customer, subscribed):
    response = report_as_guest(email=customer.email)

    assert response.status_code == 202
    assert response.json()["identity_verified"] is False
    [body] = freeze_bodies()
    assert body["data"]["identity_verified"] is False
    assert body["data"]["verified_by"] is None
    assert body["data"]["account"]["email"] == customer.email
    assert body["data"]["account"]["customer_id"] == customer.pk
    ticket = Ticket.objects.get(reference=body["data"]["ticket"]["reference"])
    assert (ticket.priority, ticket.team.code, ticket.channel) == ("urgent", "security", "guest")
    assert ticket.requester != customer  # a guest identity until the mailbox is proven


def test_no_login_report_is_verified_when_its_mailed_link_is_first_used(
    api_client, report_as_guest, customer, subscribed
):
    report_as_guest(email=customer.email)
    secret = mailed_secret(mail.outbox[-1])

    assert as_guest(api_client, secret).get("/api/v1/guest/session/").status_code == 200
    assert as_guest(api_client, secret).get("/api/v1/guest/session/").status_code == 200  # second use: nothing more

    unverified, verified = freeze_bodies()
    assert (unverified["data"]["identity_verified"], verified["data"]["identity_verified"]) == (False, True)
    assert verified["data"]["verified_by"] == "mailbox_link"
    assert verified["data"]["ticket"]["reference"] == unverified["data"]["ticket"]["reference"]
    assert verified["data"]["account"]["customer_id"] == customer.pk
    assert verified["id"] != unverified["id"]
    kinds = TicketEvent.objects.filter(kind=TicketEvent.Kind.FREEZE_REQUESTED).values_list("data", flat=True)
    assert [data["identity_verified"] for data in kinds] == [False, True]


def test_a_reissued_link_does_not_send_the_verified_request_twice(api_client, report_as_guest, subscribed, now):
    report_as_guest()
    as_guest(api_client, mailed_secret(mail.outbox[-1])).get("/api/v1/guest/session/")
    ticket = Ticket.objects.get()

    assert emergency.account_compromise_identity_verified(ticket=ticket, email="victim@example.com", now=now) is False
    assert len(freeze_bodies()) == 2


def test_an_ordinary_guest_ticket_link_sends_no_freeze_request(
    api_client, category, subscribed, django_capture_on_commit_callbacks
):
    from tests.tickets.test_guest import guest_payload

    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/v1/guest/tickets/", guest_payload(), format="json")
    as_guest(api_client, mailed_secret(mail.outbox[-1])).get("/api/v1/guest/session/")
    assert freeze_bodies() == []


def test_both_freeze_requests_are_signed_and_checked_by_a_receiver(api_client, compromised, now, report_as_guest):
    with Receiver(secret="") as receiver:
        endpoint = endpoint_for(receiver.url, events=(FREEZE,))
        receiver.secret = endpoint.secret
        report_as_guest()
        as_guest(api_client, mailed_secret(mail.outbox[-1])).get("/api/v1/guest/session/")
        for delivery in WebhookDelivery.objects.filter(event=FREEZE).order_by("created_at", "pk"):
            webhooks.webhook_deliver(delivery_id=delivery.pk, now=now)

    assert [item["valid"] for item in receiver.received] == [True, True]
    assert [item["body"]["data"]["identity_verified"] for item in receiver.received] == [False, True]
    assert len({item["delivery"] for item in receiver.received}) == 2


def test_no_login_answer_is_the_same_whether_or_not_the_address_has_an_account(report_as_guest, customer):
    known = report_as_guest(email=customer.email)
    unknown = report_as_guest(email="nobody@example.com")

    assert (known.status_code, known.json()) == (unknown.status_code, unknown.json())
    assert len(mail.outbox) == 2  # each address gets its e-mail; the answer says nothing more


def test_no_login_report_mails_what_was_done_and_the_confirming_link(report_as_guest):
    report_as_guest(email="victim@example.com")

    [message] = mail.outbox
    assert message.to == ["victim@example.com"]
    assert "/guest/#k=" in message.body
    assert "Do not share any code" in message.body


def test_no_login_report_in_chinese_is_answered_in_chinese(api_client, compromised):
    response = api_client.post(
        GUEST_URL, {"email": "victim@example.com"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 202
    assert Ticket.objects.get().language == "zh-hans"


def test_no_login_reports_are_throttled_per_address(report_as_guest):
    EmergencyEmailThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "emergency_email": "2/hour"}
    try:
        codes = [report_as_guest(email="victim@example.com").status_code for _ in range(3)]
    finally:
        EmergencyEmailThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [202, 202, 429]
    assert Ticket.objects.count() == 2


def test_no_login_reports_are_throttled_per_client(report_as_guest):
    EmergencyIpThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "emergency_ip": "2/hour"}
    try:
        codes = [report_as_guest(email=f"victim{n}@example.com").status_code for n in range(3)]
    finally:
        EmergencyIpThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert codes == [202, 202, 429]


def test_no_login_report_needs_a_valid_address(report_as_guest):
    response = report_as_guest(email="not-an-email")
    assert response.status_code == 400
    assert "email" in response.json()


def test_report_is_urgent_for_security_even_when_the_category_says_otherwise(customer, general, security, now):
    CategoryFactory(code="account_compromised", default_team=general, default_priority=Priority.NORMAL)

    ticket = emergency.account_compromise_report(customer=customer, language="en", now=now)

    assert (ticket.priority, ticket.team.code) == ("urgent", "security")


def test_report_without_subscribers_still_records_the_request(customer, compromised, now):
    ticket = emergency.account_compromise_report(customer=customer, language="en", now=now)

    event = TicketEvent.objects.get(ticket=ticket, kind=TicketEvent.Kind.FREEZE_REQUESTED)
    assert event.data == {"source": "portal", "identity_verified": True, "deliveries": 0}
