from celery import shared_task
from django.utils import timezone

from .services import outbox_deliver, outbox_drain


@shared_task(name="notifications.outbox_deliver", acks_late=True, time_limit=60, ignore_result=True)
def outbox_deliver_task(message_id: str) -> bool:
    return outbox_deliver(message_id=message_id, now=timezone.now())


@shared_task(name="notifications.outbox_deliver_many", acks_late=True, time_limit=600, ignore_result=True)
def outbox_deliver_many_task(message_ids: list[str]) -> int:
    now = timezone.now()
    return sum(1 for message_id in message_ids if outbox_deliver(message_id=message_id, now=now))


@shared_task(name="notifications.outbox_drain", acks_late=True, time_limit=300, ignore_result=True)
def outbox_drain_task() -> int:
    return outbox_drain(now=timezone.now())
