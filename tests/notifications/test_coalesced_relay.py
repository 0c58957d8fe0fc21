"""New outbox rows handed to the worker through one coalesced task (relay_new), where the cache is
shared by web processes and workers (Redis); per-row tasks elsewhere."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.cache import cache

from notifications import services as outbox
from notifications.models import OutboxMessage


@pytest.fixture
def coalescing(monkeypatch):
    monkeypatch.setattr(outbox, "_coalesced_relay", lambda: True)


def queue_mail(now, to="alice@example.com"):
    return outbox.outbox_enqueue_template(
        to=to,
        template="account_password_changed",
        context={"customer_name": "Alice", "password_reset_url": "https://desk.example/reset/"},
        language="en",
        purpose="account_password_changed",
        now=now,
    )


@pytest.fixture
def published(monkeypatch):
    calls = []
    task = mock.Mock()
    task.delay.side_effect = lambda *args: calls.append(args)
    monkeypatch.setattr(outbox, "_task", lambda name: task if name == outbox.DELIVER_NEW_TASK else None)
    return calls


def test_rows_queued_while_a_task_is_on_its_way_publish_nothing_more(
    db, now, coalescing, published, django_capture_on_commit_callbacks
):
    for index in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            queue_mail(now, to=f"c{index}@example.com")

    assert len(published) == 1


def test_the_coalesced_task_sends_every_new_row(db, now, coalescing, published, django_capture_on_commit_callbacks):
    for index in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            queue_mail(now, to=f"c{index}@example.com")

    assert outbox.outbox_deliver_new(now=now) == 3
    assert sorted(message.to[0] for message in mail.outbox) == ["c0@example.com", "c1@example.com", "c2@example.com"]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {OutboxMessage.Status.SENT}


def test_a_row_committed_after_the_task_started_publishes_another_task(
    db, now, coalescing, published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail(now)
    outbox.outbox_deliver_new(now=now)
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail(now, to="bob@example.com")

    assert len(published) == 2


def test_a_refused_publish_clears_the_key_so_the_next_row_tries_again(
    db, now, coalescing, monkeypatch, django_capture_on_commit_callbacks
):
    task = mock.Mock()
    task.delay.side_effect = ConnectionError("broker down")
    monkeypatch.setattr(outbox, "_task", lambda name: task)
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail(now)

    assert cache.get(outbox.RELAY_PENDING_KEY) is None
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING


def test_rows_already_attempted_are_left_to_the_drain(db, now, coalescing, published):
    row = queue_mail(now)
    OutboxMessage.objects.filter(pk=row.pk).update(attempts=1, next_attempt_at=now - timedelta(seconds=1))

    assert outbox.outbox_deliver_new(now=now) == 0
    assert mail.outbox == []


def test_without_a_shared_cache_each_row_is_its_own_task(db, now, monkeypatch, django_capture_on_commit_callbacks):
    names = []
    task = mock.Mock()
    monkeypatch.setattr(outbox, "_task", lambda name: names.append(name) or task)
    monkeypatch.setattr(outbox, "_coalesced_relay", lambda: False)
    with django_capture_on_commit_callbacks(execute=True):
        queue_mail(now)

    assert names == [outbox.DELIVER_TASK]


def test_more_rows_than_one_batch_are_all_sent_by_one_task(db, now, coalescing, published):
    for index in range(outbox.NEW_ROWS_BATCH * 2 + 3):
        queue_mail(now, to=f"c{index}@example.com")

    assert outbox.outbox_deliver_new(now=now) == outbox.NEW_ROWS_BATCH * 2 + 3
    assert len(mail.outbox) == outbox.NEW_ROWS_BATCH * 2 + 3


def test_a_batch_costs_the_same_statements_whatever_its_size(db, now, coalescing, published, django_assert_num_queries):
    for index in range(10):
        queue_mail(now, to=f"c{index}@example.com")

    # Lease (BEGIN, SELECT ... FOR UPDATE SKIP LOCKED, UPDATE, COMMIT), one UPDATE to mark them
    # sent, then the empty looks before and after the key is cleared (BEGIN, SELECT, COMMIT each).
    with django_assert_num_queries(11):
        assert outbox.outbox_deliver_new(now=now) == 10


def test_a_task_over_its_time_hands_the_rest_to_a_new_task(db, now, coalescing, published):
    for index in range(outbox.NEW_ROWS_BATCH + 1):
        queue_mail(now, to=f"c{index}@example.com")
    cache.set(outbox.RELAY_PENDING_KEY, "1")

    assert outbox.outbox_deliver_new(now=now, max_seconds=0) == outbox.NEW_ROWS_BATCH
    assert len(published) == 1
    assert cache.get(outbox.RELAY_PENDING_KEY) == "1"


def test_a_failed_send_is_recorded_and_the_rest_of_the_batch_is_sent(db, now, coalescing, published):
    first, second = queue_mail(now, to="a@example.com"), queue_mail(now, to="b@example.com")
    real_send = outbox._send_email

    def send(message):
        if message.pk == first.pk:
            raise OSError("smtp down")
        real_send(message)

    with mock.patch.object(outbox, "_send_email", side_effect=send):
        assert outbox.outbox_deliver_new(now=now) == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.attempts, first.locked_until) == (OutboxMessage.Status.PENDING, 1, None)
    assert (second.status, second.attempts) == (OutboxMessage.Status.SENT, 1)


def test_a_row_arriving_while_the_task_lingers_is_sent_by_the_same_task(
    db, now, coalescing, published, settings, monkeypatch
):
    settings.OUTBOX_NEW_ROWS_LINGER_SECONDS = 0.01
    queue_mail(now, to="first@example.com")
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 1:
            queue_mail(now, to="second@example.com")

    monkeypatch.setattr(outbox.time, "sleep", sleep)

    assert outbox.outbox_deliver_new(now=now) == 2
    assert waits == [0.01, 0.01]
    assert published == []
