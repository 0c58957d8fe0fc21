"""A real Celery worker (in-process thread) on the configured broker: Redis when REDIS_URL is
set (CI's PostgreSQL pass), the filesystem transport otherwise."""

import time
from decimal import Decimal

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.utils import timezone

from notifications.models import OutboxMessage
from support_desk.celery import app
from tickets import services


@pytest.fixture
def celery_worker():
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, queues=["default", "notifications", "sla"], shutdown_timeout=10
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


def wait_for(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_worker_sends_the_creation_mail_through_the_broker(celery_worker, customer, category):
    ticket = services.ticket_create(
        requester=customer,
        category=category,
        subject="Withdrawal stuck",
        body="Please help",
        fields=services.TicketFields(asset="BTC", amount=Decimal("0.1")),
        now=timezone.now(),
    )
    assert wait_for(lambda: len(mail.outbox) == 1), "the worker did not send the e-mail"
    assert ticket.reference in mail.outbox[0].subject
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT


@pytest.mark.django_db(transaction=True)
def test_overdue_ticket_is_escalated_and_its_mail_sent_by_the_worker(celery_worker, customer, category, lead):
    """A 1-minute first-response target; the ticket is created 61 seconds in the past instead of
    waiting a minute. The sweep runs as a task in the worker, which then sends the escalation mail."""
    from datetime import timedelta

    from sla.models import BusinessCalendar, EscalationRule, EscalationStep, Metric, SlaPolicy, SlaTarget
    from sla.tasks import sla_sweep_task
    from tickets.models import TicketEvent

    category.default_team.lead = lead
    category.default_team.save()
    policy = SlaPolicy.objects.create(name="One minute", calendar=BusinessCalendar.objects.create(name="24x7"))
    SlaTarget.objects.create(policy=policy, metric=Metric.FIRST_RESPONSE, priority="normal", minutes=1)
    rule = EscalationRule.objects.create(policy=policy, metric=Metric.FIRST_RESPONSE)
    EscalationStep.objects.create(rule=rule, percent=100, notify_team_lead=True)
    ticket = services.ticket_create(
        requester=customer,
        category=category,
        subject="Deposit missing",
        body="Sent 2 BTC",
        fields=services.TicketFields(asset="BTC", amount=Decimal("0.5")),
        now=timezone.now() - timedelta(seconds=61),
    )
    assert wait_for(lambda: len(mail.outbox) == 1), "creation mail not sent"
    sla_sweep_task.delay()
    assert wait_for(lambda: any(lead.email in m.to for m in mail.outbox)), "escalation mail not sent"
    escalation = next(m for m in mail.outbox if lead.email in m.to)
    assert "SLA BREACHED" in escalation.subject
    assert ticket.events.filter(kind=TicketEvent.Kind.SLA_BREACHED).count() == 1
