"""The staff access log (issue 12, item 6): each staff read of a ticket's detail is counted in one
row per staff member, ticket and hour; leads and admins review it per ticket and per agent."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import AgentFactory, TicketFactory
from tickets import access_log, privacy
from tickets.models import Ticket, TicketAccess

REASON = "Customer asked to confirm the e-mail on file"


def _url(ticket: Ticket, suffix: str = "") -> str:
    return f"/api/v1/tickets/{ticket.reference}/{suffix}"


def test_a_staff_open_of_the_detail_writes_an_access_row(api_client, agent, ticket):
    api_client.force_authenticate(agent)

    api_client.get(_url(ticket))

    row = TicketAccess.objects.get()
    assert (row.staff, row.ticket, row.count) == (agent, ticket, 1)
    assert row.first_at == row.last_at


def test_opens_in_the_same_hour_are_counted_in_one_row(api_client, agent, ticket):
    api_client.force_authenticate(agent)

    for _open in range(3):
        api_client.get(_url(ticket))

    assert list(TicketAccess.objects.values_list("count", flat=True)) == [3]


def test_opens_in_another_hour_get_a_row_of_their_own(agent, ticket, now):
    access_log.ticket_access_record(ticket_id=ticket.pk, staff_id=agent.pk, now=now)
    access_log.ticket_access_record(ticket_id=ticket.pk, staff_id=agent.pk, now=now + timedelta(minutes=59))
    access_log.ticket_access_record(ticket_id=ticket.pk, staff_id=agent.pk, now=now + timedelta(hours=1))

    rows = list(TicketAccess.objects.order_by("hour").values_list("hour", "count", "first_at", "last_at"))
    assert rows == [
        (now, 2, now, now + timedelta(minutes=59)),
        (now + timedelta(hours=1), 1, *[now + timedelta(hours=1)] * 2),
    ]


def test_recording_an_open_is_one_statement(agent, ticket, now, django_assert_num_queries):
    access_log.ticket_access_record(ticket_id=ticket.pk, staff_id=agent.pk, now=now)
    with django_assert_num_queries(1):
        access_log.ticket_access_record(ticket_id=ticket.pk, staff_id=agent.pk, now=now)


def test_a_customers_open_is_not_logged(api_client, customer, ticket):
    api_client.force_authenticate(customer)

    api_client.get(_url(ticket))

    assert not TicketAccess.objects.exists()


def test_a_staff_write_is_not_counted_as_an_open(api_client, agent, ticket):
    api_client.force_authenticate(agent)

    api_client.post(_url(ticket, "claim/"))

    assert not TicketAccess.objects.exists()


# --- per ticket -------------------------------------------------------------------------------------


def test_the_lead_sees_who_opened_the_ticket_and_who_revealed_what(api_client, agent, other_agent, lead, ticket):
    for staff in (agent, agent, other_agent):
        api_client.force_authenticate(staff)
        api_client.get(_url(ticket))
    privacy.customer_data_reveal(ticket=ticket, actor=agent, reason=REASON, fields=["email"], now=timezone.now())
    api_client.force_authenticate(lead)

    response = api_client.get(_url(ticket, "access/"))

    assert response.status_code == 200
    opens = {row["staff"]["username"]: row["reads"] for row in response.json()["opens"]}
    assert opens == {"agent1": 2, "agent2": 1}
    [reveal] = response.json()["reveals"]
    assert (reveal["actor"]["username"], reveal["fields"], reveal["reason"]) == ("agent1", ["email"], REASON)


def test_reading_a_tickets_access_log_is_not_an_open(api_client, lead, ticket):
    api_client.force_authenticate(lead)

    response = api_client.get(_url(ticket, "access/"))

    assert response.json() == {"opens": [], "reveals": []}


def test_an_agent_of_the_team_may_not_read_the_tickets_access_log(api_client, agent, ticket):
    api_client.force_authenticate(agent)

    assert api_client.get(_url(ticket, "access/")).status_code == 403


def test_the_customer_gets_not_found_for_the_tickets_access_log(api_client, customer, ticket):
    api_client.force_authenticate(customer)

    assert api_client.get(_url(ticket, "access/")).status_code == 404


# --- per agent --------------------------------------------------------------------------------------


@pytest.fixture
def agents_reads(agent, other_agent, category, now):
    """agent1 read three tickets (the last one twice, an hour apart), agent2 one."""
    tickets = [TicketFactory(category=category) for _index in range(3)]
    for index, ticket in enumerate(tickets):
        access_log.ticket_access_record(ticket_id=ticket.pk, staff_id=agent.pk, now=now + timedelta(hours=index))
    access_log.ticket_access_record(ticket_id=tickets[2].pk, staff_id=agent.pk, now=now + timedelta(hours=3))
    access_log.ticket_access_record(ticket_id=tickets[0].pk, staff_id=other_agent.pk, now=now)
    return tickets


def test_the_lead_reads_one_agents_opens_newest_first(api_client, lead, agent, agents_reads, now):
    api_client.force_authenticate(lead)

    response = api_client.get(f"/api/v1/staff-access/?agent={agent.pk}")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["ticket"]["reference"] for row in rows] == [agents_reads[i].reference for i in (2, 2, 1, 0)]
    assert {row["staff"]["username"] for row in rows} == {"agent1"}


def test_the_agents_opens_come_in_pages(api_client, lead, agent, agents_reads):
    api_client.force_authenticate(lead)

    first = api_client.get(f"/api/v1/staff-access/?agent={agent.pk}&page_size=3").json()
    second = api_client.get(first["next"]).json()

    assert len(first["results"]) == 3
    assert [row["ticket"]["reference"] for row in second["results"]] == [agents_reads[0].reference]
    assert second["next"] is None


def test_the_lead_reads_one_tickets_opens_across_agents(api_client, lead, agents_reads):
    api_client.force_authenticate(lead)

    rows = api_client.get(f"/api/v1/staff-access/?ticket={agents_reads[0].reference}").json()["results"]

    assert sorted(row["staff"]["username"] for row in rows) == ["agent1", "agent2"]


def test_the_lead_reads_one_agents_reveals(api_client, lead, agent, other_agent, ticket, now):
    privacy.customer_data_reveal(ticket=ticket, actor=agent, reason=REASON, now=now)
    privacy.customer_data_reveal(ticket=ticket, actor=other_agent, reason="Checking a second time please", now=now)
    api_client.force_authenticate(lead)

    rows = api_client.get(f"/api/v1/staff-access/reveals/?agent={agent.pk}").json()["results"]

    assert [(row["actor"]["username"], row["ticket"]["reference"], row["reason"]) for row in rows] == [
        ("agent1", ticket.reference, REASON)
    ]


@pytest.mark.parametrize("url", ["/api/v1/staff-access/", "/api/v1/staff-access/reveals/"])
def test_an_agent_may_not_review_the_access_log(api_client, agent, url):
    api_client.force_authenticate(agent)

    assert api_client.get(f"{url}?agent={agent.pk}").status_code == 403


@pytest.mark.parametrize("url", ["/api/v1/staff-access/", "/api/v1/staff-access/reveals/"])
def test_a_customer_may_not_review_the_access_log(api_client, customer, url):
    api_client.force_authenticate(customer)

    assert api_client.get(url).status_code == 403


@pytest.mark.parametrize("url", ["/api/v1/staff-access/", "/api/v1/staff-access/reveals/"])
def test_the_access_log_needs_a_login(api_client, url):
    assert api_client.get(url).status_code == 401


@pytest.mark.parametrize("query", ["agent=abc", "agent=0", "ticket=%00", "ticket=" + "x" * 41])
def test_a_bad_filter_is_a_field_error(api_client, lead, query):
    api_client.force_authenticate(lead)

    response = api_client.get(f"/api/v1/staff-access/?{query}")

    assert response.status_code == 400


def test_the_admin_may_review_the_access_log(api_client, admin_user, agents_reads):
    api_client.force_authenticate(admin_user)

    assert len(api_client.get("/api/v1/staff-access/").json()["results"]) == 5


# --- query budgets ------------------------------------------------------------------------------------

# The role (auth groups), then the page with its staff member and ticket joined.
REVIEW_QUERIES = 2


@pytest.mark.parametrize("page_size", [5, 50])
def test_the_access_log_costs_the_same_for_5_and_50_rows(api_client, lead, category, now, page_size):
    staff = [AgentFactory() for _index in range(5)]
    for index in range(60):
        ticket = TicketFactory(category=category)
        access_log.ticket_access_record(ticket_id=ticket.pk, staff_id=staff[index % 5].pk, now=now)
    api_client.force_authenticate(type(lead).objects.get(pk=lead.pk))

    with CaptureQueriesContext(connection) as context:
        response = api_client.get(f"/api/v1/staff-access/?page_size={page_size}")

    assert len(response.json()["results"]) == page_size
    assert len(context.captured_queries) == REVIEW_QUERIES


@pytest.mark.parametrize("page_size", [5, 50])
def test_the_reveal_log_costs_the_same_for_5_and_50_rows(api_client, lead, agent, category, now, page_size):
    for _index in range(60):
        ticket = TicketFactory(category=category)
        privacy.customer_data_reveal(ticket=ticket, actor=agent, reason=REASON, fields=["email"], now=now)
    api_client.force_authenticate(type(lead).objects.get(pk=lead.pk))

    with CaptureQueriesContext(connection) as context:
        response = api_client.get(f"/api/v1/staff-access/reveals/?page_size={page_size}")

    assert len(response.json()["results"]) == page_size
    assert len(context.captured_queries) == REVIEW_QUERIES
