"""Each metric's promise comes from the first matching policy that has a target for it."""

from datetime import timedelta
from decimal import Decimal

import pytest

from sla.models import BusinessCalendar, Metric, SlaClock, SlaPolicy, SlaTarget, WorkingInterval
from sla.recompute import recompute_for_policies
from tests.factories import CustomerFactory
from tickets import services
from tickets.models import Priority


@pytest.fixture
def vip_first_response_only(sla_policy):
    """A narrow VIP policy: first response targets only (15 minutes at every priority)."""
    policy = SlaPolicy.objects.create(name="VIP", position=1, calendar=sla_policy.calendar, tiers=["vip"])
    for priority in Priority.values:
        SlaTarget.objects.create(policy=policy, metric=Metric.FIRST_RESPONSE, priority=priority, minutes=15)
    return policy


def vip_ticket(category, now):
    return services.ticket_create(
        requester=CustomerFactory(profile__tier="vip"),
        category=category,
        subject="s",
        body="b",
        fields=services.TicketFields(asset="X", amount=Decimal("1")),
        now=now,
    )


def clock(ticket, metric):
    return SlaClock.objects.get(ticket=ticket, metric=metric)


def test_narrow_policy_gives_its_metric(vip_first_response_only, category, now):
    first = clock(vip_ticket(category, now), Metric.FIRST_RESPONSE)
    assert (first.policy, first.due_at) == (vip_first_response_only, now + timedelta(minutes=15))


def test_narrow_policy_leaves_the_resolution_promise_to_the_default(vip_first_response_only, sla_policy, category, now):
    ticket = vip_ticket(category, now)
    resolution = clock(ticket, Metric.RESOLUTION)
    # VIP customers' tickets score high priority: the default gives 24 h.
    assert (resolution.policy, resolution.due_at) == (sla_policy, now + timedelta(hours=24))


def test_narrow_policy_leaves_next_response_and_updates_to_the_default(
    vip_first_response_only, sla_policy, category, agent, now
):
    ticket = vip_ticket(category, now)
    services.message_add(ticket=ticket, author=agent, body="Which network?", now=now + timedelta(minutes=5))
    services.message_add(ticket=ticket, author=ticket.requester, body="Tron", now=now + timedelta(minutes=6))
    assert clock(ticket, Metric.PERIODIC_UPDATE).policy == sla_policy
    assert clock(ticket, Metric.NEXT_RESPONSE).policy == sla_policy


def test_a_policy_without_the_ticket_priority_falls_through_to_the_next(sla_policy, category, now):
    urgent_only = SlaPolicy.objects.create(name="Urgent resolution", position=1, calendar=sla_policy.calendar)
    SlaTarget.objects.create(policy=urgent_only, metric=Metric.RESOLUTION, priority=Priority.URGENT, minutes=60)
    second = SlaPolicy.objects.create(name="Second", position=2, calendar=sla_policy.calendar)
    SlaTarget.objects.create(policy=second, metric=Metric.RESOLUTION, priority=Priority.HIGH, minutes=600)
    ticket = vip_ticket(category, now)  # high priority
    assert clock(ticket, Metric.RESOLUTION).policy == second


def test_each_clock_runs_on_the_calendar_of_the_policy_that_gave_it(vip_first_response_only, sla_policy, category, now):
    office = BusinessCalendar.objects.create(name="Office", is_24x7=False)
    for weekday in range(7):
        WorkingInterval.objects.create(calendar=office, weekday=weekday, start="09:00", end="17:00")
    vip_first_response_only.calendar = office
    vip_first_response_only.save()
    ticket = vip_ticket(category, now)
    assert clock(ticket, Metric.FIRST_RESPONSE).calendar == office
    assert clock(ticket, Metric.RESOLUTION).calendar == sla_policy.calendar


def test_recompute_resolves_each_metric_on_its_own(vip_first_response_only, sla_policy, category, now):
    ticket = vip_ticket(category, now)
    SlaTarget.objects.create(
        policy=vip_first_response_only, metric=Metric.RESOLUTION, priority=Priority.HIGH, minutes=120
    )
    recompute_for_policies(policy_ids=None, now=now + timedelta(minutes=1))
    resolution = clock(ticket, Metric.RESOLUTION)
    assert (resolution.policy, resolution.due_at) == (vip_first_response_only, now + timedelta(hours=2))


def test_staff_see_which_policy_gave_each_clock(api_client, agent, vip_first_response_only, sla_policy, category, now):
    ticket = vip_ticket(category, now)
    api_client.force_authenticate(agent)
    clocks = api_client.get(f"/api/v1/tickets/{ticket.reference}/").json()["sla_clocks"]
    given = {c["metric"]: (c["policy"], c["policy_id"]) for c in clocks}
    assert given == {
        "first_response": ("VIP", vip_first_response_only.pk),
        "resolution": (sla_policy.name, sla_policy.pk),
    }


def test_admin_clock_list_shows_the_policy(client, admin_user, vip_first_response_only, category, now):
    vip_ticket(category, now)
    client.force_login(admin_user)
    page = client.get("/admin/sla/slaclock/").content.decode()
    assert "VIP" in page
    assert "Default 24x7" in page
