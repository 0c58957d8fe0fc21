"""The broadcast of an incident update to its linked tickets: one public message per ticket (in
the ticket's language), in batches on the `bulk` queue, resumable.

Exactly once per (update, ticket): the linked tickets are taken in ticket-id order after the
update's `broadcast_cursor`; a batch writes its messages and events and advances the cursor in
one transaction, under the update's row lock. A worker killed mid-batch rolls the batch back and
the next run (a redelivered task, the periodic drain) starts from the cursor; two workers never
write the same batch (the second waits for the lock, then finds the cursor moved).

The e-mails are not written here: incident_post_update queued them as one outbox batch
(notifications.outbox_fan_out), whose rows are delivered once each by the outbox's leases.

The task does batches for at most TASK_SECONDS, then queues itself again and returns: other work
on the `bulk` queue interleaves, no task meets its time limit whatever the link count, and the
`sla` queue's escalations never wait behind it (separate queue and workers).
"""

import logging
import time
from datetime import datetime, timedelta

from celery import current_app
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from tickets import hooks
from tickets.bulk import messages_bulk_add_system, tickets_bulk_change_status
from tickets.models import Ticket

from . import texts
from .models import Incident, IncidentLink, IncidentUpdate
from .snapshot import facts_of

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
TASK_SECONDS = 30.0
BROADCAST_TASK = "incidents.broadcast"
# An unfinished broadcast whose task was lost (broker down, worker gone) is queued again by the
# drain this long after its update was posted.
STALL = timedelta(minutes=2)


def broadcast_queue(*, update_id: int) -> None:
    """After commit: hand the broadcast to the `bulk` queue (the drain retries if the broker is down)."""
    transaction.on_commit(lambda: _send(update_id))


def _send(update_id: int) -> None:
    try:
        current_app.tasks[BROADCAST_TASK].delay(update_id)
    except Exception:  # noqa: BLE001 - the drain hands it over later
        logger.warning("Broker unavailable; incident update %s left for the drain", update_id)


@transaction.atomic
def broadcast_batch(*, update_id: int, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """One batch of an update's broadcast. Returns how many linked tickets it covered (0: done)."""
    update = (
        IncidentUpdate.objects.select_for_update(of=("self",))
        .select_related("incident", "created_by")
        .get(pk=update_id)
    )
    if update.broadcast_done_at is not None:
        return 0
    ticket_ids = list(
        IncidentLink.objects.filter(
            incident_id=update.incident_id, ticket_id__gt=update.broadcast_cursor, linked_at__lte=update.created_at
        )
        .order_by("ticket_id")
        .values_list("ticket_id", flat=True)[:batch_size]
    )
    if not ticket_ids:
        update.broadcast_done_at = now
        update.save(update_fields=["broadcast_done_at"])
        return 0
    rows = list(
        Ticket.objects.select_for_update()
        .filter(pk__in=ticket_ids)
        .exclude(status=Ticket.Status.CLOSED)
        .order_by("pk")
        .values_list("pk", "language", "reference", "status")
    )
    incident = update.incident
    facts = facts_of(incident, None)
    bodies: dict[str, str] = {}

    def body(language: str) -> str:
        key = texts.language_of(language)
        if key not in bodies:
            bodies[key] = texts.update_body(
                facts, status=update.status, eta=update.eta, text=update.localized(key), language=key
            )
        return bodies[key]

    messages_bulk_add_system(
        messages=[(pk, body(language)) for pk, language, _reference, _status in rows],
        now=now,
        data={"incident_id": incident.pk, "update_id": update.pk},
    )
    if update.status == Incident.Status.RESOLVED and incident.sla_clocks == Incident.SlaClocks.PAUSE:
        hooks.emit(
            hooks.ClocksHeld(ticket_ids=tuple(pk for pk, *_rest in rows), held=False, reason="incident", now=now)
        )
    if update.solve_tickets:
        open_references = [
            reference
            for _pk, _language, reference, status in rows
            if status not in (Ticket.Status.SOLVED, Ticket.Status.CLOSED)
        ]
        actor = update.created_by or User.objects.filter(is_superuser=True).order_by("pk").first()
        if open_references and actor is not None:
            tickets_bulk_change_status(actor=actor, references=open_references, status=Ticket.Status.SOLVED, now=now)
    update.broadcast_cursor = ticket_ids[-1]
    update.broadcast_sent += len(rows)
    fields = ["broadcast_cursor", "broadcast_sent"]
    if len(ticket_ids) < batch_size:
        update.broadcast_done_at = now
        fields.append("broadcast_done_at")
    update.save(update_fields=fields)
    return len(ticket_ids)


def broadcast_run(*, update_id: int, seconds: float = TASK_SECONDS, batch_size: int = BATCH_SIZE) -> bool:
    """Batches until the broadcast is done (True) or `seconds` have passed (False: the caller
    queues the rest). Each batch is its own transaction."""
    deadline = time.monotonic() + seconds
    while True:
        if broadcast_batch(update_id=update_id, now=timezone.now(), batch_size=batch_size) == 0:
            return True
        if time.monotonic() >= deadline:
            return False


def broadcast_drain(*, now: datetime) -> int:
    """Queue again the unfinished broadcasts whose task was lost. Returns how many."""
    stalled = list(
        IncidentUpdate.objects.filter(broadcast_done_at__isnull=True, created_at__lte=now - STALL).values_list(
            "pk", flat=True
        )[:100]
    )
    for update_id in stalled:
        _send(update_id)
    return len(stalled)
