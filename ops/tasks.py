from celery import shared_task
from django.utils import timezone

from .services import heartbeat_record, ticket_counts_take


@shared_task(name="ops.heartbeat", acks_late=True, time_limit=30, ignore_result=True)
def heartbeat_task() -> float:
    return heartbeat_record()


@shared_task(name="ops.ticket_counts", acks_late=True, time_limit=120, ignore_result=True)
def ticket_counts_task() -> int:
    return ticket_counts_take(now=timezone.now())
