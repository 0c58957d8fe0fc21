from datetime import timedelta

import pytest

from notifications.models import OutboxMessage
from notifications.services import outbox_deliver
from sla.reminders import customer_reminders_run
from tickets import services
from tickets.models import Ticket, TicketEvent

Status = Ticket.Status


@pytest.fixture
def waiting(ticket, agent, now):
    services.message_add(ticket=ticket, author=agent, body="Please send the txid", now=now)
    services.ticket_change_status(ticket=ticket, actor=agent, status=Status.PENDING_CUSTOMER, now=now)
    return ticket


def reminders(ticket):
    return OutboxMessage.objects.filter(ticket_reference=ticket.reference, purpose="customer_reminder")


def test_no_reminder_before_24_hours(waiting, now):
    customer_reminders_run(now=now + timedelta(hours=23))
    assert not reminders(waiting).exists()


def test_reminder_after_24_hours_is_sent_once(waiting, now):
    customer_reminders_run(now=now + timedelta(hours=25))
    customer_reminders_run(now=now + timedelta(hours=26))
    assert reminders(waiting).count() == 1


def test_second_reminder_after_72_hours(waiting, now):
    customer_reminders_run(now=now + timedelta(hours=25))
    customer_reminders_run(now=now + timedelta(hours=73))
    assert reminders(waiting).count() == 2


def test_reminder_says_when_the_ticket_will_close(waiting, now, mailoutbox):
    customer_reminders_run(now=now + timedelta(hours=25))
    # Rendered when sent (notifications.services.outbox_deliver), from the facts queued with it.
    outbox_deliver(message_id=reminders(waiting).get().pk, now=now)
    assert (now + timedelta(days=7)).strftime("%Y-%m-%d") in mailoutbox[-1].body


def test_waiting_ticket_closes_after_seven_days_with_notice(waiting, now):
    customer_reminders_run(now=now + timedelta(days=7, minutes=1))
    waiting.refresh_from_db()
    assert waiting.status == Status.CLOSED
    assert OutboxMessage.objects.filter(ticket_reference=waiting.reference, purpose="ticket_auto_closed").exists()
    assert waiting.events.filter(kind=TicketEvent.Kind.STATUS_CHANGED, data__reason="auto_close_pending").exists()


def test_customer_answer_stops_the_reminders(waiting, customer, now):
    services.message_add(ticket=waiting, author=customer, body="Here", now=now + timedelta(hours=1))
    customer_reminders_run(now=now + timedelta(days=8))
    waiting.refresh_from_db()
    assert waiting.status == Status.OPEN
    assert not reminders(waiting).exists()


def test_a_new_waiting_period_gets_its_own_reminders(waiting, agent, customer, now):
    customer_reminders_run(now=now + timedelta(hours=25))
    services.message_add(ticket=waiting, author=customer, body="Here", now=now + timedelta(hours=26))
    services.ticket_change_status(
        ticket=waiting, actor=agent, status=Status.PENDING_CUSTOMER, now=now + timedelta(hours=27)
    )
    customer_reminders_run(now=now + timedelta(hours=27 + 25))
    assert reminders(waiting).count() == 2


def test_solved_ticket_closes_after_three_days(ticket, agent, now):
    services.ticket_change_status(ticket=ticket, actor=agent, status=Status.SOLVED, now=now)
    customer_reminders_run(now=now + timedelta(days=2))
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    customer_reminders_run(now=now + timedelta(days=3, minutes=1))
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED


def test_solving_invites_a_rating(ticket, agent, now):
    services.ticket_change_status(ticket=ticket, actor=agent, status=Status.SOLVED, now=now)
    row = OutboxMessage.objects.get(ticket_reference=ticket.reference, purpose="rating_invitation")
    assert row.payload["context"]["rate_url"].endswith("#rate")


def test_reminder_hours_are_configurable(waiting, now, settings):
    settings.SLA_CUSTOMER_REMINDER_HOURS = [2]
    customer_reminders_run(now=now + timedelta(hours=3))
    assert reminders(waiting).count() == 1
