"""Posting an update: one message per linked ticket and one e-mail per customer, in their
language, in resumable batches on the bulk queue; the resolution may solve the linked tickets;
an incident that pauses clocks holds them while its tickets are linked."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from incidents import broadcast
from incidents.models import Incident, IncidentLink, IncidentUpdate
from incidents.services import incident_link_many, incident_post_update, incident_resolve
from notifications.models import OutboxMessage
from notifications.services import outbox_deliver
from support_desk.celery import app as celery_app
from tests.factories import FIXED_NOW, CustomerFactory, TicketFactory
from tickets.models import Message, Ticket

LATER = FIXED_NOW + timedelta(hours=1)


def linked(incident, tickets, now=FIXED_NOW):
    IncidentLink.objects.bulk_create(
        [IncidentLink(incident=incident, ticket=ticket, rule="manual", linked_at=now) for ticket in tickets]
    )


@pytest.fixture
def many_linked(btc_incident, category):
    """1,000 linked tickets of 1,000 customers: a tenth of them reading Chinese."""
    customers = [CustomerFactory(profile__language="zh-hans" if n % 10 == 0 else "en") for n in range(1000)]
    tickets = [
        TicketFactory(requester=customer, category=category, language=customer.customer_profile.language)
        for customer in customers
    ]
    linked(btc_incident, tickets)
    return tickets


def post(lead, incident, **fields):
    values = {"body": "Nodes are catching up.", "body_zh_hans": "节点正在同步。", **fields}
    return incident_post_update(actor=lead, incident=incident, now=LATER, **values)


def deliver_all():
    """What the bulk queue's workers do with the outbox: the fan-out, then each e-mail."""
    for message_id in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL_BATCH).values_list("pk", flat=True):
        outbox_deliver(message_id=message_id, now=LATER)
    for message_id in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL).values_list("pk", flat=True):
        outbox_deliver(message_id=message_id, now=LATER)


def test_an_update_posts_one_message_per_linked_ticket_in_batches(lead, btc_incident, many_linked):
    update = post(lead, btc_incident)
    batches = 0
    while broadcast.broadcast_batch(update_id=update.pk, now=LATER, batch_size=300):
        batches += 1
    assert batches == 4
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).count() == 1000
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).values("ticket").distinct().count() == 1000
    update.refresh_from_db()
    assert (update.broadcast_sent, update.broadcast_done_at) == (1000, LATER)


def test_an_interrupted_broadcast_resumes_without_duplicates(lead, btc_incident, many_linked):
    update = post(lead, btc_incident)
    broadcast.broadcast_batch(update_id=update.pk, now=LATER, batch_size=250)
    broadcast.broadcast_batch(update_id=update.pk, now=LATER, batch_size=250)
    # The worker is killed here; the redelivered task (or the drain) runs it again from the start.
    assert broadcast.broadcast_run(update_id=update.pk, batch_size=250) is True
    assert broadcast.broadcast_run(update_id=update.pk, batch_size=250) is True  # a second redelivery: nothing
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).count() == 1000


def test_a_batch_killed_mid_way_writes_nothing_and_is_done_again(lead, btc_incident, many_linked, monkeypatch):
    update = post(lead, btc_incident)
    calls = {"n": 0}
    real = broadcast.messages_bulk_add_system

    def dies_on_second_batch(**kwargs):
        calls["n"] += 1
        result = real(**kwargs)
        if calls["n"] == 2:
            raise SystemExit("worker killed")
        return result

    monkeypatch.setattr(broadcast, "messages_bulk_add_system", dies_on_second_batch)
    with pytest.raises(SystemExit):
        broadcast.broadcast_run(update_id=update.pk, batch_size=400)
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).count() == 400
    monkeypatch.setattr(broadcast, "messages_bulk_add_system", real)
    broadcast.broadcast_run(update_id=update.pk, batch_size=400)
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).count() == 1000


def test_each_customer_gets_one_e_mail_in_their_language(lead, btc_incident, many_linked):
    post(lead, btc_incident)
    deliver_all()
    assert len(mail.outbox) == 1000
    assert len({message.to[0] for message in mail.outbox}) == 1000
    chinese = [message for message in mail.outbox if "节点正在同步。" in message.body]
    assert len(chinese) == 100
    assert all("BTC 提现延迟" in message.subject for message in chinese)


def test_e_mails_are_sent_once_when_the_outbox_is_delivered_again(lead, btc_incident, many_linked):
    post(lead, btc_incident)
    deliver_all()
    deliver_all()  # a redelivered task, a restarted worker: every row is already sent
    assert len(mail.outbox) == 1000


def test_a_customer_with_two_linked_tickets_gets_one_e_mail_naming_both(lead, btc_incident, customer, category):
    tickets = [TicketFactory(requester=customer, category=category) for _ in range(2)]
    linked(btc_incident, tickets)
    post(lead, btc_incident)
    deliver_all()
    assert len(mail.outbox) == 1
    assert all(ticket.reference in mail.outbox[0].body for ticket in tickets)


def test_the_update_message_is_in_the_tickets_language(lead, btc_incident, category):
    chinese = TicketFactory(category=category, language="zh-hans")
    linked(btc_incident, [chinese])
    update = post(lead, btc_incident)
    broadcast.broadcast_run(update_id=update.pk)
    body = Message.objects.get(ticket=chinese, kind=Message.Kind.SYSTEM).body
    assert "节点正在同步。" in body
    assert "BTC 提现延迟" in body


def test_tickets_linked_after_the_update_are_not_part_of_it(lead, btc_incident, category):
    update = post(lead, btc_incident)
    linked(btc_incident, [TicketFactory(category=category)], now=LATER + timedelta(minutes=1))
    broadcast.broadcast_run(update_id=update.pk)
    assert not Message.objects.filter(kind=Message.Kind.SYSTEM).exists()


def test_the_broadcast_task_yields_between_batches_and_queues_the_rest(lead, btc_incident, many_linked, monkeypatch):
    from incidents import tasks

    update = post(lead, btc_incident)
    queued = []
    monkeypatch.setattr(broadcast, "TASK_SECONDS", 0.0)
    monkeypatch.setattr(
        tasks, "broadcast_run", lambda update_id: broadcast.broadcast_run(update_id=update_id, seconds=0)
    )
    monkeypatch.setattr(tasks.broadcast_task, "delay", lambda update_id: queued.append(update_id))
    assert tasks.broadcast_task.run(update.pk) is False
    assert queued == [update.pk]
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).count() == broadcast.BATCH_SIZE


def test_broadcasts_run_on_the_bulk_queue_and_escalations_on_their_own():
    router = celery_app.amqp.router
    assert router.route({}, "incidents.broadcast")["queue"].name == "bulk"
    assert router.route({}, "notifications.outbox_fan_out")["queue"].name == "bulk"
    assert router.route({}, "notifications.outbox_deliver_bulk")["queue"].name == "bulk"
    assert router.route({}, "sla.sweep")["queue"].name == "sla"


def test_an_unfinished_broadcast_is_queued_again_by_the_drain(lead, btc_incident, many_linked, monkeypatch):
    update = post(lead, btc_incident)
    sent = []
    monkeypatch.setattr(broadcast, "_send", sent.append)
    assert broadcast.broadcast_drain(now=LATER + broadcast.STALL) == 1
    assert sent == [update.pk]


def test_the_resolution_can_solve_every_linked_open_ticket(lead, btc_incident, category):
    tickets = [TicketFactory(category=category) for _ in range(3)]
    solved_already = TicketFactory(category=category, status=Ticket.Status.SOLVED)
    linked(btc_incident, [*tickets, solved_already])
    update = incident_resolve(actor=lead, incident=btc_incident, body="Fixed.", solve_tickets=True, now=LATER)
    broadcast.broadcast_run(update_id=update.pk)
    assert set(Ticket.objects.values_list("status", flat=True)) == {Ticket.Status.SOLVED}
    assert Message.objects.filter(kind=Message.Kind.SYSTEM).count() == 4
    btc_incident.refresh_from_db()
    assert btc_incident.status == Incident.Status.RESOLVED


def test_the_resolution_without_solving_leaves_the_tickets_open(lead, btc_incident, category):
    ticket = TicketFactory(category=category)
    linked(btc_incident, [ticket])
    update = incident_resolve(actor=lead, incident=btc_incident, body="Fixed.", solve_tickets=False, now=LATER)
    broadcast.broadcast_run(update_id=update.pk)
    ticket.refresh_from_db()
    assert ticket.status == Ticket.Status.NEW


def test_an_update_with_no_linked_ticket_is_done_at_once(lead, btc_incident):
    update = post(lead, btc_incident)
    assert update.broadcast_done_at == LATER
    assert not OutboxMessage.objects.exists()


def test_an_update_moves_the_incident_status_by_its_table(lead, btc_incident):
    from incidents.services import IncidentTransitionError

    incident_resolve(actor=lead, incident=btc_incident, body="Fixed.", solve_tickets=False, now=LATER)
    with pytest.raises(IncidentTransitionError):
        post(lead, btc_incident, status=Incident.Status.IDENTIFIED)


def test_customers_cannot_post_updates(customer, btc_incident):
    from incidents.services import IncidentForbidden

    with pytest.raises(IncidentForbidden):
        post(customer, btc_incident)
    assert not IncidentUpdate.objects.exists()


# --- the SLA clocks' choice --------------------------------------------------------------------


@pytest.fixture
def pausing_incident(btc_incident):
    Incident.objects.filter(pk=btc_incident.pk).update(sla_clocks=Incident.SlaClocks.PAUSE)
    btc_incident.refresh_from_db()
    return btc_incident


def file_ticket(customer, category):
    from tickets.services import TicketFields, ticket_create

    return ticket_create(
        requester=customer,
        category=category,
        subject="BTC stuck",
        body="Still pending.",
        fields=TicketFields(asset="BTC", network="bitcoin", amount="0.1"),
        now=timezone.now(),
    )


def clock_states(ticket):
    from sla.models import SlaClock

    return set(SlaClock.objects.filter(ticket=ticket).values_list("state", flat=True))


def test_a_pausing_incident_pauses_the_clocks_of_a_ticket_it_links(customer, category, pausing_incident, sla_policy):
    ticket = file_ticket(customer, category)
    assert clock_states(ticket) == {"paused"}
    assert Ticket.objects.get(pk=ticket.pk).sla_due_at is None


def test_a_keep_running_incident_leaves_the_clocks_running(customer, category, btc_incident, sla_policy):
    ticket = file_ticket(customer, category)
    assert IncidentLink.objects.filter(ticket=ticket).exists()
    assert clock_states(ticket) == {"running"}


def test_resolving_a_pausing_incident_lets_the_clocks_run_again(lead, customer, category, pausing_incident, sla_policy):
    ticket = file_ticket(customer, category)
    update = incident_resolve(
        actor=lead, incident=pausing_incident, body="Fixed.", solve_tickets=False, now=timezone.now()
    )
    update.created_at = timezone.now()
    IncidentUpdate.objects.filter(pk=update.pk).update(created_at=update.created_at)
    broadcast.broadcast_run(update_id=update.pk)
    assert clock_states(ticket) == {"running"}


def test_unlinking_from_a_pausing_incident_lets_the_clocks_run(lead, customer, category, pausing_incident, sla_policy):
    from incidents.services import incident_unlink

    ticket = file_ticket(customer, category)
    assert incident_unlink(actor=lead, ticket=ticket, now=timezone.now()) is True
    assert clock_states(ticket) == {"running"}


def test_linking_by_hand_to_a_pausing_incident_pauses_the_clocks(
    agent, customer, category, pausing_incident, sla_policy
):
    from tickets.services import TicketFields, ticket_create

    ticket = ticket_create(
        requester=customer,
        category=category,
        subject="Late",
        body="Where is it?",
        fields=TicketFields(asset="ETH", amount="1"),
        now=timezone.now(),
    )
    incident_link_many(actor=agent, incident=pausing_incident, references=[ticket.reference], now=timezone.now())
    assert clock_states(ticket) == {"paused"}


def test_a_held_ticket_stays_paused_when_its_status_changes(agent, customer, category, pausing_incident, sla_policy):
    from tickets.services import ticket_change_status

    ticket = file_ticket(customer, category)
    ticket_change_status(ticket=Ticket.objects.get(pk=ticket.pk), actor=agent, status="open", now=timezone.now())
    assert clock_states(ticket) == {"paused"}


def test_switching_an_incident_to_pause_holds_the_tickets_already_linked(
    lead, customer, category, btc_incident, sla_policy
):
    from incidents.services import incident_update

    ticket = file_ticket(customer, category)
    assert clock_states(ticket) == {"running"}
    incident_update(actor=lead, incident=btc_incident, fields={"sla_clocks": "pause"}, now=timezone.now())
    assert clock_states(ticket) == {"paused"}


def test_switching_an_incident_back_to_keep_running_releases_them(
    lead, customer, category, pausing_incident, sla_policy
):
    from incidents.services import incident_update

    ticket = file_ticket(customer, category)
    incident_update(actor=lead, incident=pausing_incident, fields={"sla_clocks": "keep"}, now=timezone.now())
    assert clock_states(ticket) == {"running"}


def test_a_next_response_clock_started_while_held_starts_paused(
    agent, customer, category, pausing_incident, sla_policy
):
    from sla.models import SlaClock, SlaTarget
    from tickets.services import message_add

    for priority in ("low", "normal", "high", "urgent"):
        SlaTarget.objects.get_or_create(
            policy=sla_policy, metric="next_response", priority=priority, defaults={"minutes": 60}
        )
    ticket = file_ticket(customer, category)
    now = timezone.now()
    message_add(ticket=Ticket.objects.get(pk=ticket.pk), author=agent, body="Looking into it.", now=now)
    message_add(ticket=Ticket.objects.get(pk=ticket.pk), author=customer, body="Any news?", now=now)
    clock = SlaClock.objects.get(ticket=ticket, metric="next_response")
    assert (clock.state, clock.held) == ("paused", True)
