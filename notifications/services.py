"""The outbox: side effects written with their cause, delivered after commit, retried until done."""

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import requests
from celery import current_app
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

# Bearer links (a guest's private link) are minted by the worker as it sends: the queued row
# holds only this placeholder and the facts to mint from, never a usable secret.
LINK_PLACEHOLDER = "__DESK_PRIVATE_LINK__"
LinkMinter = Callable[[dict[str, Any], datetime], str]
_link_minters: dict[str, LinkMinter] = {}


def register_link_minter(name: str, minter: LinkMinter) -> None:
    """A higher app says how to mint the link for e-mails queued with `mint={"name": name, ...}`."""
    _link_minters[name] = minter


# A webhook's signing secret is looked up when it is sent, never stored in the row: a higher app
# registers how, under the payload key that names its source (the SLA app: "step_id").
SecretLookup = Callable[[Any], str]
_secret_lookups: dict[str, SecretLookup] = {}


def register_webhook_secret(payload_key: str, lookup: SecretLookup) -> None:
    _secret_lookups[payload_key] = lookup


# A batch row (Kind.EMAIL_BATCH) is turned into one row per e-mail by a worker; the app that
# queued it registers, under the batch's purpose, how its items become outbox rows.
FanOut = Callable[[list[dict[str, Any]], datetime], list[OutboxMessage]]
_fan_outs: dict[str, FanOut] = {}


def register_fan_out(purpose: str, expand: FanOut) -> None:
    _fan_outs[purpose] = expand


# Tasks are addressed by their stable names (notifications.tasks), so this module does not
# import the tasks that import it. NotificationsConfig.ready() registers them.
DELIVER_TASK = "notifications.outbox_deliver"
DELIVER_MANY_TASK = "notifications.outbox_deliver_many"


def _task(name: str):
    return current_app.tasks[name]


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def render_email(template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Subject (one line), text and HTML of an e-mail template, in the given language."""
    with translation.override(language):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    return subject, text, html


def outbox_enqueue_email(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str,
    purpose: str,
    ticket_reference: str = "",
    mint: dict[str, Any] | None = None,
    now: datetime,
) -> OutboxMessage | None:
    """Render an e-mail in the recipient's language now and queue it for delivery after commit.

    Rendering happens inside the transaction so the mail says what was true when it was caused.
    `mint` names a registered link minter and its arguments: the worker replaces
    LINK_PLACEHOLDER in the mail with the link it mints when it sends.
    """
    if not to:
        return None
    subject, text, html = render_email(template, context, language)
    payload: dict[str, Any] = {"text": text, "html": html}
    if mint is not None:
        if mint.get("name") not in _link_minters:
            raise ValueError(f"No link minter registered as {mint.get('name')!r}")
        payload["mint"] = mint
    message = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.EMAIL,
        recipient=to,
        subject=subject[:255],
        payload=payload,
        purpose=purpose,
        ticket_reference=ticket_reference,
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: relay(message.pk))
    return message


DATETIME_TAG = "__datetime__"


def _facts(value: Any) -> Any:
    """A template context as JSON: datetimes tagged so the sender gets them back as datetimes."""
    if isinstance(value, datetime):
        return {DATETIME_TAG: value.isoformat()}
    if isinstance(value, dict):
        return {str(key): _facts(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_facts(item) for item in value]
    return value


def _from_facts(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {DATETIME_TAG}:
            return datetime.fromisoformat(value[DATETIME_TAG])
        return {key: _from_facts(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_facts(item) for item in value]
    return value


def outbox_enqueue_template(
    *,
    to: str,
    template: str,
    context: dict[str, Any],
    language: str,
    purpose: str,
    ticket_reference: str = "",
    mint: dict[str, Any] | None = None,
    now: datetime,
) -> OutboxMessage | None:
    """Queue an e-mail rendered when it is sent, from facts fixed now: the context as plain data
    (strings, numbers, datetimes, dicts and lists of them; no model instances), so the writing
    transaction, and the row lock it may hold, never waits for template rendering."""
    if not to:
        return None
    payload: dict[str, Any] = {"template": template, "language": language, "context": _facts(context)}
    if mint is not None:
        if mint.get("name") not in _link_minters:
            raise ValueError(f"No link minter registered as {mint.get('name')!r}")
        payload["mint"] = mint
    message = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.EMAIL,
        recipient=to,
        # For the admin's list; the e-mail's own subject is rendered with its body.
        subject=f"[{ticket_reference}] {purpose}"[:255] if ticket_reference else purpose[:255],
        payload=payload,
        purpose=purpose,
        ticket_reference=ticket_reference,
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: relay(message.pk))
    return message


def relay_many(message_ids: list[Any]) -> None:
    """Hand many committed rows to Celery as one task (a sweep can cause thousands)."""
    for offset in range(0, len(message_ids), 200):
        chunk = [str(message_id) for message_id in message_ids[offset : offset + 200]]
        try:
            _task(DELIVER_MANY_TASK).delay(chunk)
        except Exception:  # noqa: BLE001 - the drain delivers what could not be handed over
            logger.warning("Broker unavailable; %s outbox messages left for the drain", len(chunk))
            return


def relay(message_id: Any) -> None:
    """Hand a committed outbox row to Celery; if the broker is down the drain picks it up later."""
    try:
        _task(DELIVER_TASK).delay(str(message_id))
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
    payload = message.payload
    if "template" in payload:
        # Rows written in bulk (SLA alerts) carry a template and plain context, rendered here.
        subject, text, html = render_email(
            payload["template"], _from_facts(payload.get("context", {})), payload.get("language", "en")
        )
    else:
        subject, text, html = message.subject, message.payload.get("text", ""), message.payload.get("html", "")
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        # The outbox id as Message-ID: a redelivered row is recognisably the same e-mail.
        headers={"Message-ID": f"<{message.pk}@support-desk>", "X-Desk-Purpose": message.purpose},
    )
    mint = payload.get("mint")
    with transaction.atomic():
        # A minted link exists only if its mail went out: a failed send rolls it back.
        if mint:
            link = _link_minters[mint["name"]](mint, timezone.now())
            email.subject = email.subject.replace(LINK_PLACEHOLDER, link)
            text = text.replace(LINK_PLACEHOLDER, link)
            email.body = text
            html = html.replace(LINK_PLACEHOLDER, link)
        if html:
            email.attach_alternative(html, "text/html")
        email.send(fail_silently=False)


def webhook_signature(secret: str, body: bytes, timestamp: str) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _send_webhook(message: OutboxMessage) -> None:
    """POST the JSON body, signed with its source's secret (looked up now, never stored in the row).
    The outbox id travels as X-Desk-Delivery so the receiver can drop duplicates."""
    secret = ""
    for key, lookup in _secret_lookups.items():
        if message.payload.get(key):
            secret = lookup(message.payload[key]) or ""
            break
    body = json.dumps(message.payload.get("body", {}), sort_keys=True, separators=(",", ":")).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "support-desk-webhooks/1",
        "X-Desk-Delivery": str(message.pk),
        "X-Desk-Timestamp": timestamp,
    }
    if secret:
        headers["X-Desk-Signature"] = f"sha256={webhook_signature(secret, body, timestamp)}"
    response = requests.post(message.recipient, data=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT)
    if response.status_code >= 300:
        raise WebhookFailed(f"HTTP {response.status_code}")


class WebhookFailed(Exception):
    pass


def outbox_deliver(*, message_id: Any, now: datetime) -> bool:
    """Deliver one outbox row. Returns True when it was sent by this call."""
    if not _claim(message_id, now=now):
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        if message.kind == OutboxMessage.Kind.EMAIL_BATCH:
            return _fan_out(message, now=now)
        if message.kind == OutboxMessage.Kind.EMAIL:
            _send_email(message)
        elif message.kind == OutboxMessage.Kind.WEBHOOK:
            _send_webhook(message)
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


@transaction.atomic
def _fan_out(batch: OutboxMessage, *, now: datetime) -> bool:
    """Turn a batch row into one outbox row per e-mail, and mark the batch done, in one
    transaction: a crash or a second delivery cannot fan it out twice."""
    locked = OutboxMessage.objects.select_for_update().get(pk=batch.pk)
    if locked.status != OutboxMessage.Status.PENDING:
        return False
    expand = _fan_outs.get(locked.purpose)
    if expand is None:
        raise ValueError(f"No fan-out registered for {locked.purpose!r}")
    rows = OutboxMessage.objects.bulk_create(expand(locked.payload.get("emails", []), now), batch_size=1000)
    OutboxMessage.objects.filter(pk=locked.pk).update(
        status=OutboxMessage.Status.SENT, attempts=locked.attempts + 1, sent_at=now, locked_until=None
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: relay_many(ids))
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
