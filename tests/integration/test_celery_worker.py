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
