"""A Celery worker SIGKILLed in the middle of an escalation sweep and again in the middle of the
e-mail fan-out it caused: the work is picked up again (the periodic sweep, the outbox drain after a
short lease) and every side effect happens once: one firing per clock and step, one breach event per
clock, one e-mail per outbox row with its own Message-ID, and at most the one e-mail in flight when
the process died sent twice (counted)."""

import time
from collections import Counter
from pathlib import Path

import pytest

from .conftest import free_port, mail_message_ids, wait_until

pytestmark = pytest.mark.slow

CLOCKS = 2000
STEPS = 2  # 50 % and 100 %, both past due: each clock fires both in one sweep

SETUP = """
import time
from datetime import timedelta
from django.utils import timezone
from notifications.models import OutboxMessage, WebhookDelivery
from sla.models import BusinessCalendar, EscalationRule, EscalationStep, Metric, SlaPolicy, SlaTarget
from tests.factories import AgentFactory, CategoryFactory, CustomerFactory, TeamFactory
from tickets import services
started = time.monotonic()
lead = AgentFactory(username="kill-lead")
team = TeamFactory(code="kill_team", lead=lead)
category = CategoryFactory(code="kill_escalation", default_team=team)
calendar = BusinessCalendar.objects.create(name="Kill 24x7")
policy = SlaPolicy.objects.create(name="Kill test", position=0, calendar=calendar)
policy.categories.add(category)
for priority in ("low", "normal", "high", "urgent"):
    SlaTarget.objects.create(policy=policy, metric=Metric.FIRST_RESPONSE, priority=priority, minutes=1)
rule = EscalationRule.objects.create(policy=policy, metric=Metric.FIRST_RESPONSE)
EscalationStep.objects.create(rule=rule, percent=50, notify_team_lead=True)
EscalationStep.objects.create(rule=rule, percent=100, notify_team_lead=True)
customer = CustomerFactory(username="kill-customer")
past = timezone.now() - timedelta(minutes=5)
refs = []
FIELDS = services.TicketFields()
for n in range(COUNT):
    ticket = services.ticket_create(
        requester=customer, category=category, subject=f"Kill {n}", body="Overdue", fields=FIELDS, now=past
    )
    refs.append(ticket.reference)
created = time.monotonic() - started
OutboxMessage.objects.all().delete()
WebhookDelivery.objects.all().delete()
result = {"created_seconds": created, "lead_email": lead.email}
"""


@pytest.fixture
def desk_env(desk_env):
    # Small batches (each its own transaction), one sweeper: the sweep lasts long enough to be killed in.
    return {**desk_env, "SLA_SWEEP_BATCH_SIZE": "25", "SLA_SWEEP_WORKERS": "1"}


def test_worker_killed_mid_escalation_batch_each_step_fires_once(private_postgres, worker, django_run, desk_env):
    # Filed 5 minutes ago against a 1-minute target, with no broker (nothing is sent before the test
    # starts the worker); the creation e-mails are dropped, only the escalation's are counted.
    setup = django_run(
        f"COUNT = {CLOCKS}\n" + SETUP, env={"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}, timeout=240
    )
    lead = setup["lead_email"]
    pg = private_postgres
    firings = "SELECT count(*) FROM sla_escalationfiring"
    alert_rows = "SELECT count(*) FROM notifications_outboxmessage WHERE kind = 'email' AND recipient = %s"
    sent_rows = alert_rows + " AND status = 'sent'"

    # Part-way through the sweep and inside a batch: some batches committed, and the worker's
    # connection holds an open transaction (the next batch's locked clocks, firings not committed).
    in_batch = (
        "SELECT (SELECT count(*) FROM sla_escalationfiring), (SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL)"
    )

    def mid_batch():
        fired, open_transactions = pg.sql(in_batch)[0]
        return fired if 0 < fired < CLOCKS * STEPS and open_transactions else 0

    worker.start()
    fired_at_kill = wait_until(mid_batch, 60, "the sweep under way, inside a batch", interval=0.01)
    worker.kill()
    killed_sweep_at = time.monotonic()
    assert 0 < pg.scalar(firings) < CLOCKS * STEPS, "the sweep was not killed mid-way"

    worker.start()
    wait_until(lambda: pg.scalar(firings) == CLOCKS * STEPS, 90, "every step fired after the restart")
    swept_in = time.monotonic() - killed_sweep_at
    sent_at_kill = wait_until(
        lambda: (lambda n: n if CLOCKS * STEPS // 4 < n < CLOCKS * STEPS else 0)(pg.scalar(sent_rows, lead)),
        90,
        "the e-mail fan-out under way",
        interval=0.02,
    )
    worker.kill()
    killed_mail_at = time.monotonic()
    worker.start()
    wait_until(lambda: pg.scalar(sent_rows, lead) == CLOCKS * STEPS, 120, "every escalation e-mail sent")
    mailed_in = time.monotonic() - killed_mail_at
    time.sleep(3)  # another sweep and drain: nothing fires or is sent again

    # Each ladder step once per clock; the breach recorded once per clock.
    assert pg.scalar(firings) == CLOCKS * STEPS
    per_clock = pg.sql("SELECT clock_id, count(*) FROM sla_escalationfiring GROUP BY clock_id")
    assert len(per_clock) == CLOCKS and {n for _, n in per_clock} == {STEPS}
    breaches = pg.sql(
        "SELECT ticket_id, count(*) FROM tickets_ticketevent WHERE kind = 'sla_breached' GROUP BY ticket_id"
    )
    assert len(breaches) == CLOCKS and {n for _, n in breaches} == {1}, Counter(n for _, n in breaches)

    # One outbox row per alert, each sent under its own Message-ID; only the one in flight at the kill twice.
    rows = {
        f"<{pk}@support-desk>"
        for (pk,) in pg.sql("SELECT id FROM notifications_outboxmessage WHERE kind = 'email' AND recipient = %s", lead)
    }
    assert len(rows) == CLOCKS * STEPS
    sent = [mid for mid in mail_message_ids(Path(desk_env["EMAIL_FILE_PATH"])) if mid in rows]
    resent = len(sent) - len(set(sent))
    assert set(sent) == rows
    assert resent <= 1, Counter(sent).most_common(3)
    print(
        f"\n  {CLOCKS} clocks x {STEPS} steps; sweep killed at {fired_at_kill} firings, all fired "
        f"{swept_in:.1f} s later; fan-out killed at {sent_at_kill} sent, all sent {mailed_in:.1f} s later; "
        f"resent {resent}; setup {setup['created_seconds']:.1f} s"
    )
