from datetime import timedelta
from decimal import Decimal

import pytest

from sla import services as sla_services
from sla.models import Metric, SlaClock, SlaPolicy, SlaTarget
from sla.recompute import recompute_for_policies
from tests.factories import CustomerFactory
from tickets import services
from tickets.models import Ticket

State = SlaClock.State
Status = Ticket.Status


@pytest.fixture
def created(customer, category, sla_policy, now):
    return services.ticket_create(
        requester=customer,
        category=category,
        subject="Withdrawal stuck",
        body="Please help",
        fields=services.TicketFields(asset="USDT", amount=Decimal("10")),
        now=now,
    )


def clock(ticket, metric):
    return SlaClock.objects.get(ticket=ticket, metric=metric)


def test_creation_starts_first_response_and_resolution_clocks(created, now):
    assert clock(created, Metric.FIRST_RESPONSE).due_at == now + timedelta(hours=4)
    assert clock(created, Metric.RESOLUTION).due_at == now + timedelta(hours=72)


def test_ticket_without_a_matching_policy_has_no_clocks(customer, category, now):
    ticket = services.ticket_create(
        requester=customer,
        category=category,
        subject="s",
        body="b",
        fields=services.TicketFields(asset="X", amount=Decimal("1")),
        now=now,
    )
    assert not ticket.sla_clocks.exists()


def test_ticket_carries_its_nearest_due_time(created, now):
    created.refresh_from_db()
    assert created.sla_due_at == now + timedelta(hours=4)


def test_vip_priority_gets_the_tighter_target(category, sla_policy, now):
    vip = CustomerFactory(profile__tier="vip")
    ticket = services.ticket_create(
        requester=vip,
        category=category,
        subject="s",
        body="b",
        fields=services.TicketFields(asset="X", amount=Decimal("1")),
        now=now,
    )
    assert clock(ticket, Metric.FIRST_RESPONSE).due_at == now + timedelta(hours=1)


def test_first_public_agent_reply_fulfils_first_response(created, agent, now):
    services.message_add(ticket=created, author=agent, body="On it", now=now + timedelta(minutes=30))
    first = clock(created, Metric.FIRST_RESPONSE)
    assert (first.state, first.fulfilled_at) == (State.FULFILLED, now + timedelta(minutes=30))
    assert first.next_check_at is None


def test_internal_note_does_not_fulfil_first_response(created, agent, now):
    services.message_add(ticket=created, author=agent, body="note", internal=True, now=now + timedelta(minutes=5))
    assert clock(created, Metric.FIRST_RESPONSE).state == State.RUNNING


def test_customer_reply_after_an_answer_starts_next_response(created, agent, customer, now):
    services.message_add(ticket=created, author=agent, body="Which network?", now=now + timedelta(minutes=10))
    services.message_add(ticket=created, author=customer, body="Tron", now=now + timedelta(minutes=20))
    following = clock(created, Metric.NEXT_RESPONSE)
    assert (following.state, following.due_at) == (State.RUNNING, now + timedelta(minutes=20, hours=8))


def test_customer_reply_before_any_answer_starts_no_next_response(created, customer, now):
    services.message_add(ticket=created, author=customer, body="Hello?", now=now + timedelta(minutes=20))
    assert not created.sla_clocks.filter(metric=Metric.NEXT_RESPONSE).exists()


def test_agent_answer_fulfils_next_response(created, agent, customer, now):
    services.message_add(ticket=created, author=agent, body="Which network?", now=now + timedelta(minutes=10))
    services.message_add(ticket=created, author=customer, body="Tron", now=now + timedelta(minutes=20))
    services.message_add(ticket=created, author=agent, body="Found it", now=now + timedelta(minutes=50))
    assert clock(created, Metric.NEXT_RESPONSE).state == State.FULFILLED


def test_each_customer_message_after_an_answer_is_a_new_cycle(created, agent, customer, now):
    for minutes in (10, 30):
        services.message_add(ticket=created, author=agent, body="a", now=now + timedelta(minutes=minutes))
        services.message_add(ticket=created, author=customer, body="c", now=now + timedelta(minutes=minutes + 5))
    assert clock(created, Metric.NEXT_RESPONSE).cycle == 2


def test_public_agent_reply_starts_periodic_update(created, agent, now):
    services.message_add(ticket=created, author=agent, body="On it", now=now + timedelta(minutes=10))
    periodic = clock(created, Metric.PERIODIC_UPDATE)
    assert periodic.due_at == now + timedelta(minutes=10, hours=24)


def test_pending_customer_pauses_and_resuming_keeps_elapsed_time(created, agent, customer, now):
    services.ticket_change_status(
        ticket=created, actor=agent, status=Status.PENDING_CUSTOMER, now=now + timedelta(hours=1)
    )
    paused = clock(created, Metric.RESOLUTION)
    assert (paused.state, paused.due_at, paused.next_check_at) == (State.PAUSED, None, None)
    assert paused.elapsed_seconds == 3600
    services.message_add(ticket=created, author=customer, body="Here it is", now=now + timedelta(hours=11))
    resumed = clock(created, Metric.RESOLUTION)
    # 72 h target, 1 h used before the pause, resumed 10 h later: due 71 h after resuming.
    assert resumed.state == State.RUNNING
    assert resumed.due_at == now + timedelta(hours=11 + 71)


def test_pause_intervals_are_kept(created, agent, now):
    services.ticket_change_status(
        ticket=created, actor=agent, status=Status.PENDING_CUSTOMER, now=now + timedelta(hours=1)
    )
    services.ticket_change_status(ticket=created, actor=agent, status=Status.OPEN, now=now + timedelta(hours=3))
    intervals = clock(created, Metric.RESOLUTION).paused_intervals
    assert intervals == [[(now + timedelta(hours=1)).isoformat(), (now + timedelta(hours=3)).isoformat()]]


def test_on_hold_does_not_pause_by_default(created, agent, now):
    services.ticket_change_status(ticket=created, actor=agent, status=Status.ON_HOLD, now=now + timedelta(hours=1))
    assert clock(created, Metric.RESOLUTION).state == State.RUNNING


def test_policy_can_make_on_hold_pause_resolution(created, agent, sla_policy, now):
    sla_policy.pause_statuses = {Metric.RESOLUTION: [Status.PENDING_CUSTOMER, Status.ON_HOLD]}
    sla_policy.save()
    services.ticket_change_status(ticket=created, actor=agent, status=Status.ON_HOLD, now=now + timedelta(hours=1))
    assert clock(created, Metric.RESOLUTION).state == State.PAUSED


def test_solving_fulfils_resolution_and_stops_the_rest(created, agent, now):
    services.ticket_change_status(ticket=created, actor=agent, status=Status.SOLVED, now=now + timedelta(hours=2))
    assert clock(created, Metric.RESOLUTION).state == State.FULFILLED
    assert clock(created, Metric.FIRST_RESPONSE).state == State.STOPPED
    created.refresh_from_db()
    assert created.sla_due_at is None


def test_reopening_resumes_resolution_with_its_elapsed_time(created, agent, customer, now):
    services.ticket_change_status(ticket=created, actor=agent, status=Status.SOLVED, now=now + timedelta(hours=2))
    services.message_add(ticket=created, author=customer, body="Still broken", now=now + timedelta(hours=5))
    resolution = clock(created, Metric.RESOLUTION)
    assert resolution.state == State.RUNNING
    assert resolution.due_at == now + timedelta(hours=5 + 70)


def test_priority_change_applies_the_new_target_keeping_elapsed_time(created, agent, now):
    services.ticket_change_priority(ticket=created, actor=agent, priority="urgent", now=now + timedelta(minutes=5))
    # Urgent first response is 15 minutes; 5 already ran.
    assert clock(created, Metric.FIRST_RESPONSE).due_at == now + timedelta(minutes=15)


def test_policy_edit_recomputes_running_clocks(created, sla_policy, now):
    SlaTarget.objects.filter(policy=sla_policy, metric=Metric.FIRST_RESPONSE, priority="normal").update(minutes=120)
    recompute_for_policies(policy_ids=[sla_policy.pk], now=now + timedelta(minutes=30))
    assert clock(created, Metric.FIRST_RESPONSE).due_at == now + timedelta(hours=2)
    created.refresh_from_db()
    assert created.sla_due_at == now + timedelta(hours=2)


def test_earlier_policy_that_matches_wins(created, sla_policy, category, now):
    complaint = SlaPolicy.objects.create(name="Complaints", position=1, calendar=sla_policy.calendar, is_complaint=True)
    SlaTarget.objects.create(policy=complaint, metric=Metric.RESOLUTION, priority="normal", minutes=60 * 24 * 56)
    services.ticket_set_complaint(ticket=created, actor=None, is_complaint=True, now=now)
    resolution = clock(created, Metric.RESOLUTION)
    assert resolution.policy == complaint
    assert resolution.due_at == now + timedelta(days=56)
    # The complaint policy sets no first-response target: that promise comes from the default.
    first = clock(created, Metric.FIRST_RESPONSE)
    assert (first.state, first.policy) == (State.RUNNING, sla_policy)


def test_customer_sees_first_response_and_resolution_due(api_client, customer, created, now):
    api_client.force_authenticate(customer)
    body = api_client.get(f"/api/v1/tickets/{created.reference}/").json()
    assert body["sla"]["first_response_due"].startswith((now + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
    assert "sla_clocks" not in body


def test_staff_see_every_clock_state(api_client, agent, created):
    api_client.force_authenticate(agent)
    clocks = api_client.get(f"/api/v1/tickets/{created.reference}/").json()["sla_clocks"]
    assert [(c["metric"], c["state"]) for c in clocks] == [("first_response", "running"), ("resolution", "running")]


def test_creation_mail_states_the_promised_time(
    customer, category, sla_policy, now, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_create(
            requester=customer,
            category=category,
            subject="s",
            body="b",
            fields=services.TicketFields(asset="X", amount=Decimal("1")),
            now=now,
        )
    assert (now + timedelta(hours=4)).strftime("%Y-%m-%d %H:%M") in mailoutbox[0].body


def test_one_patch_of_several_fields_retargets_the_clocks_once(created, agent, category, now, monkeypatch):
    calls = []
    original = sla_services.sla_ticket_changed
    monkeypatch.setattr(sla_services, "sla_ticket_changed", lambda **kw: calls.append(kw) or original(**kw))
    later = now + timedelta(minutes=5)
    other = type(category).objects.create(code="fees-2", name="Fees", default_team=category.default_team)
    services.ticket_update(
        ticket=created, actor=agent, changes={"priority": "urgent", "category": other, "is_complaint": True}, now=later
    )
    assert len(calls) == 1
    # Urgent first response is 15 min: 5 min run, 10 min left.
    assert clock(Ticket.objects.get(pk=created.pk), Metric.FIRST_RESPONSE).due_at == later + timedelta(minutes=10)


def test_a_patch_that_changes_nothing_leaves_the_clocks_alone(created, agent, now, monkeypatch):
    calls = []
    monkeypatch.setattr(sla_services, "sla_ticket_changed", lambda **kw: calls.append(kw))
    services.ticket_update(ticket=created, actor=agent, changes={"priority": created.priority}, now=now)
    assert calls == []
