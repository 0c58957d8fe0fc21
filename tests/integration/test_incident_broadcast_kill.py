"""An incident update broadcast to 1,000 linked tickets by a real Celery worker (an OS process, on
PostgreSQL and Redis), SIGKILLed mid-way and started again: every ticket gets its message once,
every customer one e-mail with a Message-ID of its own (at most the one in flight when the worker
died is sent again, and the test says how often), and an SLA escalation falling due meanwhile is
e-mailed within its normal latency. CI's PostgreSQL + Redis pass runs it; skipped on SQLite.

The processes are bench/broadcast.py's (the same at 10,000 tickets): one worker on every queue as
docker-compose.yml runs it, and beat, with a short outbox lease and redrive (settings
OUTBOX_LEASE_SECONDS, OUTBOX_BULK_REDRIVE_SECONDS) so a killed worker's rows come back in seconds.
"""

import time
from collections import defaultdict
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from bench import broadcast as harness
from incidents.models import Incident
from incidents.services import incident_create, incident_post_update
from notifications.models import OutboxMessage
from support_desk.celery import app
from tests.factories import CustomerFactory
from tickets.models import Message

TICKETS = 1000
SWEEP_SECONDS = 2
# The escalation's normal latency: the next sweep (every SWEEP_SECONDS), then its e-mail, which
# may wait behind one bulk task of the worker's (200 e-mails).
ESCALATION_LATENCY = timedelta(seconds=10)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs PostgreSQL"),
    pytest.mark.skipif(not settings.REDIS_URL, reason="a worker process needs the Redis broker (REDIS_URL)"),
]


@pytest.fixture
def stack(tmp_path):
    app.conf.task_always_eager = False
    harness.purge_queues()
    stack = harness.Stack(
        database_url=harness.database_url(connection.settings_dict),
        redis_url=settings.REDIS_URL,
        workdir=tmp_path,
        lease_seconds=3,
        redrive_seconds=8,
        drain_seconds=1,
        sweep_seconds=SWEEP_SECONDS,
    )
    try:
        yield stack
    finally:
        stack.stop()
        harness.purge_queues()
        app.conf.task_always_eager = True


@pytest.mark.django_db(transaction=True)
def test_a_broadcast_survives_a_killed_worker_without_duplicate_e_mails(stack, lead, category):
    now = timezone.now()
    incident = incident_create(
        actor=lead,
        fields={
            "title": "BTC withdrawals are delayed",
            "title_zh_hans": "BTC 提现延迟",
            "message": "Bitcoin network congestion is slowing BTC withdrawals.",
            "message_zh_hans": "比特币网络拥堵导致 BTC 提现变慢。",
            "status": Incident.Status.IDENTIFIED,
            "assets": ["BTC"],
            "networks": ["bitcoin"],
            "started_at": now,
        },
        categories=[category],
        now=now,
    )
    counts = harness.fill_linked(incident=incident, category=category, count=TICKETS, now=now, prefix="kill-")
    harness.escalation_policy(lead=lead, category=category)
    requester = CustomerFactory(username="escalated")
    # The first worker sends at most about 100 e-mails a second (bench.paced_mail), so it is still
    # sending when the kill comes, on a fast machine too.
    stack.start_worker(mail_pace=0.01)
    stack.start_beat()

    # A ticket (not linked) whose first-response clock falls due 2 s from now, just after the update
    # is posted, while the first worker fans the broadcast out and sends it; that worker is killed
    # once a third of the e-mails and the escalation are out.
    ticket, due_at = harness.ticket_due_in(requester=requester, category=category, seconds=2)
    posted_at = time.time()
    update = incident_post_update(
        actor=lead,
        incident=incident,
        body="Nodes are catching up.",
        body_zh_hans="节点正在同步。",
        now=timezone.now(),
    )
    assert harness.wait_for(
        lambda: (
            harness.sent_update_rows() >= counts["customers"] // 3
            and harness.escalation_sent_at(ticket.reference) is not None
        ),
        60,
        stack=stack,
    ), "the first worker sent neither a third of the e-mails nor the escalation:\n" + stack.logs()
    killed_at = stack.kill_worker()
    sent_by_the_first = harness.sent_update_rows()
    assert sent_by_the_first < counts["customers"], "the first worker finished before it was killed"
    stack.start_worker()

    assert harness.wait_for(
        lambda: harness.broadcast_done(update.pk, counts["customers"]), 60, interval=0.2, stack=stack
    ), "the broadcast did not finish:\n" + stack.logs()
    last_sent = max(
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL, purpose=harness.UPDATE_PURPOSE).values_list(
            "sent_at", flat=True
        )
    )
    result = harness.figures(
        update_id=update.pk,
        posted_at=posted_at,
        finished_at=last_sent.timestamp(),
        killed_at=killed_at,
        maildir=stack.maildir,
    )
    escalated_at = harness.escalation_sent_at(ticket.reference)
    print(
        f"\nbroadcast to {counts['tickets']} tickets of {counts['customers']} customers, worker SIGKILLed after "
        f"{sent_by_the_first} e-mails: resends {result['resends']} {result['resent_ids']}, "
        f"{result['emails_per_second_first_worker']:.0f} e-mails/s before the kill, "
        f"{result['emails_per_second_overall']:.0f} e-mails/s overall, total {result['total_seconds']:.1f} s; "
        f"escalation e-mailed {(escalated_at - due_at).total_seconds():.1f} s after it fell due"
    )

    # Every linked ticket has the update's message once.
    per_ticket = Message.objects.filter(ticket__incident_link__incident=incident, kind=Message.Kind.SYSTEM)
    assert per_ticket.count() == TICKETS
    assert per_ticket.values("ticket").distinct().count() == TICKETS
    # One outbox row per customer, every row sent, each with its own Message-ID.
    assert result["outbox_rows"] == result["distinct_recipients"] == counts["customers"]
    assert result["rows_sent"] == counts["customers"]
    mails = [item for item in harness.deliveries(stack.maildir) if item.purpose == harness.UPDATE_PURPOSE]
    rows = dict(
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL, purpose=harness.UPDATE_PURPOSE).values_list(
            "recipient", "pk"
        )
    )
    assert {item.message_id for item in mails} == {f"<{pk}@support-desk>" for pk in rows.values()}
    # Nobody got two different e-mails for the update: a repeat is the same Message-ID (the one in
    # flight when the worker died), at most once.
    ids_per_recipient = defaultdict(set)
    for item in mails:
        ids_per_recipient[item.to].add(item.message_id)
    assert all(len(ids) == 1 for ids in ids_per_recipient.values())
    assert len(ids_per_recipient) == counts["customers"]
    assert result["resends"] <= 1
    # The escalation fell due while the broadcast was still going, and was e-mailed in its normal time.
    assert posted_at < due_at.timestamp() < last_sent.timestamp()
    assert escalated_at - due_at <= ESCALATION_LATENCY
