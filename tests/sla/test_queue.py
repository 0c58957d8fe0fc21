from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import CustomerFactory, TicketFactory
from tickets import services
from tickets.models import Ticket
from tickets.selectors import ticket_queue_info


@pytest.fixture
def as_agent(api_client, agent):
    api_client.force_authenticate(agent)
    return api_client


def create(category, *, at, tier="standard"):
    return services.ticket_create(
        requester=CustomerFactory(profile__tier=tier),
        category=category,
        subject="s",
        body="b",
        fields=services.TicketFields(asset="X", amount=Decimal("1")),
        now=at,
    )


def references(client, query=""):
    return [t["reference"] for t in client.get(f"/api/v1/queue/{query}").json()["results"]]


def test_queue_orders_by_nearest_due_time(as_agent, category, sla_policy):
    now = timezone.now()
    normal_old = create(category, at=now - timedelta(hours=1))  # due in 3 h
    vip_new = create(category, at=now, tier="vip")  # high: due in 1 h
    normal_new = create(category, at=now)  # due in 4 h
    assert references(as_agent) == [vip_new.reference, normal_old.reference, normal_new.reference]


def test_urgent_ticket_goes_first_through_its_shorter_target(as_agent, category, sla_policy):
    older = create(category, at=timezone.now() - timedelta(minutes=30))  # normal: due in 3.5 h
    urgent = create(category, at=timezone.now(), tier="vip")  # vip: high, due in 1 h
    assert references(as_agent) == [urgent.reference, older.reference]


def test_customer_position_follows_the_queue_order(category, sla_policy):
    now = timezone.now()
    first = create(category, at=now - timedelta(hours=1))  # due in 3 h
    vip = create(category, at=now, tier="vip")  # due in 1 h: ahead of the older ticket
    last = create(category, at=now)  # due in 4 h
    positions = [ticket_queue_info(ticket=t, now=now)["position"] for t in (vip, first, last)]
    assert positions == [1, 2, 3]


def test_tickets_without_a_running_clock_come_last(as_agent, category, sla_policy):
    without = TicketFactory(category=category, priority="urgent")
    with_clock = create(category, at=timezone.now())
    assert references(as_agent) == [with_clock.reference, without.reference]


def test_queue_filters_breached(as_agent, category, sla_policy):
    create(category, at=timezone.now())
    late = create(category, at=timezone.now())
    Ticket.objects.filter(pk=late.pk).update(sla_breached=True)
    assert references(as_agent, "?breached=true") == [late.reference]


def test_queue_filters_due_within(as_agent, category, sla_policy):
    soon = create(category, at=timezone.now() - timedelta(hours=3, minutes=30))  # due in 30 min
    create(category, at=timezone.now())  # due in 4 h
    assert references(as_agent, "?due_within=45m") == [soon.reference]
    assert len(references(as_agent, "?due_within=5h")) == 2


def test_queue_due_within_rejects_garbage(as_agent):
    response = as_agent.get("/api/v1/queue/?due_within=soon")
    assert response.status_code == 400
    assert "due_within" in response.json()


def test_queue_cursor_walks_tickets_with_and_without_due_times(as_agent, category, sla_policy):
    expected = {create(category, at=timezone.now() - timedelta(minutes=i)).reference for i in range(7)}
    expected |= {TicketFactory(category=category).reference for _ in range(6)}
    seen, url = [], "/api/v1/queue/?page_size=4"
    while url:
        page = as_agent.get(url).json()
        seen += [t["reference"] for t in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(expected)


def test_position_far_back_is_an_estimate_from_the_queue_density(category, sla_policy, settings):
    settings.QUEUE_POSITION_EXACT_UP_TO = 4
    now = timezone.now()
    # Ten tickets due every ten minutes before the new one (due in 4 h): ten ahead, evenly spread.
    for index in range(10):
        TicketFactory(category=category, sla_due_at=now + timedelta(minutes=100 + 10 * index))
    info = ticket_queue_info(ticket=create(category, at=now), now=now)
    assert info["position_exact"] is False
    assert info["position"] == 11


def test_position_within_the_bound_is_exact(category, sla_policy, settings):
    settings.QUEUE_POSITION_EXACT_UP_TO = 4
    now = timezone.now()
    for index in range(3):
        TicketFactory(category=category, sla_due_at=now + timedelta(minutes=10 * index))
    info = ticket_queue_info(ticket=create(category, at=now), now=now)
    assert (info["position"], info["position_exact"]) == (4, True)


def queue_far_back(category, now):
    """Ten tickets due every ten minutes, all before a new normal ticket (due in 4 h)."""
    for index in range(10):
        TicketFactory(category=category, sla_due_at=now + timedelta(minutes=100 + 10 * index))


def place(ticket, now):
    with CaptureQueriesContext(connection) as queries:
        info = ticket_queue_info(ticket=ticket, now=now)
    return (info["position"], info["position_exact"]), len(queries)


@pytest.fixture
def two_far_back(category, sla_policy, settings):
    """Two new tickets half a second apart behind ten (estimates: the bound is 4), and the first
    one's place counted."""
    settings.QUEUE_POSITION_EXACT_UP_TO = 4
    settings.QUEUE_POSITION_REUSE_SECONDS = 0  # filed without reuse
    now = timezone.now()
    queue_far_back(category, now)
    first = create(category, at=now)
    second = create(category, at=now + timedelta(seconds=0.5))
    settings.QUEUE_POSITION_REUSE_SECONDS = 1
    counted = place(first, now)
    return first, second, now, counted


def test_the_next_place_far_back_in_a_team_reuses_the_last_count_without_its_statement(two_far_back):
    _first, second, now, ((position, exact), statements) = two_far_back
    assert (position, exact) == (11, False)
    # The first ticket is ahead of the second: one place further back, one statement fewer.
    assert place(second, now + timedelta(seconds=0.5)) == ((12, False), statements - 1)


def test_the_counted_ticket_shown_again_keeps_its_place_without_the_statement(two_far_back):
    first, _second, now, ((position, exact), statements) = two_far_back
    assert place(first, now + timedelta(seconds=0.2)) == ((position, exact), statements - 1)


def test_a_place_far_back_is_counted_again_once_the_reuse_window_has_passed(two_far_back):
    _first, second, now, (_place, statements) = two_far_back
    assert place(second, now + timedelta(seconds=1.5))[1] == statements


def test_a_ticket_ahead_of_the_counted_one_is_counted_again(two_far_back, category):
    _first, _second, now, (_place, statements) = two_far_back
    vip = create(category, at=now, tier="vip")  # due in 1 h: ahead of the first ticket
    assert place(vip, now)[1] == statements


def test_a_place_less_than_twice_the_bound_back_is_always_counted(category, sla_policy, settings):
    settings.QUEUE_POSITION_EXACT_UP_TO = 6  # ten ahead: beyond the bound, not twice it
    now = timezone.now()
    queue_far_back(category, now)
    first = create(category, at=now)
    _place, statements = place(first, now)
    assert place(first, now)[1] == statements
