"""The outbox: side effects written with their cause, delivered after commit, retried until done."""

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import OutboxMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def outbox_enqueue_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str,
    purpose: str,
    ticket_reference: str = "",
    now: datetime,
) -> OutboxMessage | None:
    """Render an e-mail in the recipient's language now and queue it for delivery after commit.

    Rendering happens inside the transaction so the mail says what was true when it was caused.
    """
    if not to:
        return None
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    message = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.EMAIL,
        recipient=to,
        subject=subject[:255],
        payload={"text": text, "html": html},
        purpose=purpose,
        ticket_reference=ticket_reference,
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: relay(message.pk))
    return message


def relay(message_id: Any) -> None:
    """Hand a committed outbox row to Celery; if the broker is down the drain picks it up later."""
    from .tasks import outbox_deliver_task

    try:
        outbox_deliver_task.delay(str(message_id))
    except Exception:  # noqa: BLE001 - any broker failure must not fail the request
        logger.warning("Broker unavailable; outbox message %s left for the drain", message_id)


def _claim(message_id: Any, *, now: datetime) -> bool:
    """Take a short lease on a pending row, so two workers never send it at the same time."""
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(locked_until=now + LEASE)
    )
    return claimed == 1


def _send_email(message: OutboxMessage) -> None:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.payload.get("text", ""),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        # The outbox id as Message-ID: a redelivered row is recognisably the same e-mail.
        headers={"Message-ID": f"<{message.pk}@support-desk>", "X-Desk-Purpose": message.purpose},
    )
    if message.payload.get("html"):
        email.attach_alternative(message.payload["html"], "text/html")
    email.send(fail_silently=False)


def outbox_deliver(*, message_id: Any, now: datetime) -> bool:
    """Deliver one outbox row. Returns True when it was sent by this call."""
    if not _claim(message_id, now=now):
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        if message.kind == OutboxMessage.Kind.EMAIL:
            _send_email(message)
        else:
            raise ValueError(f"Unknown outbox kind {message.kind!r}")
    except Exception as error:  # noqa: BLE001 - record every failure, retry with backoff
        attempts = message.attempts + 1
        failed = attempts >= MAX_ATTEMPTS
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=attempts,
            last_error=f"{type(error).__name__}: {error}"[:2000],
            status=OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING,
            next_attempt_at=now + _backoff(attempts),
            locked_until=None,
        )
        logger.warning("Outbox message %s failed (attempt %s): %s", message.pk, attempts, error)
        return False
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.SENT,
        attempts=message.attempts + 1,
        sent_at=timezone.now(),
        locked_until=None,
        last_error="",
    )
    return True


def outbox_drain(*, now: datetime, limit: int = 500) -> int:
    """Deliver every pending row whose time has come (after a broker outage or a crash)."""
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for message_id in due if outbox_deliver(message_id=message_id, now=now))


@transaction.atomic
def outbox_retry(*, message_ids: list[Any], now: datetime) -> int:
    """Queue unsent rows again (an admin's "retry now"); delivery still happens in a worker."""
    count = (
        OutboxMessage.objects.filter(pk__in=message_ids)
        .exclude(status=OutboxMessage.Status.SENT)
        .update(status=OutboxMessage.Status.PENDING, next_attempt_at=now, locked_until=None)
    )
    for message_id in message_ids:
        transaction.on_commit(lambda message_id=message_id: relay(message_id))
    return count
