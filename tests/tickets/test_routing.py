"""Automatic assignment of new tickets (Team.routing, tickets.routing)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import AgentProfile
from tests.factories import AgentFactory, CategoryFactory, CustomerFactory, TeamFactory, TicketFactory
from tickets import services
from tickets.models import Team, Ticket, TicketEvent
from tickets.routing import pick_agent, speaks

ROUND_ROBIN = Team.Routing.ROUND_ROBIN
LEAST_OPEN = Team.Routing.LEAST_OPEN
# Routing on adds to ticket_create: the team's turn (an UPDATE that takes the row's lock), the
# candidates with their open tickets (one SELECT), and the `assigned` event (one INSERT).
ROUTED_EXTRA_QUERIES = 3
# Nobody available: the turn and the candidates, no event.
UNROUTED_EXTRA_QUERIES = 2


def available(agent, **fields):
    AgentProfile.objects.filter(user=agent).update(available=True, **fields)
    return agent


@pytest.fixture
def routed_team(db):
    return TeamFactory(code="routed", name="Routed", routing=ROUND_ROBIN)


@pytest.fixture
def routed_category(routed_team):
    return CategoryFactory(code="routed_other", default_team=routed_team)


@pytest.fixture
def three_agents(routed_team):
    return [available(AgentFactory(username=f"rr{n}", teams=[routed_team])) for n in range(3)]


def file_ticket(category, *, language="en", requester=None, now=None):
    return services.ticket_create(
        requester=requester or CustomerFactory(),
        category=category,
        subject="Deposit missing",
        body="Sent yesterday.",
        fields=services.TicketFields(),
        language=language,
        now=now or timezone.now(),
    )


def test_routing_off_leaves_the_ticket_for_a_claim(other_category, agent):
    ticket = file_ticket(other_category)
    assert ticket.assignee_id is None
    assert not TicketEvent.objects.filter(ticket=ticket, kind="assigned").exists()


def test_round_robin_hands_three_tickets_to_three_agents(routed_category, three_agents):
    assignees = [file_ticket(routed_category).assignee_id for _ in range(3)]
    assert sorted(assignees) == sorted(agent.pk for agent in three_agents)


def test_round_robin_starts_again_after_the_last_agent(routed_category, three_agents):
    assignees = [file_ticket(routed_category).assignee_id for _ in range(6)]
    assert assignees[:3] == assignees[3:]


def test_an_away_agent_gets_no_ticket(routed_category, three_agents):
    AgentProfile.objects.filter(user=three_agents[0]).update(available=False)
    assignees = {file_ticket(routed_category).assignee_id for _ in range(4)}
    assert assignees == {three_agents[1].pk, three_agents[2].pk}


def test_a_ticket_goes_to_an_agent_who_speaks_its_language(routed_category, three_agents):
    AgentProfile.objects.filter(user__in=three_agents).update(languages=["en"])
    AgentProfile.objects.filter(user=three_agents[2]).update(languages=["en", "zh-hans"])
    assignees = {file_ticket(routed_category, language="zh-hans").assignee_id for _ in range(3)}
    assert assignees == {three_agents[2].pk}


def test_nobody_speaking_the_language_leaves_the_ticket_unassigned(routed_category, three_agents):
    AgentProfile.objects.filter(user__in=three_agents).update(languages=["en"])
    assert file_ticket(routed_category, language="zh-hans").assignee_id is None


def test_an_agent_at_their_cap_gets_no_new_ticket(routed_category, three_agents):
    capped = three_agents[0]
    AgentProfile.objects.filter(user=capped).update(max_open_tickets=1)
    TicketFactory(category=routed_category, assignee=capped, status=Ticket.Status.OPEN)
    assignees = [file_ticket(routed_category).assignee_id for _ in range(4)]
    assert capped.pk not in assignees


def test_solved_tickets_do_not_count_towards_the_cap(routed_category, three_agents):
    capped = three_agents[0]
    AgentProfile.objects.filter(user=capped).update(max_open_tickets=1)
    TicketFactory(category=routed_category, assignee=capped, status=Ticket.Status.SOLVED)
    assignees = [file_ticket(routed_category).assignee_id for _ in range(3)]
    assert capped.pk in assignees


def test_least_open_goes_to_the_agent_with_fewest_open_tickets(routed_team, routed_category, three_agents):
    Team.objects.filter(pk=routed_team.pk).update(routing=LEAST_OPEN)
    routed_category.default_team.refresh_from_db()
    busy, busier, idle = three_agents
    TicketFactory(category=routed_category, assignee=busy, status=Ticket.Status.OPEN)
    for _ in range(2):
        TicketFactory(category=routed_category, assignee=busier, status=Ticket.Status.OPEN)
    assert file_ticket(routed_category).assignee_id == idle.pk
    # Now idle and busy hold one each: they take turns before busier gets one.
    assert {file_ticket(routed_category).assignee_id, file_ticket(routed_category).assignee_id} == {busy.pk, idle.pk}


def test_a_customer_who_is_a_team_member_is_never_chosen(routed_team, routed_category):
    stray = CustomerFactory(username="stray")
    routed_team.members.add(stray)
    AgentProfile.objects.create(user=stray, available=True)
    assert file_ticket(routed_category).assignee_id is None


def test_routing_records_the_assigned_event_without_an_actor(routed_category, three_agents):
    ticket = file_ticket(routed_category)
    event = TicketEvent.objects.get(ticket=ticket, kind="assigned")
    assert event.actor_id is None
    assert event.data == {"assignee": ticket.assignee_id, "previous": None, "routed": "round_robin"}


def test_a_routed_ticket_is_in_its_agents_open_queue(api_client, routed_category, three_agents):
    ticket = file_ticket(routed_category)
    holder = next(agent for agent in three_agents if agent.pk == ticket.assignee_id)
    api_client.force_authenticate(holder)
    rows = api_client.get("/api/v1/queue/", {"assignee": "me"}).json()["results"]
    assert [row["reference"] for row in rows] == [ticket.reference]


def _create_queries(category, **kwargs) -> int:
    file_ticket(category, **kwargs)  # warm: the SLA configuration and the team's pace
    with CaptureQueriesContext(connection) as context:
        file_ticket(category, requester=kwargs.get("requester"))
    return len(context.captured_queries)


def test_routing_on_adds_three_statements_to_filing(routed_category, other_category, three_agents, sla_policy):
    requester = CustomerFactory()
    off = _create_queries(other_category, requester=requester)
    on = _create_queries(routed_category, requester=requester)
    assert on - off == ROUTED_EXTRA_QUERIES


def test_routing_with_nobody_available_adds_two_statements(routed_category, other_category, sla_policy):
    requester = CustomerFactory()
    off = _create_queries(other_category, requester=requester)
    on = _create_queries(routed_category, requester=requester)
    assert on - off == UNROUTED_EXTRA_QUERIES


def test_the_open_count_does_not_grow_the_statements_with_the_table(routed_category, three_agents, sla_policy):
    requester = CustomerFactory()
    before = _create_queries(routed_category, requester=requester)
    for agent in three_agents:
        for _ in range(5):
            TicketFactory(category=routed_category, assignee=agent, status=Ticket.Status.OPEN)
    assert _create_queries(routed_category, requester=requester) == before


@pytest.mark.parametrize(
    ("languages", "language", "expected"),
    [
        ([], "zh-hans", True),
        (["en"], "en", True),
        (["en"], "zh-hans", False),
        (["zh"], "zh-hans", True),
        (["zh-Hans"], "zh-hans", True),
        ("en", "en", True),  # not a list (hand-edited): no restriction
    ],
)
def test_speaks(languages, language, expected):
    assert speaks(languages, language) is expected


def test_pick_agent_with_nobody_available_is_none():
    assert pick_agent([], mode=ROUND_ROBIN, language="en") is None


# --- Concurrent creators (PostgreSQL: row locks; SQLite has one writer) ---


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_concurrent_creators_hand_n_tickets_to_n_agents_exactly(routed_category, three_agents, sla_policy):
    count = len(three_agents) * 2
    requesters = [CustomerFactory(username=f"racer{n}") for n in range(count)]
    assignees = _create_at_once(routed_category, requesters)
    per_agent = {agent.pk: assignees.count(agent.pk) for agent in three_agents}
    assert per_agent == {agent.pk: 2 for agent in three_agents}


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent transactions need PostgreSQL")
def test_concurrent_creators_never_exceed_a_cap(routed_team, routed_category, three_agents, sla_policy):
    Team.objects.filter(pk=routed_team.pk).update(routing=LEAST_OPEN)
    AgentProfile.objects.filter(user__in=three_agents).update(max_open_tickets=2)
    requesters = [CustomerFactory(username=f"capped{n}") for n in range(9)]
    assignees = _create_at_once(routed_category, requesters)
    held = {agent.pk: assignees.count(agent.pk) for agent in three_agents}
    assert held == {agent.pk: 2 for agent in three_agents}
    assert assignees.count(None) == 3


def _create_at_once(category, requesters) -> list[int | None]:
    barrier = threading.Barrier(len(requesters))

    def create(requester):
        try:
            barrier.wait(timeout=30)
            fresh_category = type(category).objects.select_related("default_team").get(pk=category.pk)
            return file_ticket(fresh_category, requester=requester).assignee_id
        finally:
            connections.close_all()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=len(requesters)) as pool:
        return list(pool.map(create, requesters))
