from celery import shared_task
from django.conf import settings
from django.utils import timezone

from support_desk.metrics import SWEEP_DURATION

from .backlog import backlog_snapshot_take
from .complaints.services import complaint_deadlines_sweep
from .recompute import recompute_for_policies
from .reminders import customer_reminders_run
from .sweep import sla_sweep


@shared_task(name="sla.sweep", acks_late=True, time_limit=300, soft_time_limit=280, ignore_result=True)
def sla_sweep_task() -> dict:
    with SWEEP_DURATION.time():
        return sla_sweep(now=timezone.now(), batch_size=settings.SLA_SWEEP_BATCH_SIZE).as_dict()


@shared_task(name="sla.customer_reminders", acks_late=True, time_limit=300, ignore_result=True)
def customer_reminders_task() -> dict:
    return customer_reminders_run(now=timezone.now()).as_dict()


@shared_task(name="sla.recompute", acks_late=True, time_limit=1800, ignore_result=True)
def recompute_task(policy_ids: list[int] | None = None) -> int:
    return recompute_for_policies(policy_ids=policy_ids, now=timezone.now())


@shared_task(name="sla.backlog_snapshot", acks_late=True, time_limit=300, ignore_result=True)
def backlog_snapshot_task() -> int:
    return backlog_snapshot_take(now=timezone.now())


@shared_task(name="sla.complaint_deadlines", acks_late=True, time_limit=300, ignore_result=True)
def complaint_deadlines_task() -> dict:
    return complaint_deadlines_sweep(now=timezone.now()).as_dict()
