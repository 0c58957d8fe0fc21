from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core import mail

from notifications import services as outbox
from notifications.models import OutboxMessage
from tests.factories import CustomerFactory
from tickets import services


def create_ticket(customer, category, now):
    return services.ticket_create(
        requester=customer,
        category=category,
        subject="Deposit missing",
        body="Where is it?",
        fields=services.TicketFields(asset="USDT", amount=Decimal("5")),
        now=now,
    )


def test_ticket_creation_mails_the_customer_after_commit(customer, category, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = create_ticket(customer, category, now)
    assert len(mail.outbox) == 1
    assert ticket.reference in mail.outbox[0].subject
    assert mail.outbox[0].to == [customer.email]


def test_no_mail_leaves_before_commit(customer, category, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        create_ticket(customer, category, now)
    assert mail.outbox == []
    # The outbox relay's one callback (the other one changes the desk's queue version).
    assert len([callback for callback in callbacks if callback.__module__ != "tickets.queue_version"]) == 1


def test_creation_mail_says_what_happens_next_and_the_queue_place(
    customer, category, now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create_ticket(customer, category, now)
    body = mail.outbox[0].body
    assert "What happens next" in body
    assert "place in the queue: 1" in body


def test_customer_mail_carries_the_anti_phishing_code_in_text_and_html(
    customer, category, now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        create_ticket(customer, category, now)
    message = mail.outbox[0]
    assert "CODE-1234" in message.body
    assert "CODE-1234" in message.alternatives[0][0]


def test_customer_mail_is_in_the_customer_language(category, now, django_capture_on_commit_callbacks):
    chinese = CustomerFactory(profile__language="zh-hans")
    with django_capture_on_commit_callbacks(execute=True):
        create_ticket(chinese, category, now)
    assert "我们已收到" in mail.outbox[0].subject


def test_public_agent_reply_mails_the_customer(ticket, agent, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(ticket=ticket, author=agent, body="We found your deposit.", now=now)
    assert "We found your deposit." in mail.outbox[0].body


def test_internal_note_mails_nobody(ticket, agent, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(ticket=ticket, author=agent, body="ledger check", internal=True, now=now)
    assert mail.outbox == []


def test_assignment_mails_the_agent(ticket, lead, agent, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_assign(ticket=ticket, actor=lead, assignee=agent, now=now)
    assert mail.outbox[0].to == [agent.email]
    assert ticket.reference in mail.outbox[0].subject


def test_claiming_yourself_sends_no_assignment_mail(ticket, agent, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_claim(ticket=ticket, agent=agent, now=now)
    assert mail.outbox == []


def test_html_in_a_reply_is_escaped_in_the_html_mail(ticket, agent, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.message_add(ticket=ticket, author=agent, body="<script>x()</script>", now=now)
    assert "<script>" not in mail.outbox[0].alternatives[0][0]
    assert "<script>x()</script>" in mail.outbox[0].body


def test_broker_down_loses_nothing_and_the_drain_sends_it(customer, category, now, django_capture_on_commit_callbacks):
    # The row's own task, or the coalesced one where the cache is Redis (relay_new).
    down = mock.patch("notifications.tasks.outbox_deliver_task.delay", side_effect=ConnectionError("redis down"))
    new_down = mock.patch("notifications.tasks.outbox_deliver_new_task.delay", side_effect=ConnectionError("down"))
    with down, new_down, django_capture_on_commit_callbacks(execute=True):
        ticket = create_ticket(customer, category, now)
    assert mail.outbox == []
    row = OutboxMessage.objects.get(ticket_reference=ticket.reference)
    assert row.status == OutboxMessage.Status.PENDING
    assert outbox.outbox_drain(now=now) == 1
    assert len(mail.outbox) == 1


def test_delivering_a_row_twice_sends_one_mail(customer, category, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        create_ticket(customer, category, now)
    row = OutboxMessage.objects.get()
    assert outbox.outbox_deliver(message_id=row.pk, now=now) is False
    assert len(mail.outbox) == 1


def test_smtp_failure_is_retried_later_with_backoff(customer, category, now):
    create_ticket(customer, category, now)
    row = OutboxMessage.objects.get()
    with mock.patch("notifications.services._send_email", side_effect=OSError("smtp down")):
        assert outbox.outbox_deliver(message_id=row.pk, now=now) is False
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxMessage.Status.PENDING, 1)
    assert row.next_attempt_at == now + timedelta(seconds=30)
    assert "smtp down" in row.last_error
    assert outbox.outbox_drain(now=now) == 0
    assert outbox.outbox_drain(now=now + timedelta(seconds=30)) == 1


def test_row_is_marked_failed_after_the_last_attempt(customer, category, now):
    create_ticket(customer, category, now)
    row = OutboxMessage.objects.get()
    with mock.patch("notifications.services._send_email", side_effect=OSError("bounce")):
        for attempt in range(outbox.MAX_ATTEMPTS):
            outbox.outbox_deliver(message_id=row.pk, now=now + timedelta(days=attempt))
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.FAILED


def test_mail_uses_the_outbox_id_as_message_id(customer, category, now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        create_ticket(customer, category, now)
    assert mail.outbox[0].extra_headers["Message-ID"] == f"<{OutboxMessage.objects.get().pk}@support-desk>"


@pytest.mark.django_db(transaction=True)
def test_failed_transaction_leaves_no_outbox_row(customer, category, now):
    with pytest.raises(Exception, match="needs"):
        services.ticket_create(
            requester=customer,
            category=category,
            subject="x",
            body="y",
            fields=services.TicketFields(),
            now=now,
        )
    assert not OutboxMessage.objects.exists()
