from celery import shared_task
from django.utils import timezone

from .broadcast import BROADCAST_TASK, broadcast_drain, broadcast_run


# CELERY_TASK_ROUTES: incidents.* on the `bulk` queue, never in front of the sla queue's sweep.
@shared_task(name=BROADCAST_TASK, acks_late=True, time_limit=300, soft_time_limit=240, ignore_result=True)
def broadcast_task(update_id: int) -> bool:
    done = broadcast_run(update_id=update_id)
    if not done:
        broadcast_task.delay(update_id)  # the rest later, behind what else waits on the bulk queue
    return done


@shared_task(name="incidents.broadcast_drain", acks_late=True, time_limit=60, ignore_result=True)
def broadcast_drain_task() -> int:
    return broadcast_drain(now=timezone.now())
