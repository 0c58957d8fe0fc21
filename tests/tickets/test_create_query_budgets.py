"""Query budgets of filing a ticket and of the customer's first look at it (STYLE.md rule 11): fixed
counts, whatever the size of the tickets table (bench/queue_and_create.py measures them at 1M)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.backends import load_user
from notifications.models import OutboxMessage, WebhookDelivery, WebhookEndpoint
from tests.factories import TicketFactory
from tickets.models import Ticket

# POST tickets/ by a customer (authenticated as in production: the user with the profile, so the
# tier, and the role in one statement, accounts.backends.load_user), the SLA configuration and the
# active categories already loaded: the ticket, its first message, its `created` event, its two
# SLA clocks (one INSERT), the queue position (one bounded index range), the outbox row; a
# savepoint and its release (the service's atomic block inside the test's transaction; BEGIN and
# COMMIT in production). The team's pace (first answers in 24 h) is counted once a minute.
CREATE_QUERIES = 8
TEAM_PACE_QUERIES = 1
# First use of the active categories in a process, and after a category or team changed
# (tickets.categories): the categories with their teams.
CATEGORIES_QUERIES = 1
# First use of the SLA configuration in a process, and after each change (sla.config_cache): the
# policies with their categories, targets, calendar intervals and holidays; the ladders with steps.
SLA_SNAPSHOT_QUERIES = 7
# First use of the webhook subscriptions in a process, and after an endpoint changed
# (notifications.webhooks): the active endpoints and their event types.
WEBHOOK_SUBSCRIPTIONS_QUERIES = 1
# First use of the active incidents in a process, and after an incident changed (incidents.snapshot):
# the incidents (with none active, their categories and updates are not asked for).
INCIDENTS_SNAPSHOT_QUERIES = 1
# An endpoint subscribed to ticket.created: its delivery row, one INSERT (several endpoints: still one).
WEBHOOK_DELIVERY_QUERIES = 1
# GET tickets/{reference}/ by its customer: the ticket (joined), messages, attachments, events,
# clocks, the queue position.
FIRST_VIEW_QUERIES = 6


def payload(**overrides):
    return {"category": "other", "subject": "Where is my deposit?", "body": "Sent an hour ago.", **overrides}


def fresh(client, user):
    # A fresh user object per request, loaded as the authentication loads it (the role is cached
    # on the instance); not counted, as the authentication's statement is not.
    client.force_authenticate(load_user(user.pk))


def post_ticket(client, user, **overrides):
    fresh(client, user)
    with CaptureQueriesContext(connection) as context:
        response = client.post("/api/v1/tickets/", payload(**overrides), format="json")
    assert response.status_code == 201, response.content
    return response, len(context.captured_queries)


def get_ticket(client, user, reference):
    fresh(client, user)
    with CaptureQueriesContext(connection) as context:
        response = client.get(f"/api/v1/tickets/{reference}/")
    assert response.status_code == 200
    return response, len(context.captured_queries)


@pytest.fixture
def filing(api_client, customer, other_category, sla_policy):
    """The SLA configuration loaded and the team's pace counted, as in a running server."""
    post_ticket(api_client, customer)
    return api_client


def test_filing_a_ticket_costs_a_fixed_number_of_queries(filing, customer):
    _, count = post_ticket(filing, customer)
    assert count == CREATE_QUERIES


def test_filing_behind_many_tickets_costs_the_same_queries(filing, customer, other_category):
    for _ in range(30):
        TicketFactory(category=other_category, sla_due_at=timezone.now())
    _, count = post_ticket(filing, customer)
    assert count == CREATE_QUERIES


def test_first_filing_in_a_process_loads_the_sla_configuration_once(api_client, customer, other_category, sla_policy):
    _, first = post_ticket(api_client, customer)
    _, second = post_ticket(api_client, customer)
    assert (first, second) == (
        CREATE_QUERIES
        + TEAM_PACE_QUERIES
        + SLA_SNAPSHOT_QUERIES
        + WEBHOOK_SUBSCRIPTIONS_QUERIES
        + CATEGORIES_QUERIES
        + INCIDENTS_SNAPSHOT_QUERIES,
        CREATE_QUERIES,
    )


def test_filing_costs_one_insert_more_when_endpoints_subscribe_to_ticket_created(filing, customer):
    for name in ("exchange", "audit"):
        WebhookEndpoint.objects.create(name=name, url=f"https://{name}.example/hooks", event_types=["ticket.created"])
    post_ticket(filing, customer)  # the subscriptions reloaded once after the change
    _, count = post_ticket(filing, customer)
    assert count == CREATE_QUERIES + WEBHOOK_DELIVERY_QUERIES
    assert WebhookDelivery.objects.filter(event="ticket.created").count() == 4


def test_filing_costs_nothing_more_when_no_endpoint_subscribes_to_ticket_created(filing, customer):
    WebhookEndpoint.objects.create(name="sla", url="https://sla.example/hooks", event_types=["ticket.sla_breached"])
    WebhookEndpoint.objects.create(
        name="off", url="https://off.example/hooks", event_types=["ticket.created"], is_active=False
    )
    post_ticket(filing, customer)
    _, count = post_ticket(filing, customer)
    assert count == CREATE_QUERIES
    assert not WebhookDelivery.objects.exists()


def test_a_policy_change_reloads_the_configuration_once(filing, customer, sla_policy):
    target = sla_policy.targets.get(metric="first_response", priority="normal")
    target.minutes = 30
    target.save()
    _, after_change = post_ticket(filing, customer)
    _, again = post_ticket(filing, customer)
    assert (after_change, again) == (CREATE_QUERIES + SLA_SNAPSHOT_QUERIES, CREATE_QUERIES)


def test_a_policy_change_applies_to_the_next_ticket(filing, customer, sla_policy):
    target = sla_policy.targets.get(metric="first_response", priority="normal")
    target.minutes = 30
    target.save()
    response, _ = post_ticket(filing, customer)
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert ticket.sla_due_at == ticket.created_at + timedelta(minutes=30)


def test_the_answer_is_the_ticket_as_its_detail_shows_it(filing, customer):
    created, _ = post_ticket(filing, customer)
    shown, _ = get_ticket(filing, customer, created.json()["reference"])
    assert created.json() == shown.json()


def test_customer_first_view_costs_a_fixed_number_of_queries(filing, customer):
    created, _ = post_ticket(filing, customer)
    _, count = get_ticket(filing, customer, created.json()["reference"])
    assert count == FIRST_VIEW_QUERIES


def test_first_view_far_back_in_the_queue_estimates_without_another_statement(
    filing, customer, other_category, settings
):
    settings.QUEUE_POSITION_EXACT_UP_TO = 3
    for _ in range(5):
        TicketFactory(category=other_category, sla_due_at=timezone.now())  # due before the new one
    created, _ = post_ticket(filing, customer)
    response, count = get_ticket(filing, customer, created.json()["reference"])
    # The estimate's one more index entry (the head of the team's queue) is read by the same statement.
    assert count == FIRST_VIEW_QUERIES
    queue = response.json()["queue"]
    assert queue["position_exact"] is False
    assert isinstance(queue["position"], int) and queue["position"] > 3


def test_the_acknowledgement_is_rendered_when_sent_not_when_filed(filing, customer, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False):
        created, _ = post_ticket(filing, customer)
    row = OutboxMessage.objects.get(ticket_reference=created.json()["reference"], purpose="ticket_created")
    assert "text" not in row.payload and "html" not in row.payload
    assert row.payload["context"]["ticket"]["reference"] == created.json()["reference"]
