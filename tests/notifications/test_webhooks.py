"""Webhook endpoints and deliveries (notifications.webhooks): the contract's signature checked by a
real HTTP receiver on loopback, retries with backoff, replay, and the ticket events."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest import mock

import pytest
from django.contrib.admin.sites import site
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from notifications import webhooks
from notifications.admin import WebhookDeliveryAdmin
from notifications.models import WebhookDelivery, WebhookEndpoint
from tickets import services

pytestmark = pytest.mark.django_db(transaction=False)


class Receiver:
    """A tiny HTTP server that checks each delivery the way an integration should: the HMAC of
    `<timestamp>.<body>` with the shared secret, duplicates dropped by X-Desk-Delivery."""

    def __init__(self, secret: str, statuses: list[int] | None = None) -> None:
        self.secret = secret
        self.statuses = list(statuses or [])
        self.received: list[dict] = []
        self.seen: set[str] = set()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-Desk-Timestamp"]
                expected = hmac.new(receiver.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
                delivery = self.headers["X-Desk-Delivery"]
                receiver.received.append(
                    {
                        "valid": hmac.compare_digest(
                            self.headers["X-Desk-Signature"], f"sha256={expected.hexdigest()}"
                        ),
                        "delivery": delivery,
                        "duplicate": delivery in receiver.seen,
                        "body": json.loads(body),
                    }
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 204
                if status < 300:
                    receiver.seen.add(delivery)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def endpoint_for(url, events=("ticket.created",), **fields):
    return WebhookEndpoint.objects.create(
        name=fields.pop("name", "exchange"), url=url, event_types=list(events), **fields
    )


def create_ticket(customer, category, now):
    return services.ticket_create(
        requester=customer,
        category=category,
        subject="Deposit missing",
        body="Where is it? my e-mail is alice@example.com",
        fields=services.TicketFields(asset="USDT", amount=Decimal("5")),
        now=now,
    )


def test_delivery_is_signed_as_the_contract_says_and_checked_by_a_receiver(customer, category, now):
    with Receiver(secret="") as receiver:
        endpoint = endpoint_for(receiver.url)
        receiver.secret = endpoint.secret
        ticket = create_ticket(customer, category, now)
        delivery = WebhookDelivery.objects.get()
        assert webhooks.webhook_deliver(delivery_id=delivery.pk, now=now) is True
    [received] = receiver.received
    assert received["valid"] is True
    assert received["delivery"] == str(delivery.delivery_id)
    assert received["body"]["event"] == "ticket.created"
    assert received["body"]["data"]["ticket"]["reference"] == ticket.reference
    delivery.refresh_from_db()
    assert (delivery.status, delivery.status_code, delivery.attempts) == (WebhookDelivery.Status.DELIVERED, 204, 1)


def test_body_carries_no_customer_text_or_identity(customer, category, now):
    endpoint_for("https://exchange.example/hooks")
    create_ticket(customer, category, now)
    body = json.dumps(WebhookDelivery.objects.get().body)
    for private in ("Deposit missing", "Where is it", customer.email, customer.username):
        assert private not in body


def test_a_5xx_is_retried_with_exponential_backoff_until_a_2xx(customer, category, now):
    with Receiver(secret="", statuses=[503, 500]) as receiver:
        endpoint = endpoint_for(receiver.url)
        receiver.secret = endpoint.secret
        create_ticket(customer, category, now)
        delivery = WebhookDelivery.objects.get()
        assert webhooks.webhook_deliver(delivery_id=delivery.pk, now=now) is False
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.status_code) == ("pending", 1, 503)
        assert delivery.next_attempt_at == now + timedelta(seconds=30)
        assert webhooks.webhook_drain(now=now + timedelta(seconds=29)) == 0
        assert webhooks.webhook_drain(now=now + timedelta(seconds=30)) == 0  # the 500
        delivery.refresh_from_db()
        assert delivery.next_attempt_at == now + timedelta(seconds=30) + timedelta(seconds=60)
        assert webhooks.webhook_drain(now=now + timedelta(seconds=90)) == 1
    assert [item["delivery"] for item in receiver.received] == [str(delivery.delivery_id)] * 3
    assert all(item["valid"] for item in receiver.received)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 3, "")


def test_delivery_is_marked_failed_after_the_last_attempt(customer, category, now):
    endpoint_for("http://127.0.0.1:9/unreachable")
    create_ticket(customer, category, now)
    delivery = WebhookDelivery.objects.get()
    for attempt in range(webhooks.MAX_ATTEMPTS):
        webhooks.webhook_deliver(delivery_id=delivery.pk, now=now + timedelta(days=attempt))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.FAILED, webhooks.MAX_ATTEMPTS)
    assert "ConnectionError" in delivery.last_error


def test_replay_from_the_admin_keeps_the_delivery_id_so_the_receiver_drops_it(customer, category, now, admin_user):
    with Receiver(secret="") as receiver:
        endpoint = endpoint_for(receiver.url)
        receiver.secret = endpoint.secret
        create_ticket(customer, category, now)
        original = WebhookDelivery.objects.get()
        webhooks.webhook_deliver(delivery_id=original.pk, now=now)
        request = RequestFactory().post("/admin/")
        request.user = admin_user
        request._messages = _NoMessages()
        WebhookDeliveryAdmin(WebhookDelivery, site).replay(request, WebhookDelivery.objects.filter(pk=original.pk))
        replay = WebhookDelivery.objects.exclude(pk=original.pk).get()
        assert (replay.delivery_id, replay.replay_of, replay.body) == (original.delivery_id, original, original.body)
        assert webhooks.webhook_deliver(delivery_id=replay.pk, now=now + timedelta(minutes=5)) is True
    assert [(item["delivery"], item["duplicate"], item["valid"]) for item in receiver.received] == [
        (str(original.delivery_id), False, True),
        (str(original.delivery_id), True, True),
    ]


class _NoMessages:
    def add(self, *args, **kwargs):
        pass


def test_nothing_is_queued_when_the_transaction_rolls_back(customer, category, now):
    endpoint_for("https://exchange.example/hooks")
    with pytest.raises(RuntimeError), transaction.atomic():
        create_ticket(customer, category, now)
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("rolled back")
    assert not WebhookDelivery.objects.exists()


def test_deliveries_are_posted_only_after_commit(customer, category, now, django_capture_on_commit_callbacks):
    endpoint_for("https://exchange.example/hooks")
    with (
        mock.patch("notifications.tasks.webhook_deliver_task.delay") as deliver,
        django_capture_on_commit_callbacks(execute=True),
    ):
        create_ticket(customer, category, now)
        assert not deliver.called
    deliver.assert_called_once_with([str(WebhookDelivery.objects.get().pk)])


def test_inactive_endpoint_gets_nothing(customer, category, now):
    endpoint_for("https://exchange.example/hooks", is_active=False)
    create_ticket(customer, category, now)
    assert not WebhookDelivery.objects.exists()


def test_an_endpoint_saved_later_is_seen_at_once(customer, category, now):
    endpoint = endpoint_for("https://exchange.example/hooks", events=())
    create_ticket(customer, category, now)
    endpoint.event_types = ["ticket.created"]
    endpoint.save()
    create_ticket(customer, category, now)
    assert WebhookDelivery.objects.count() == 1


@pytest.mark.parametrize(
    "event, act",
    [
        ("ticket.created", lambda ticket, agent, now: None),
        (
            "ticket.status_changed",
            lambda ticket, agent, now: services.ticket_change_status(
                ticket=ticket, actor=agent, status="on_hold", now=now
            ),
        ),
        ("ticket.assigned", lambda ticket, agent, now: services.ticket_claim(ticket=ticket, agent=agent, now=now)),
    ],
    ids=["created", "status_changed", "assigned"],
)
def test_each_ticket_event_reaches_its_subscribers(event, act, customer, category, agent, now):
    endpoint_for("https://exchange.example/hooks", events=[event])
    ticket = create_ticket(customer, category, now)
    act(ticket, agent, now)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.reference, delivery.body["event"]) == (event, ticket.reference, event)
    assert delivery.body["data"]["ticket"]["reference"] == ticket.reference


def test_status_change_says_the_previous_status(customer, category, agent, now):
    endpoint_for("https://exchange.example/hooks", events=["ticket.status_changed"])
    ticket = create_ticket(customer, category, now)
    services.ticket_change_status(ticket=ticket, actor=agent, status="on_hold", now=now)
    data = WebhookDelivery.objects.get().body["data"]
    assert (data["previous_status"], data["ticket"]["status"]) == ("new", "on_hold")


def test_assignment_by_a_lead_says_who_and_that_it_was_no_claim(customer, category, agent, lead, now):
    endpoint_for("https://exchange.example/hooks", events=["ticket.assigned"])
    ticket = create_ticket(customer, category, now)
    services.ticket_assign(ticket=ticket, actor=lead, assignee=agent, now=now)
    data = WebhookDelivery.objects.get().body["data"]
    assert (data["ticket"]["assignee"], data["claimed"], data["previous_assignee"]) == (agent.pk, False, None)


def test_the_secret_is_generated_and_never_in_a_delivery_row(customer, category, now):
    endpoint = endpoint_for("https://exchange.example/hooks")
    create_ticket(customer, category, now)
    assert len(endpoint.secret) >= 40
    assert endpoint.secret not in json.dumps(WebhookDelivery.objects.values().get(), default=str)


def test_a_delivery_late_in_a_long_drain_is_leased_from_its_own_claim(customer, category, now, monkeypatch):
    """The drain passes one `now` to every POST; each POST here takes longer than a lease. Every
    delivery must still be leased while it is posted, or another worker could post it again."""
    for name in ("first", "second", "third"):
        endpoint_for("https://exchange.example/hooks", name=name)
    create_ticket(customer, category, now)
    clock = {"now": now}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    leased_while_posted = []

    def slow_post(url, body, headers):
        row = WebhookDelivery.objects.get(delivery_id=headers["X-Desk-Delivery"])
        leased_while_posted.append(row.locked_until > clock["now"])
        clock["now"] += webhooks.LEASE + timedelta(seconds=1)
        return mock.Mock(status_code=204)

    monkeypatch.setattr(webhooks, "_post", slow_post)
    assert webhooks.webhook_drain(now=now) == 3
    assert leased_while_posted == [True, True, True]
