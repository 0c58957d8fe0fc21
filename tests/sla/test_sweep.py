import json
import threading
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AgentProfile
from notifications import services as outbox
from notifications import webhooks
from notifications.models import OutboxMessage, WebhookDelivery, WebhookEndpoint
from sla.models import EscalationFiring, EscalationRule, EscalationStep, Metric, SlaClock
from sla.sweep import sla_sweep
from sla.tasks import sla_sweep_task
from support_desk.bulk_sql import array_literal
from tests.factories import AgentFactory, CustomerFactory
from tickets import services
from tickets.models import Message, Ticket, TicketEvent

Kind = TicketEvent.Kind
FIRST_RESPONSE_NORMAL = timedelta(hours=4)


def new_ticket(category, now, requester=None):
    return services.ticket_create(
        requester=requester or CustomerFactory(),
        category=category,
        subject="Withdrawal stuck",
        body="Please help",
        fields=services.TicketFields(asset="USDT", amount=Decimal("10")),
        now=now,
    )


@pytest.fixture
def ticket_with_sla(category, sla_policy, now, payments, lead):
    payments.lead = lead
    payments.save()
    return new_ticket(category, now)


def kinds(ticket):
    return list(ticket.events.values_list("kind", flat=True))


def emails_to(user):
    """The alerts a sweep queued for someone, once the worker has fanned out the batch rows."""
    from django.utils import timezone

    for batch in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL_BATCH, status="pending"):
        outbox.outbox_deliver(message_id=batch.pk, now=timezone.now())
    return OutboxMessage.objects.filter(recipient=user.email, kind=OutboxMessage.Kind.EMAIL)


def test_nothing_fires_before_the_first_step(ticket_with_sla, now):
    result = sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 0.7)
    assert (result.clocks, result.steps_fired) == (0, 0)


def test_warning_step_notifies_the_team_when_unassigned(ticket_with_sla, agent, other_agent, now):
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 0.75)
    assert Kind.SLA_WARNING in kinds(ticket_with_sla)
    assert emails_to(agent).count() == 1
    assert emails_to(other_agent).count() == 1


def test_warning_step_notifies_only_the_assignee_when_assigned(ticket_with_sla, agent, other_agent, now):
    services.ticket_claim(ticket=ticket_with_sla, agent=agent, now=now)
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 0.8)
    assert (emails_to(agent).count(), emails_to(other_agent).count()) == (1, 0)


def test_breach_sets_flags_raises_priority_and_tells_the_lead(ticket_with_sla, lead, now):
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL)
    ticket_with_sla.refresh_from_db()
    assert ticket_with_sla.sla_breached is True
    assert ticket_with_sla.breached_metrics == [Metric.FIRST_RESPONSE]
    assert ticket_with_sla.priority == "high"
    assert Kind.SLA_BREACHED in kinds(ticket_with_sla)
    assert emails_to(lead).filter(purpose="sla_sla_breached").exists()


def test_late_sweep_fires_every_passed_step_once_in_order(ticket_with_sla, now):
    result = sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 2.5)
    # The breach is dated when the promise broke; the warning and escalation when they were sent.
    steps = sorted(
        TicketEvent.objects.filter(
            ticket=ticket_with_sla, kind__in=[Kind.SLA_WARNING, Kind.SLA_BREACHED, Kind.ESCALATED]
        ),
        key=lambda event: event.data["percent"],
    )
    assert [event.kind for event in steps] == [Kind.SLA_WARNING, Kind.SLA_BREACHED, Kind.ESCALATED]
    assert steps[1].at == now + FIRST_RESPONSE_NORMAL
    assert result.steps_fired == 3


def test_a_second_sweep_fires_nothing_again(ticket_with_sla, now):
    later = now + FIRST_RESPONSE_NORMAL * 1.1
    first = sla_sweep(now=later)
    second = sla_sweep(now=later)
    assert (first.steps_fired, second.steps_fired) == (2, 0)


def test_a_sweep_task_delivered_twice_fires_each_step_once(ticket_with_sla, now):
    later = now + FIRST_RESPONSE_NORMAL * 1.1
    SlaClock.objects.filter(ticket=ticket_with_sla).update(next_check_at=now)  # due for both runs
    with mock.patch("sla.tasks.timezone.now", return_value=later):
        sla_sweep_task.apply()
        SlaClock.objects.filter(ticket=ticket_with_sla).update(next_check_at=now)  # as if redelivered before commit
        sla_sweep_task.apply()
    assert EscalationFiring.objects.count() == 2
    assert kinds(ticket_with_sla).count(Kind.SLA_BREACHED) == 1


def test_breach_is_recorded_once_without_a_100_percent_step(ticket_with_sla, now):
    EscalationStep.objects.filter(percent=100).delete()
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 1.2)
    SlaClock.objects.filter(ticket=ticket_with_sla).update(next_check_at=now)
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 1.3)
    assert kinds(ticket_with_sla).count(Kind.SLA_BREACHED) == 1


def test_answered_ticket_is_not_escalated(ticket_with_sla, agent, now):
    services.message_add(ticket=ticket_with_sla, author=agent, body="Hi", now=now + timedelta(minutes=5))
    result = sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 3)
    assert result.steps_fired == 0


def test_paused_ticket_is_not_escalated(ticket_with_sla, agent, now):
    services.ticket_change_status(
        ticket=ticket_with_sla, actor=agent, status=Ticket.Status.PENDING_CUSTOMER, now=now + timedelta(minutes=5)
    )
    assert sla_sweep(now=now + timedelta(days=30)).steps_fired == 0


def test_step_actions_move_unassign_note_and_webhook(ticket_with_sla, agent, security, sla_policy, now):
    services.ticket_claim(ticket=ticket_with_sla, agent=agent, now=now)
    rule = EscalationRule.objects.get(policy=sla_policy, metric=Metric.FIRST_RESPONSE)
    endpoint = WebhookEndpoint.objects.create(name="exchange", url="https://exchange.example/hooks/desk")
    EscalationStep.objects.create(
        rule=rule,
        percent=150,
        move_to_team=security,
        unassign=True,
        internal_note="Escalated to security by the SLA ladder.",
        webhook_endpoint=endpoint,
    )
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 1.5)
    ticket_with_sla.refresh_from_db()
    assert (ticket_with_sla.team, ticket_with_sla.assignee) == (security, None)
    assert Message.objects.filter(ticket=ticket_with_sla, kind=Message.Kind.INTERNAL, author=None).exists()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.event) == (endpoint, "ticket.escalated")


def test_escalation_step_webhook_is_signed_with_its_endpoint_secret_at_delivery(ticket_with_sla, sla_policy, now):
    import hashlib
    import hmac

    endpoint = WebhookEndpoint.objects.create(name="exchange", url="https://exchange.example/hooks/desk")
    rule = EscalationRule.objects.get(policy=sla_policy, metric=Metric.FIRST_RESPONSE)
    EscalationStep.objects.filter(rule=rule, percent=100).update(webhook_endpoint=endpoint)
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL)
    delivery = WebhookDelivery.objects.get()
    with mock.patch("notifications.webhooks.requests.post") as post:
        post.return_value.status_code = 204
        assert webhooks.webhook_deliver(delivery_id=delivery.pk, now=now) is True
    headers, body = post.call_args.kwargs["headers"], post.call_args.kwargs["data"]
    expected = hmac.new(
        endpoint.secret.encode(), headers["X-Desk-Timestamp"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert headers["X-Desk-Signature"] == f"sha256={expected}"
    assert headers["X-Desk-Delivery"] == str(delivery.delivery_id)
    sent = json.loads(body)
    assert (sent["event"], sent["data"]["ticket"]["reference"]) == ("ticket.sla_breached", ticket_with_sla.reference)
    assert sent["data"]["sla"]["percent"] == 100


def test_failing_escalation_webhook_is_retried(ticket_with_sla, sla_policy, now):
    endpoint = WebhookEndpoint.objects.create(name="exchange", url="https://exchange.example/hooks/desk")
    EscalationStep.objects.filter(percent=100).update(webhook_endpoint=endpoint)
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL)
    delivery = WebhookDelivery.objects.get()
    with mock.patch("notifications.webhooks.requests.post") as post:
        post.return_value.status_code = 503
        webhooks.webhook_deliver(delivery_id=delivery.pk, now=now)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.status_code) == (WebhookDelivery.Status.PENDING, 1, 503)


def test_breach_reaches_an_endpoint_subscribed_to_it_without_a_step_naming_it(ticket_with_sla, now):
    endpoint = WebhookEndpoint.objects.create(
        name="watcher", url="https://exchange.example/hooks/sla", event_types=["ticket.sla_breached"]
    )
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL)
    assert list(WebhookDelivery.objects.values_list("endpoint", "event", "reference")) == [
        (endpoint.pk, "ticket.sla_breached", ticket_with_sla.reference)
    ]


def test_sweep_writes_no_webhook_row_when_no_endpoint_wants_one(ticket_with_sla, now):
    WebhookEndpoint.objects.create(name="other", url="https://x.example/h", event_types=["ticket.created"])
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL)
    assert not WebhookDelivery.objects.exists()


def test_escalation_mail_is_rendered_at_delivery(ticket_with_sla, lead, now, mailoutbox):
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL)
    row = emails_to(lead).get()
    outbox.outbox_deliver(message_id=row.pk, now=now)
    assert ticket_with_sla.reference in mailoutbox[0].subject
    assert "100%" in mailoutbox[0].body


def test_escalation_mail_says_the_metric_and_priority_in_words(ticket_with_sla, lead, now, mailoutbox):
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL)
    outbox.outbox_deliver(message_id=emails_to(lead).get().pk, now=now)
    assert mailoutbox[0].subject == f"[{ticket_with_sla.reference}] SLA BREACHED: First response"
    assert "Priority: High" in mailoutbox[0].body


def test_escalation_mail_is_in_the_first_shipped_language_of_the_agent(ticket_with_sla, lead, now, mailoutbox):
    AgentProfile.objects.filter(user=lead).update(languages=["ru", "zh-Hans", "en"])
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL)
    outbox.outbox_deliver(message_id=emails_to(lead).get().pk, now=now)
    assert mailoutbox[0].subject == f"[{ticket_with_sla.reference}] 已超出服务时效 (SLA)：首次回复"
    assert "优先级" in mailoutbox[0].body


def test_sweep_queries_do_not_grow_with_tickets_that_are_not_due(category, sla_policy, now):
    due = [new_ticket(category, now) for _ in range(3)]
    with CaptureQueriesContext(connection) as few:
        sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 0.8)
    for ticket in due:
        SlaClock.objects.filter(ticket=ticket).update(next_check_at=None)
    more_due = [new_ticket(category, now) for _ in range(3)]
    for _ in range(30):
        new_ticket(category, now + timedelta(hours=3))  # not due at the sweep time
    with CaptureQueriesContext(connection) as many:
        sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 0.8)
    assert len(more_due) == 3
    assert len(few.captured_queries) == len(many.captured_queries)


def test_sweep_queries_do_not_grow_with_due_clocks(category, sla_policy, agent, now):
    first = [new_ticket(category, now) for _ in range(3)]
    with CaptureQueriesContext(connection) as few:
        assert sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 0.8).steps_fired == 3
    SlaClock.objects.filter(ticket__in=first).update(next_check_at=None)
    later = now + timedelta(hours=1)
    for _ in range(30):
        new_ticket(category, later)
    with CaptureQueriesContext(connection) as many:
        assert sla_sweep(now=later + FIRST_RESPONSE_NORMAL * 0.8).steps_fired == 30
    assert len(few.captured_queries) == len(many.captured_queries)


def test_sla_sweep_command_prints_what_it_did(ticket_with_sla, capsys):
    SlaClock.objects.filter(ticket=ticket_with_sla, metric=Metric.FIRST_RESPONSE).update(
        next_check_at=ticket_with_sla.created_at,
        segment_started_at=ticket_with_sla.created_at - timedelta(days=1),
    )
    call_command("sla_sweep")
    output = capsys.readouterr().out
    assert "steps fired" in output
    assert "Customer reminders" in output


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer; row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_concurrent_sweeps_fire_each_step_once(category, sla_policy, now):
    for _ in range(40):
        new_ticket(category, now)
    later = now + FIRST_RESPONSE_NORMAL * 2.5
    barrier = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            barrier.wait()
            sla_sweep(now=later, batch_size=7)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    # 40 tickets x first response (75, 100, 200 %) — resolution's 75% is not reached yet.
    assert EscalationFiring.objects.count() == 40 * 3
    assert TicketEvent.objects.filter(kind=Kind.SLA_BREACHED).count() == 40


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel sweepers need PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_parallel_sweepers_take_every_due_clock_once_in_one_pass(category, sla_policy, now):
    # No priority raise: its retargeting would make more steps due (tested on its own).
    EscalationStep.objects.update(raise_priority=False)
    for _ in range(30):
        new_ticket(category, now)
    # 60 h in: first response past 75, 100 and 200 %, resolution (72 h) past 75 %: two due clocks
    # per ticket, which must go to the same sweeper or one of them would wait for the next sweep.
    later = now + timedelta(hours=60)
    result = sla_sweep(now=later, batch_size=10, workers=2)
    assert (result.clocks, result.steps_fired) == (60, 30 * 4)
    assert result.batches >= 2 * 3  # both sweepers worked, 10 clocks per batch
    assert EscalationFiring.objects.count() == 30 * 4
    assert sla_sweep(now=later, batch_size=10, workers=2).steps_fired == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel sweepers need PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_a_sweeper_with_none_of_the_earliest_due_clocks_still_sweeps_its_share(category, sla_policy, now):
    tickets = [new_ticket(category, now) for _ in range(30)]
    later = now + FIRST_RESPONSE_NORMAL * 0.8
    # Even tickets' clocks fell due first: the look at the earliest due clocks sees only those.
    for ticket in tickets:
        SlaClock.objects.filter(ticket=ticket, metric=Metric.FIRST_RESPONSE).update(
            next_check_at=later - timedelta(hours=2 if ticket.pk % 2 == 0 else 1)
        )
    result = sla_sweep(now=later, batch_size=5, workers=2)
    assert result.clocks == 30
    assert not SlaClock.objects.filter(next_check_at__lte=later).exists()


def test_sweep_inside_a_transaction_runs_in_that_transaction(ticket_with_sla, now):
    # The test's own transaction holds the ticket: other connections would not see it.
    result = sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 0.8, workers=2)
    assert result.steps_fired == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="HOT updates are PostgreSQL's")
def test_breach_update_of_the_ticket_is_a_hot_update(ticket_with_sla, now):
    """The breach writes flags and a raised priority, none of them indexed: PostgreSQL keeps the
    new row version on its page without touching any index (a HOT update). An index on one of
    those columns would make every sweep write every index of every breached ticket."""

    def updates() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relname = 'tickets_ticket'"
            )
            return cursor.fetchone()

    before = updates()
    result = sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 1.1)
    after = updates()
    assert result.breaches == 1
    assert Ticket.objects.get(pk=ticket_with_sla.pk).priority == "high"
    assert after[0] - before[0] == 1
    assert after[1] - before[1] == 1


def test_agents_get_no_mail_for_tickets_of_other_teams(ticket_with_sla, outside_agent, now):
    AgentFactory(teams=[])
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 2.5)
    assert not emails_to(outside_agent).exists()


def test_alerts_are_fanned_out_once_even_when_delivered_twice(ticket_with_sla, lead, now):
    from django.utils import timezone

    sla_sweep(now=now + FIRST_RESPONSE_NORMAL)
    batch = OutboxMessage.objects.get(kind=OutboxMessage.Kind.EMAIL_BATCH)
    assert outbox.outbox_deliver(message_id=batch.pk, now=timezone.now()) is True
    OutboxMessage.objects.filter(pk=batch.pk).update(locked_until=None)
    assert outbox.outbox_deliver(message_id=batch.pk, now=timezone.now()) is False
    assert OutboxMessage.objects.filter(recipient=lead.email).count() == 1


def test_moving_step_keeps_an_assignee_who_works_in_the_new_team(ticket_with_sla, sla_policy, security, now):
    from tests.factories import AgentFactory

    both = AgentFactory(teams=[ticket_with_sla.team, security])
    services.ticket_claim(ticket=ticket_with_sla, agent=both, now=now)
    rule = EscalationRule.objects.get(policy=sla_policy, metric=Metric.FIRST_RESPONSE)
    EscalationStep.objects.create(rule=rule, percent=150, move_to_team=security)
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 1.5)
    ticket_with_sla.refresh_from_db()
    assert (ticket_with_sla.team, ticket_with_sla.assignee) == (security, both)


def test_array_literal_quotes_text_and_keeps_null_apart_from_the_string_null():
    assert array_literal(['a"b', "c\\d", None, "NULL", "", "{x,y}"], "text") == (
        '{"a\\"b","c\\\\d",NULL,"NULL","","{x,y}"}'
    )
    assert array_literal([1, None, 3], "number") == "{1,NULL,3}"
    assert array_literal([True, False, None], "bool") == "{t,f,NULL}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's array input")
def test_array_literals_come_back_from_postgresql_unchanged(db, now):
    texts = ['quote " and backslash \\', "NULL", "", "{braces, commas}", "line\nbreak", "中文 ✓", None]
    with connection.cursor() as cursor:
        cursor.execute(
            # As the sweep reads its JSON column: text[] cast element-wise to jsonb.
            "SELECT %s::text[], %s::timestamptz[], ((%s::text[])[1])::jsonb",
            [
                array_literal(texts, "text"),
                array_literal([now, None], "datetime"),
                array_literal([json.dumps({"say": 'a "b" \\ c'})], "text"),
            ],
        )
        text_back, times_back, json_back = cursor.fetchone()
    assert text_back == texts
    assert times_back == [now, None]
    assert json.loads(json_back) == {"say": 'a "b" \\ c'}  # Django's driver setup leaves jsonb as text


def test_escalation_priority_raise_retargets_the_open_clocks(ticket_with_sla, now):
    # The 100 % first-response step raises normal to high: resolution is 24 h at high, not 72 h.
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 1.1)
    resolution = SlaClock.objects.get(ticket=ticket_with_sla, metric=Metric.RESOLUTION)
    assert (resolution.target_seconds, resolution.due_at) == (24 * 3600, now + timedelta(hours=24))
    assert resolution.next_check_at == now + timedelta(hours=18)  # its 75 % step, at the new target


def test_escalation_priority_raise_leaves_the_breached_clock_its_promise(ticket_with_sla, now):
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 1.1)
    first = SlaClock.objects.get(ticket=ticket_with_sla, metric=Metric.FIRST_RESPONSE)
    assert (first.target_seconds, first.due_at) == (FIRST_RESPONSE_NORMAL.total_seconds(), now + FIRST_RESPONSE_NORMAL)


def test_escalation_priority_raise_never_moves_a_due_time_later(ticket_with_sla, sla_policy, now):
    from sla.models import SlaPolicy, SlaTarget

    slower = SlaPolicy.objects.create(name="High, slow", position=1, calendar=sla_policy.calendar, priorities=["high"])
    SlaTarget.objects.create(policy=slower, metric=Metric.RESOLUTION, priority="high", minutes=100 * 60)
    sla_sweep(now=now + FIRST_RESPONSE_NORMAL * 1.1)
    resolution = SlaClock.objects.get(ticket=ticket_with_sla, metric=Metric.RESOLUTION)
    assert Ticket.objects.get(pk=ticket_with_sla.pk).priority == "high"
    assert (resolution.policy, resolution.due_at) == (sla_policy, now + timedelta(hours=72))


def test_escalation_priority_raise_moves_the_ticket_due_time_with_its_clocks(ticket_with_sla, agent, now):
    services.message_add(ticket=ticket_with_sla, author=agent, body="Looking", now=now + timedelta(minutes=5))
    # Answered: the resolution clock (72 h) and the periodic update (24 h) run; a 100 % periodic step raises.
    rule = EscalationRule.objects.get(policy__name="Default 24x7", metric=Metric.FIRST_RESPONSE)
    EscalationRule.objects.filter(pk=rule.pk).update(metric=Metric.PERIODIC_UPDATE)
    SlaClock.objects.filter(ticket=ticket_with_sla, metric=Metric.PERIODIC_UPDATE).update(
        next_check_at=now + timedelta(minutes=5, hours=24)
    )
    sla_sweep(now=now + timedelta(minutes=5, hours=24, seconds=10))
    ticket_with_sla.refresh_from_db()
    assert ticket_with_sla.priority == "high"
    # Resolution at high: 24 h from creation, which is now the nearest running due time.
    assert ticket_with_sla.sla_due_at == now + timedelta(hours=24)


def _sweep_statements(now):
    with CaptureQueriesContext(connection) as queries:
        sla_sweep(now=now)
    return len(queries.captured_queries)


def test_escalation_priority_raise_adds_only_the_policies_and_the_other_clocks_to_a_sweep(
    category, sla_policy, payments, lead, now
):
    # The same sweep of one due first-response clock, without and with its priority raise. The
    # retarget reads the policies once (conditions and targets: no calendars), the ticket's other
    # clocks and their firings, and the resolution clock's ladder, and writes them in the batch's
    # one clock UPDATE; the policy facts come with the ticket lock.
    payments.lead = lead
    payments.save()
    steps = EscalationStep.objects.filter(raise_priority=True)
    raising = list(steps.values_list("pk", flat=True))
    steps.update(raise_priority=False)
    new_ticket(category, now)
    plain = _sweep_statements(now + FIRST_RESPONSE_NORMAL * 1.1)
    EscalationStep.objects.filter(pk__in=raising).update(raise_priority=True)
    later = now + timedelta(hours=1)
    raised = new_ticket(category, later)
    with_raise = _sweep_statements(later + FIRST_RESPONSE_NORMAL * 1.1)
    assert Ticket.objects.get(pk=raised.pk).priority == "high"
    assert with_raise - plain == 3 + 2 + 3


def test_parallel_sweepers_share_one_cache_of_policies_and_calendars(sla_policy, django_assert_num_queries):
    from sla.sweep import _Context

    shared = _Context()
    first, second = _Context((0, 2), shared), _Context((1, 2), shared)
    with django_assert_num_queries(3):  # the policies, their categories, their targets
        assert first.policies() is second.policies()
    with django_assert_num_queries(3):  # the calendar, its intervals, its holidays
        assert first.schedule(sla_policy.calendar_id) is second.schedule(sla_policy.calendar_id)
    assert first.skipped is not second.skipped
