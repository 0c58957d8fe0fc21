from celery import shared_task

from .services import heartbeat_record


@shared_task(name="ops.heartbeat", acks_late=True, time_limit=30, ignore_result=True)
def heartbeat_task() -> float:
    return heartbeat_record()
