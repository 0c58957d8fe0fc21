"""One rendering policy: every e-mail is queued as facts and rendered when it is sent, so nothing
renders inside a service's transaction (under the ticket's row lock) and no row stores a body."""

from unittest import mock

import pytest

from notifications import services as outbox
from notifications.models import OutboxMessage
from tickets import services


@pytest.fixture
def no_rendering():
    with mock.patch("notifications.services.render_to_string", side_effect=AssertionError("rendered when queued")):
        yield


def test_agent_reply_is_queued_without_rendering_or_its_text(ticket, agent, now, no_rendering):
    services.message_add(ticket=ticket, author=agent, body="Your deposit is credited.", now=now)
    row = OutboxMessage.objects.get(purpose="agent_replied")
    assert row.payload["template"] == "agent_replied"
    assert "Your deposit is credited." not in str(row.payload)


def test_agent_reply_mail_reads_the_reply_when_sent(ticket, agent, now, mailoutbox):
    services.message_add(ticket=ticket, author=agent, body="Your deposit is credited.", now=now)
    outbox.outbox_deliver(message_id=OutboxMessage.objects.get(purpose="agent_replied").pk, now=now)
    assert "Your deposit is credited." in mailoutbox[0].body
    assert ticket.reference in mailoutbox[0].subject


def test_assignment_mail_is_rendered_when_sent_with_the_ticket_labels(ticket, lead, agent, now, no_rendering):
    services.ticket_assign(ticket=ticket, actor=lead, assignee=agent, now=now)
    row = OutboxMessage.objects.get(purpose="ticket_assigned")
    assert row.payload["context"]["ticket"] == {
        "id": ticket.pk,
        "reference": ticket.reference,
        "subject": ticket.subject,
    }


def test_assignment_mail_says_priority_and_team(ticket, lead, agent, now, mailoutbox):
    services.ticket_assign(ticket=ticket, actor=lead, assignee=agent, now=now)
    outbox.outbox_deliver(message_id=OutboxMessage.objects.get(purpose="ticket_assigned").pk, now=now)
    assert ticket.team.name in mailoutbox[0].body
    assert str(ticket.get_priority_display()) in mailoutbox[0].subject


def test_solving_queues_the_rating_invitation_as_facts(ticket, agent, now, no_rendering):
    services.ticket_change_status(ticket=ticket, actor=agent, status="solved", now=now)
    row = OutboxMessage.objects.get(purpose="rating_invitation")
    assert row.payload["context"]["rate_url"].endswith("#rate")


def test_auto_close_mail_is_rendered_when_sent(ticket, agent, now, mailoutbox):
    services.ticket_change_status(ticket=ticket, actor=agent, status="pending_customer", now=now)
    with mock.patch("notifications.services.render_to_string", side_effect=AssertionError("rendered when queued")):
        services.ticket_auto_close(ticket=ticket, reason="auto_close_pending", now=now)
    outbox.outbox_deliver(message_id=OutboxMessage.objects.get(purpose="ticket_auto_closed").pk, now=now)
    assert "did not hear back" in mailoutbox[0].body


def test_no_queued_mail_holds_rendered_text(ticket, agent, lead, now):
    services.ticket_assign(ticket=ticket, actor=lead, assignee=agent, now=now)
    services.message_add(ticket=ticket, author=agent, body="Hello", now=now)
    services.ticket_change_status(ticket=ticket, actor=agent, status="solved", now=now)
    for row in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL):
        assert "template" in row.payload
        assert "text" not in row.payload and "html" not in row.payload
