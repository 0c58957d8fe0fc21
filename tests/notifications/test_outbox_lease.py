"""The outbox lease a worker takes on each row it sends (tests/integration/test_incident_broadcast_kill.py
kills a worker holding one)."""

from datetime import timedelta

from django.utils import timezone

from notifications import services as outbox
from notifications.models import OutboxMessage
from notifications.tasks import outbox_deliver_bulk_task


def queued(now, count: int) -> list[str]:
    return [
        str(
            OutboxMessage.objects.create(
                kind=OutboxMessage.Kind.EMAIL,
                queue=OutboxMessage.Queue.BULK,
                recipient=f"customer{n}@example.com",
                subject="Incident update",
                payload={"text": "Nodes are catching up."},
                purpose="incident_update",
                created_at=now,
                next_attempt_at=now,
            ).pk
        )
        for n in range(count)
    ]


def test_a_row_late_in_a_long_task_is_leased_from_its_own_claim(db, now, monkeypatch):
    """A task of 200 rows starts with one `now`; each send here takes longer than a lease. Every
    row must still be leased when it is sent, or the drain would hand it to a second worker."""
    clock = {"now": now}
    monkeypatch.setattr(timezone, "now", lambda: clock["now"])
    leased_while_sent = []
    real_send = outbox._send_email

    def slow_send(message):
        row = OutboxMessage.objects.get(pk=message.pk)
        leased_while_sent.append(row.locked_until > clock["now"])
        real_send(message)
        clock["now"] += outbox.LEASE + timedelta(seconds=1)

    monkeypatch.setattr(outbox, "_send_email", slow_send)
    assert outbox_deliver_bulk_task(queued(now, 3)) == 3
    assert leased_while_sent == [True, True, True]
