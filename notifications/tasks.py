from celery import shared_task
from django.utils import timezone

from .services import outbox_deliver, outbox_deliver_new, outbox_drain
from .webhooks import webhook_deliver, webhook_drain


@shared_task(name="notifications.outbox_deliver", acks_late=True, time_limit=60, ignore_result=True)
def outbox_deliver_task(message_id: str) -> bool:
    return outbox_deliver(message_id=message_id, now=timezone.now())


@shared_task(name="notifications.outbox_deliver_new", acks_late=True, time_limit=600, ignore_result=True)
def outbox_deliver_new_task() -> int:
    return outbox_deliver_new(now=timezone.now())


@shared_task(name="notifications.outbox_deliver_many", acks_late=True, time_limit=600, ignore_result=True)
def outbox_deliver_many_task(message_ids: list[str]) -> int:
    now = timezone.now()
    return sum(1 for message_id in message_ids if outbox_deliver(message_id=message_id, now=now))


# The bulk queue (CELERY_TASK_ROUTES): a broadcast's fan-out and its e-mails, so that thousands of
# them never wait in front of a ticket's mail or an escalation on the notifications queue.
@shared_task(name="notifications.outbox_fan_out", acks_late=True, time_limit=900, ignore_result=True)
def outbox_fan_out_task(message_id: str) -> bool:
    return outbox_deliver(message_id=message_id, now=timezone.now())


@shared_task(name="notifications.outbox_deliver_bulk", acks_late=True, time_limit=600, ignore_result=True)
def outbox_deliver_bulk_task(message_ids: list[str]) -> int:
    now = timezone.now()
    return sum(1 for message_id in message_ids if outbox_deliver(message_id=message_id, now=now))


@shared_task(name="notifications.webhook_deliver", acks_late=True, time_limit=300, ignore_result=True)
def webhook_deliver_task(delivery_ids: list[str]) -> int:
    return sum(1 for delivery_id in delivery_ids if webhook_deliver(delivery_id=delivery_id, now=timezone.now()))


@shared_task(name="notifications.outbox_drain", acks_late=True, time_limit=300, ignore_result=True)
def outbox_drain_task() -> int:
    now = timezone.now()
    return outbox_drain(now=now) + webhook_drain(now=now)
