"""When a policy or calendar is edited, running clocks get new due times, in batches."""

import logging
from datetime import datetime

from celery import current_app
from django.db import transaction

from tickets.queue_version import queue_version_bump

from .clock_schedule import ACTIVE_STATES
from .config_cache import config_version_bump
from .models import SlaClock
from .services import recompute_batch

BATCH = 500
# sla.tasks' recompute task, addressed by its stable name: sla.tasks imports this module.
RECOMPUTE_TASK = "sla.recompute"
logger = logging.getLogger(__name__)


def recompute_for_policies(*, policy_ids: list[int] | None, now: datetime) -> int:
    """Recompute every active clock (of these policies, or all). A ticket may also move to another
    policy, since conditions may have changed."""
    # A recompute follows a configuration change, maybe one made without signals (a bulk update).
    config_version_bump()
    clocks = SlaClock.objects.filter(state__in=ACTIVE_STATES)
    if policy_ids is not None:
        clocks = clocks.filter(policy_id__in=policy_ids)
    ticket_ids = sorted(set(clocks.values_list("ticket_id", flat=True)))
    changed = 0
    for offset in range(0, len(ticket_ids), BATCH):
        changed += recompute_batch(ticket_ids=ticket_ids[offset : offset + BATCH], now=now)
        queue_version_bump()  # due times changed by UPDATE, not Ticket.save(): the queue polls refetch
    return changed


def schedule_recompute(policy_ids: list[int] | None) -> None:
    """After the edit commits, recompute in a worker; the request does not wait for it."""

    def send() -> None:
        try:
            current_app.tasks[RECOMPUTE_TASK].delay(policy_ids)
        except Exception:  # noqa: BLE001 - a broker outage must not fail the edit
            logger.warning("Broker down: run `manage.py sla_recompute` later")

    transaction.on_commit(send)
