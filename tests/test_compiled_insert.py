"""support_desk.compiled_insert: one-row INSERTs compiled once, written as Django's compiler writes them."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models.functions import Now
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import OutboxMessage
from support_desk import compiled_insert
from tickets.models import PRIORITY_RANK, Message, Priority, Ticket

from .factories import TicketFactory

pytestmark = pytest.mark.django_db


def _columns(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def _cached_statements(model) -> list:
    return [entry for key, entry in compiled_insert._compiled.items() if key[0] is model and entry is not None]


@pytest.fixture
def compile_calls(monkeypatch):
    monkeypatch.setattr(compiled_insert, "_compiled", {})
    calls = []
    original = compiled_insert._statement

    def counting(model, *args, **kwargs):
        calls.append(model)
        return original(model, *args, **kwargs)

    monkeypatch.setattr(compiled_insert, "_statement", counting)
    return calls


def test_a_saved_ticket_reads_back_with_every_column_as_given():
    ticket = TicketFactory(asset="USDT", network="tron", amount=Decimal("1250.50"), txid="ab" * 32, memo="memo 7")

    stored = Ticket.objects.get(pk=ticket.pk)

    assert _columns(stored) == _columns(ticket)


def test_the_new_rows_primary_key_is_set_on_the_instance():
    ticket = TicketFactory()

    message = Message.objects.create(
        ticket=ticket, author=ticket.requester, body="Where are my funds?", created_at=timezone.now()
    )

    assert message.pk is not None
    assert Message.objects.get(pk=message.pk).body == "Where are my funds?"


def test_the_statement_is_compiled_once_per_model_and_column_set(compile_calls):
    ticket = TicketFactory()
    for index in range(3):
        Message.objects.create(ticket=ticket, author=ticket.requester, body=f"reply {index}", created_at=timezone.now())

    assert compile_calls.count(Message) == 1
    assert _cached_statements(Message)  # compiled, not handed to Django's path


def test_one_statement_per_insert_as_before(compile_calls):
    ticket = TicketFactory()
    Message.objects.create(ticket=ticket, author=ticket.requester, body="first", created_at=timezone.now())

    with CaptureQueriesContext(connection) as queries:
        Message.objects.create(ticket=ticket, author=ticket.requester, body="second", created_at=timezone.now())

    assert len(queries.captured_queries) == 1
    assert queries.captured_queries[0]["sql"].startswith('INSERT INTO "tickets_message"')


def test_an_expression_value_is_written_by_djangos_compiler(compile_calls):
    ticket = TicketFactory()

    message = Message.objects.create(ticket=ticket, author=ticket.requester, body="now", created_at=Now())

    assert Message.objects.get(pk=message.pk).created_at is not None
    assert Message not in compile_calls  # nothing cached from an instance holding an expression


def test_post_save_receivers_still_hear_of_the_new_row():
    heard = []

    def receiver(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(receiver, sender=OutboxMessage, weak=False, dispatch_uid="test.compiled_insert")
    try:
        row = OutboxMessage.objects.create(
            kind=OutboxMessage.Kind.EMAIL,
            recipient="alice@example.com",
            payload={"template": "x"},
            created_at=timezone.now(),
            next_attempt_at=timezone.now(),
        )
    finally:
        post_save.disconnect(dispatch_uid="test.compiled_insert", sender=OutboxMessage)

    assert heard == [(row.pk, True)]


def test_the_models_own_save_still_runs():
    saved = TicketFactory()
    ticket = TicketFactory.build(
        requester=saved.requester, category=saved.category, team=saved.team, priority=Priority.LOW, priority_rank=0
    )

    ticket.save()

    assert Ticket.objects.get(pk=ticket.pk).priority_rank == PRIORITY_RANK[Priority.LOW]


def _clock_rows(ticket) -> list:
    from sla.models import Metric, SlaClock

    now = timezone.now()
    return [
        SlaClock(ticket=ticket, metric=metric, cycle=0, started_at=now, segment_started_at=now, target_seconds=3600)
        for metric in (Metric.FIRST_RESPONSE, Metric.RESOLUTION)
    ]


def test_bulk_rows_get_their_ids_and_read_back_as_given():
    from sla.models import SlaClock

    clocks = compiled_insert.bulk_create_compiled(_clock_rows(TicketFactory()))

    assert all(clock.pk is not None and not clock._state.adding for clock in clocks)
    stored = {clock.pk: _columns(clock) for clock in SlaClock.objects.filter(pk__in=[c.pk for c in clocks])}
    assert stored == {clock.pk: _columns(clock) for clock in clocks}


def test_bulk_rows_are_one_statement_compiled_once_per_row_count(compile_calls):
    from sla.models import SlaClock

    compiled_insert.bulk_create_compiled(_clock_rows(TicketFactory()))
    with CaptureQueriesContext(connection) as queries:
        compiled_insert.bulk_create_compiled(_clock_rows(TicketFactory.create()))

    inserts = [q for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "sla_slaclock"')]
    assert len(inserts) == 1
    assert compile_calls.count(SlaClock) == 1
    assert _cached_statements(SlaClock)


def test_bulk_rows_are_values_rows_not_one_array_per_column(compile_calls):
    with CaptureQueriesContext(connection) as queries:
        compiled_insert.bulk_create_compiled(_clock_rows(TicketFactory.create()))

    insert = next(q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "sla_slaclock"'))
    assert "UNNEST" not in insert
    assert ") VALUES (" in insert
