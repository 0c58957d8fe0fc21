"""A clock that ends after its due time was breached at its due time, whether or not a sweep ran."""

from datetime import timedelta
from decimal import Decimal

import pytest

from notifications.models import OutboxMessage
from sla.models import EscalationFiring, EscalationRule, EscalationStep, Metric, SlaClock
from sla.reports import sla_report
from sla.sweep import sla_sweep
from tests.factories import CustomerFactory
from tickets import services
from tickets.models import Ticket, TicketEvent

Kind = TicketEvent.Kind
Status = Ticket.Status
FIRST_RESPONSE_NORMAL = timedelta(hours=4)
RESOLUTION_NORMAL = timedelta(hours=72)


@pytest.fixture
def ticket(category, sla_policy, now, payments, lead):
    payments.lead = lead
    payments.save()
    return services.ticket_create(
        requester=CustomerFactory(),
        category=category,
        subject="Withdrawal stuck",
        body="Please help",
        fields=services.TicketFields(asset="USDT", amount=Decimal("10")),
        now=now,
    )


def clock(ticket, metric):
    return SlaClock.objects.get(ticket=ticket, metric=metric)


def breaches(ticket, metric=None):
    events = TicketEvent.objects.filter(ticket=ticket, kind=Kind.SLA_BREACHED)
    return [event for event in events if metric is None or event.data["metric"] == metric]


def alerts_to(user):
    return [
        alert
        for batch in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL_BATCH)
        for alert in batch.payload["emails"]
        if alert["to"] == user.email
    ]


def answer_late(ticket, agent, now):
    services.message_add(ticket=ticket, author=agent, body="Sorry for the wait", now=now + timedelta(hours=5))


def test_late_first_response_without_a_sweep_is_breached_at_its_due_time(ticket, agent, now):
    answer_late(ticket, agent, now)
    first = clock(ticket, Metric.FIRST_RESPONSE)
    assert (first.state, first.fulfilled_at) == (SlaClock.State.FULFILLED, now + timedelta(hours=5))
    assert first.breached_at == now + FIRST_RESPONSE_NORMAL


def test_late_first_response_records_one_breach_event_at_the_due_time(ticket, agent, now):
    answer_late(ticket, agent, now)
    [event] = breaches(ticket)
    assert (event.at, event.data["metric"]) == (now + FIRST_RESPONSE_NORMAL, Metric.FIRST_RESPONSE)


def test_late_first_response_sets_the_ticket_breach_flags(ticket, agent, now):
    answer_late(ticket, agent, now)
    ticket.refresh_from_db()
    assert (ticket.sla_breached, ticket.breached_metrics) == (True, [Metric.FIRST_RESPONSE])


def test_late_first_response_counts_as_breached_in_the_report(ticket, agent, now):
    answer_late(ticket, agent, now)
    report = sla_report(since=now - timedelta(days=1), until=now + timedelta(days=1))
    assert report["compliance"]["first_response"] == {"clocks": 1, "met": 0, "breached": 1, "compliance_percent": 0.0}
    assert report["breaches_by_team"] == {"payments": 1}


def test_answer_at_the_due_instant_is_met(ticket, agent, now):
    services.message_add(ticket=ticket, author=agent, body="Just in time", now=now + FIRST_RESPONSE_NORMAL)
    assert clock(ticket, Metric.FIRST_RESPONSE).breached_at is None
    assert breaches(ticket) == []


def test_late_first_response_notifies_the_breach_step_once(ticket, agent, lead, now):
    answer_late(ticket, agent, now)
    assert [alert["kind"] for alert in alerts_to(lead)] == [Kind.SLA_BREACHED]


def test_late_first_response_runs_the_ladder_steps_it_passed_once(ticket, agent, now):
    answer_late(ticket, agent, now)
    kinds = [event.kind for event in TicketEvent.objects.filter(ticket=ticket, kind__startswith="sla_")]
    assert kinds == [Kind.SLA_WARNING, Kind.SLA_BREACHED]
    assert EscalationFiring.objects.filter(clock__metric=Metric.FIRST_RESPONSE).count() == 2


def test_late_first_response_does_not_raise_the_priority(ticket, agent, now):
    answer_late(ticket, agent, now)
    ticket.refresh_from_db()
    assert ticket.priority == "normal"
    assert not TicketEvent.objects.filter(ticket=ticket, kind=Kind.PRIORITY_CHANGED).exists()


def test_late_fulfilment_does_not_move_or_unassign_the_ticket(ticket, agent, security, sla_policy, now):
    services.ticket_claim(ticket=ticket, agent=agent, now=now)
    rule = EscalationRule.objects.get(policy=sla_policy, metric=Metric.FIRST_RESPONSE)
    EscalationStep.objects.create(rule=rule, percent=110, move_to_team=security, unassign=True, internal_note="Late")
    answer_late(ticket, agent, now)
    ticket.refresh_from_db()
    assert (ticket.team.code, ticket.assignee) == ("payments", agent)
    assert ticket.messages.filter(body="Late", author=None).exists()  # its notification part acts


def test_sweep_after_a_late_fulfilment_fires_nothing_again(ticket, agent, now):
    answer_late(ticket, agent, now)
    SlaClock.objects.filter(ticket=ticket).update(next_check_at=now)  # as if the sweep looked at it anyway
    result = sla_sweep(now=now + timedelta(hours=6))
    assert (result.steps_fired, result.breaches) == (0, 0)
    assert len(breaches(ticket)) == 1


def test_answer_after_the_sweep_breached_records_no_second_breach(ticket, agent, now):
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 1.1)
    answer_late(ticket, agent, now)
    assert len(breaches(ticket, Metric.FIRST_RESPONSE)) == 1
    # The sweep that noticed it late records the breach at the due time, as a late answer does.
    assert clock(ticket, Metric.FIRST_RESPONSE).breached_at == now + FIRST_RESPONSE_NORMAL


def test_late_next_response_is_breached_at_its_due_time(ticket, agent, now):
    services.message_add(ticket=ticket, author=agent, body="Which network?", now=now + timedelta(minutes=10))
    services.message_add(ticket=ticket, author=ticket.requester, body="Tron", now=now + timedelta(minutes=20))
    services.message_add(ticket=ticket, author=agent, body="Found it", now=now + timedelta(hours=10))
    # Next response (normal) is 8 h from the customer's message.
    assert clock(ticket, Metric.NEXT_RESPONSE).breached_at == now + timedelta(minutes=20, hours=8)
    assert [event.at for event in breaches(ticket, Metric.NEXT_RESPONSE)] == [now + timedelta(minutes=20, hours=8)]


def test_late_periodic_update_is_breached_before_the_next_cycle_starts(ticket, agent, now):
    services.message_add(ticket=ticket, author=agent, body="On it", now=now + timedelta(minutes=10))
    services.message_add(ticket=ticket, author=agent, body="Update", now=now + timedelta(hours=30))
    # Periodic update (normal) is 24 h after the last public update.
    [event] = breaches(ticket, Metric.PERIODIC_UPDATE)
    assert event.at == now + timedelta(minutes=10, hours=24)
    ticket.refresh_from_db()
    assert Metric.PERIODIC_UPDATE in ticket.breached_metrics


def test_late_resolution_is_breached_at_its_due_time(ticket, agent, now):
    services.message_add(ticket=ticket, author=agent, body="On it", now=now + timedelta(minutes=10))
    services.ticket_change_status(ticket=ticket, actor=agent, status=Status.SOLVED, now=now + timedelta(hours=80))
    resolution = clock(ticket, Metric.RESOLUTION)
    assert (resolution.state, resolution.breached_at) == (SlaClock.State.FULFILLED, now + RESOLUTION_NORMAL)


def test_overdue_first_response_stopped_by_solving_is_breached(ticket, agent, now):
    services.ticket_change_status(ticket=ticket, actor=agent, status=Status.SOLVED, now=now + timedelta(hours=5))
    first = clock(ticket, Metric.FIRST_RESPONSE)
    assert (first.state, first.breached_at) == (SlaClock.State.STOPPED, now + FIRST_RESPONSE_NORMAL)


def test_clock_paused_after_its_due_time_stays_due_for_the_sweep(ticket, agent, now):
    services.ticket_change_status(
        ticket=ticket, actor=agent, status=Status.PENDING_CUSTOMER, now=now + timedelta(hours=5)
    )
    first = clock(ticket, Metric.FIRST_RESPONSE)
    assert first.state == SlaClock.State.PAUSED
    assert first.next_check_at == now + FIRST_RESPONSE_NORMAL
    assert sla_sweep(now=now + timedelta(hours=5, seconds=15)).breaches == 1


def test_sweep_that_runs_late_records_the_breach_at_the_due_time(ticket, now):
    # The worker was down for hours: the record still says when the promise broke.
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 3)

    assert clock(ticket, Metric.FIRST_RESPONSE).breached_at == now + FIRST_RESPONSE_NORMAL
    assert [event.at for event in breaches(ticket, Metric.FIRST_RESPONSE)] == [now + FIRST_RESPONSE_NORMAL]
