"""One event to many recipients (notifications.services.outbox_fan_out): one batch row in the
caller's transaction, expanded by a worker on the bulk queue in INSERTs of FAN_OUT_BATCH rows."""

from unittest import mock

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import services as outbox
from notifications.models import OutboxMessage
from support_desk.celery import app as celery_app


def queue_of(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def recipients(count: int) -> list[dict]:
    return [
        {"to": f"user{n}@example.com", "language": "en", "context": {"customer_name": f"U{n}"}} for n in range(count)
    ]


def fan_out(now, **kwargs):
    return outbox.outbox_fan_out(
        purpose="broadcast",
        template="guest_link",
        facts={"ticket": {"reference": "ABC", "subject": "BTC withdrawals delayed"}, "valid_days": 7},
        now=now,
        **kwargs,
    )


def test_fan_out_and_its_mails_run_on_the_bulk_queue():
    assert queue_of(outbox.FAN_OUT_TASK) == "bulk"
    assert queue_of(outbox.DELIVER_BULK_TASK) == "bulk"
    assert queue_of(outbox.DELIVER_TASK) == "notifications"
    assert queue_of("sla.sweep") == "sla"


def test_fan_out_costs_the_caller_one_row(db, now, django_assert_num_queries):
    with django_assert_num_queries(1):
        batch = fan_out(now, recipients=recipients(3))
    assert (batch.kind, batch.queue) == (OutboxMessage.Kind.EMAIL_BATCH, OutboxMessage.Queue.BULK)


def test_fan_out_is_handed_to_the_bulk_task_after_commit(db, now, django_capture_on_commit_callbacks):
    with (
        mock.patch("notifications.tasks.outbox_fan_out_task.delay") as fan_out_task,
        django_capture_on_commit_callbacks(execute=True),
    ):
        batch = fan_out(now, recipients=recipients(2))
    fan_out_task.assert_called_once_with(str(batch.pk))


def test_fan_out_inserts_in_batches_and_relays_to_the_bulk_queue(db, now, django_capture_on_commit_callbacks):
    batch = fan_out(now, recipients=recipients(outbox.FAN_OUT_BATCH * 2 + 1))
    manager = type(OutboxMessage.objects)
    with (
        mock.patch("notifications.tasks.outbox_deliver_bulk_task.delay") as bulk_delivery,
        mock.patch.object(manager, "bulk_create", autospec=True, side_effect=manager.bulk_create) as inserts,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert outbox.outbox_deliver(message_id=batch.pk, now=now) is True
    assert [len(call.args[1]) for call in inserts.call_args_list] == [outbox.FAN_OUT_BATCH] * 2 + [1]
    rows = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL)
    assert rows.count() == outbox.FAN_OUT_BATCH * 2 + 1
    assert set(rows.values_list("queue", flat=True)) == {OutboxMessage.Queue.BULK}
    assert sum(len(call.args[0]) for call in bulk_delivery.call_args_list) == outbox.FAN_OUT_BATCH * 2 + 1


def test_fan_out_twice_creates_the_rows_once(db, now):
    batch = fan_out(now, recipients=recipients(3))
    outbox.outbox_deliver(message_id=batch.pk, now=now)
    assert outbox.outbox_deliver(message_id=batch.pk, now=now) is False
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL).count() == 3


def test_fanned_out_mail_is_rendered_per_recipient_when_sent(db, now, mailoutbox):
    batch = fan_out(now, recipients=recipients(2))
    outbox.outbox_deliver(message_id=batch.pk, now=now)
    for row in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL):
        assert "text" not in row.payload
        outbox.outbox_deliver(message_id=row.pk, now=now)
    assert sorted(message.to[0] for message in mailoutbox) == ["user0@example.com", "user1@example.com"]
    assert all("BTC withdrawals delayed" in message.body for message in mailoutbox)


def test_recipients_from_a_registered_query_are_read_by_the_worker(db, now):
    outbox.register_recipient_query("tests.many", lambda args: recipients(args["count"]))
    with CaptureQueriesContext(connection) as queries:
        batch = fan_out(now, query={"name": "tests.many", "count": 4})
    assert len(queries.captured_queries) == 1
    outbox.outbox_deliver(message_id=batch.pk, now=now)
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.EMAIL).count() == 4


def test_an_unknown_recipient_query_is_refused_when_queued(db, now):
    with pytest.raises(ValueError):
        fan_out(now, query={"name": "nobody.registered"})


def test_the_drain_hands_bulk_rows_back_to_the_bulk_queue_instead_of_sending_them(db, now, mailoutbox):
    batch = fan_out(now, recipients=recipients(1))
    with mock.patch("notifications.tasks.outbox_fan_out_task.delay") as fan_out_task:
        assert outbox.outbox_drain(now=now) == 0
    fan_out_task.assert_called_once_with(str(batch.pk))
    assert mailoutbox == []
    batch.refresh_from_db()
    assert batch.next_attempt_at == now + outbox.BULK_REDRIVE


def test_every_routed_queue_is_one_a_worker_consumes():
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert {"bulk", "notifications", "sla"} <= routed
