"""Query budgets of the desk's API (STYLE.md rule 11): fixed counts that do not grow with the page,
and an unchanged queue poll that costs only its authentication."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tokens import token_issue
from tests.factories import TicketFactory
from tickets import services

# The role (auth groups), the page (values, team and category joined), its people (requesters and
# assignees with the customer tier), the SLA clocks with their policies' names.
QUEUE_QUERIES = 4
# Role, ticket (joined: category, team, assignee, requester and profile, duplicate, satisfaction),
# messages, attachments, events, clocks; the queue position and the team's pace; the panel's
# other tickets (10 at most, one query, with their addresses); the access log's upsert (issue 12,
# item 6: one INSERT … ON CONFLICT DO UPDATE per read).
STAFF_DETAIL_QUERIES = 10


def fresh(client, user):
    # A fresh user object per request, as in production (the role is cached on the instance).
    client.force_authenticate(type(user).objects.get(pk=user.pk))


def queries(client, url, **headers):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **headers)
    return response, len(context.captured_queries)


@pytest.fixture
def busy_queue(customer, category, sla_policy, agent, other_agent):
    """110 open tickets: 10 filed through the service (SLA clocks), some claimed, a possible
    duplicate, and 100 factory rows (a third each unassigned, the agent's, another agent's)."""
    for index in range(100):
        TicketFactory(
            category=category,
            txid=f"{index + 100:064x}",
            assignee=[None, agent, other_agent][index % 3],
            sla_breached=index % 4 == 0,
            sla_due_at=timezone.now() + timedelta(minutes=index - 50),
        )
    for index in range(10):
        ticket = services.ticket_create(
            requester=customer,
            category=category,
            subject=f"Withdrawal {index}",
            body="Help",
            fields=services.TicketFields(asset="USDT", network="tron", amount=index + 1, txid=f"{index:064x}"),
            now=timezone.now(),
        )
        if index % 3 == 0:
            services.ticket_claim(ticket=ticket, agent=other_agent, now=timezone.now())
    TicketFactory(category=category, possible_duplicate_of=ticket)


@pytest.mark.parametrize("page_size", [25, 100])
def test_queue_costs_the_same_queries_for_25_and_100_rows(api_client, agent, busy_queue, page_size):
    fresh(api_client, agent)
    response, count = queries(api_client, f"/api/v1/queue/?page_size={page_size}")
    assert response.status_code == 200 and len(response.json()["results"]) == page_size
    assert count == QUEUE_QUERIES


@pytest.mark.parametrize(
    "view",
    ["assignee=me&status=new,open,on_hold,pending_customer", "assignee=none", "breached=true", "due_within=60"],
)
def test_builtin_views_cost_the_queue_queries(api_client, agent, busy_queue, view):
    fresh(api_client, agent)
    response, count = queries(api_client, f"/api/v1/queue/?page_size=100&{view}")
    assert response.status_code == 200 and response.json()["results"]
    assert count == QUEUE_QUERIES


def test_queue_search_adds_two_queries(api_client, agent, busy_queue):
    # The requesters with that e-mail or UID, and whether any identifier matches.
    fresh(api_client, agent)
    response, count = queries(api_client, f"/api/v1/queue/?q={7:064x}")
    assert len(response.json()["results"]) == 1
    assert count == QUEUE_QUERIES + 2


def test_staff_ticket_detail_with_the_customer_panel_has_a_fixed_count(api_client, agent, customer, category):
    for _index in range(15):
        TicketFactory(category=category, requester=customer)
    ticket = TicketFactory(category=category, requester=customer)
    fresh(api_client, agent)
    response, count = queries(api_client, f"/api/v1/tickets/{ticket.reference}/")
    assert len(response.json()["customer"]["other_tickets"]) == 10
    assert count == STAFF_DETAIL_QUERIES


def test_unchanged_poll_with_a_session_costs_two_queries(agent, busy_queue):
    client = APIClient()
    client.force_login(agent)
    etag = client.get("/api/v1/queue/")["ETag"]
    response, count = queries(client, "/api/v1/queue/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert count <= 2  # the session, the user (with the customer profile the language middleware reads)


def test_unchanged_poll_with_a_token_costs_one_query(agent, busy_queue):
    client = APIClient()
    token = token_issue(user=agent, now=timezone.now())
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    etag = client.get("/api/v1/queue/")["ETag"]
    response, count = queries(client, "/api/v1/queue/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert count <= 2
    assert count == 1  # the token with its user


# The ticket workspace on opening (desk/static/desk/ticket.js): the page itself, with the read-only
# reference data for its controls embedded (desk.bootstrap: macros, teams, agents with their
# groups and teams, categories), then its two API calls: the ticket's detail and its events.
WORKSPACE_PAGE_QUERIES = 9  # the session, the user, the role, then the 6 of the reference data
WORKSPACE_API_QUERIES = 12  # detail 8 (STAFF_DETAIL_QUERIES without the queue place), events 4
WORKSPACE_API_BUDGET = 12  # issue 9


def test_ticket_workspace_opens_within_its_query_budget(agent, customer, category, sla_policy, macro_set):
    ticket = services.ticket_create(
        requester=customer,
        category=category,
        subject="Withdrawal",
        body="Help",
        fields=services.TicketFields(asset="USDT", network="tron", amount=5, txid=f"{1:064x}"),
        now=timezone.now(),
    )
    services.message_add(ticket=ticket, author=agent, body="Looking", now=timezone.now())  # answered: open
    browser = APIClient()
    browser.force_login(agent)
    page, page_queries = queries(browser, f"/desk/tickets/{ticket.reference}/")
    assert page.status_code == 200 and b"desk-reference-data" in page.content
    api_queries = 0
    for url in (f"/api/v1/tickets/{ticket.reference}/", f"/api/v1/tickets/{ticket.reference}/events/?page_size=100"):
        client = APIClient()
        fresh(client, agent)
        response, count = queries(client, url)
        assert response.status_code == 200
        api_queries += count
    assert page_queries == WORKSPACE_PAGE_QUERIES
    assert api_queries == WORKSPACE_API_QUERIES <= WORKSPACE_API_BUDGET


@pytest.fixture
def macro_set(payments, other_agent):
    from tests.factories import MacroFactory

    for team in (payments, None, payments):
        MacroFactory(team=team)
