"""Outbound webhooks: endpoints subscribe to event types; an event becomes one WebhookDelivery row
per subscribed endpoint, written in the transaction of its cause and posted after commit.

The contract (CONTRACT.md): a POST of a JSON body with X-Desk-Delivery (a unique id; receivers
drop duplicates), X-Desk-Timestamp (Unix seconds) and X-Desk-Signature: sha256=<hex>, the
HMAC-SHA256 of `<timestamp>.<body>` with the endpoint's secret; retried with backoff until a 2xx.

This module knows no domain: the apps that emit events register their names (and labels, for the
admin's multi-select) at ready(), and hand in bodies that carry ids and references only.
"""

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import requests
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from support_desk.versioned import VersionedSnapshot

from .models import WebhookDelivery, WebhookEndpoint, lease_free

logger = logging.getLogger(__name__)

DELIVER_TASK = "notifications.webhook_deliver"
# 30 s, 1 min, 2 min, … capped at 6 h: 16 attempts span about three days before a delivery is
# marked failed (an admin can replay it from the delivery log).
MAX_ATTEMPTS = 16
BACKOFF_FIRST = 30
BACKOFF_CAP = 6 * 3600
# How long a claimed delivery is left to the worker posting it (settings.WEBHOOK_LEASE_SECONDS).
LEASE = timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)

# --- Event types ------------------------------------------------------------------------------

_event_types: dict[str, Any] = {}


def register_webhook_events(events: dict[str, Any]) -> None:
    """A domain app names the events it emits (name -> label), from its AppConfig.ready()."""
    _event_types.update(events)


def webhook_event_choices() -> list[tuple[str, Any]]:
    return sorted(_event_types.items())


# --- Subscriptions, cached per process --------------------------------------------------------
# Every ticket write asks "who wants this event?": a per-process snapshot (support_desk.versioned,
# as sla.config_cache keeps the SLA configuration), so asking costs no statement and, within a
# second of the last check, no cache read; saving or deleting an endpoint changes the token.

VERSION_KEY = "notifications:webhook-endpoints-version"


@dataclass(frozen=True)
class _Subscriptions:
    version: str
    by_event: dict[str, tuple[int, ...]]


def _load(version: str) -> _Subscriptions:
    by_event: dict[str, list[int]] = {}
    for endpoint_id, event_types in WebhookEndpoint.objects.filter(is_active=True).values_list("pk", "event_types"):
        for event in event_types or []:
            by_event.setdefault(event, []).append(endpoint_id)
    return _Subscriptions(version=version, by_event={event: tuple(ids) for event, ids in by_event.items()})


_subscriptions = VersionedSnapshot(VERSION_KEY, _load)


def subscribed_endpoint_ids(event: str) -> tuple[int, ...]:
    """The active endpoints subscribed to an event: this process's copy (support_desk.versioned)."""
    return _subscriptions.get().by_event.get(event, ())


def connect_signals() -> None:
    """Called from NotificationsConfig.ready(): every save or delete of an endpoint (admin, shell,
    a migration's model) invalidates the subscriptions."""
    _subscriptions.reload_on_change(WebhookEndpoint)


# --- Emitting ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookEvent:
    """One event for one endpoint (or for every subscriber when endpoint_id is None)."""

    event: str
    data: dict[str, Any]
    reference: str = ""
    endpoint_id: int | None = None


def _body(delivery_id: str, event: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"id": delivery_id, "event": event, "occurred_at": now.isoformat(), "data": data}


def webhook_rows(events: Iterable[WebhookEvent], *, now: datetime) -> list[WebhookDelivery]:
    """Unsaved delivery rows for these events: one per subscribed endpoint (plus the endpoint an
    event names, e.g. an escalation step's), never two for one endpoint and event."""
    rows: list[WebhookDelivery] = []
    subscribers: dict[str, tuple[int, ...]] = {}  # one cache read per event type, not per event
    for item in events:
        if item.event not in subscribers:
            subscribers[item.event] = subscribed_endpoint_ids(item.event)
        targets = set(subscribers[item.event])
        if item.endpoint_id is not None:
            targets.add(item.endpoint_id)
        for endpoint_id in sorted(targets):
            row = WebhookDelivery(
                endpoint_id=endpoint_id,
                event=item.event,
                reference=item.reference[:64],
                created_at=now,
                next_attempt_at=now,
            )
            row.body = _body(str(row.delivery_id), item.event, item.data, now)
            rows.append(row)
    return rows


def webhook_enqueue(events: Iterable[WebhookEvent], *, now: datetime) -> list[WebhookDelivery]:
    """Write the deliveries of these events in the caller's transaction (one INSERT, none when
    nobody is subscribed) and post them after commit; a rollback leaves nothing to post."""
    rows = webhook_rows(events, now=now)
    if not rows:
        return []
    WebhookDelivery.objects.bulk_create(rows, batch_size=1000)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: webhook_relay(ids))
    return rows


def webhook_emit(*, event: str, data: dict[str, Any], reference: str = "", now: datetime) -> list[WebhookDelivery]:
    return webhook_enqueue([WebhookEvent(event=event, data=data, reference=reference)], now=now)


def webhook_relay(delivery_ids: list[Any]) -> None:
    """Hand committed deliveries to Celery; if the broker is down the drain posts them later."""
    # 20 a task: each POST may take WEBHOOK_TIMEOUT, the task's time limit is 300 s.
    for offset in range(0, len(delivery_ids), 20):
        chunk = [str(delivery_id) for delivery_id in delivery_ids[offset : offset + 20]]
        try:
            current_app.tasks[DELIVER_TASK].delay(chunk)
        except Exception:  # noqa: BLE001 - any broker failure must not fail the request
            logger.warning("Broker unavailable; %s webhook deliveries left for the drain", len(chunk))
            return


# --- Posting ----------------------------------------------------------------------------------


def webhook_signature(secret: str, body: bytes, timestamp: str) -> str:
    """The hex HMAC-SHA256 of `<timestamp>.<body>` (X-Desk-Signature without its `sha256=`)."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def encode_body(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_FIRST * 2 ** (attempts - 1), BACKOFF_CAP))


def _claim(delivery_id: Any, *, now: datetime) -> bool:
    """Lease a pending delivery to this worker, from the moment of the claim (as the outbox's
    _claim): the drain passes the `now` it started with to up to 500 POSTs, and a lease counted
    from that would have run out for its later rows, so another worker could post them again."""
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        .filter(lease_free(now))
        .update(locked_until=max(now, timezone.now()) + LEASE)
    )
    return claimed == 1


def _post(url: str, body: bytes, headers: dict[str, str]) -> requests.Response:
    # Redirects are not followed: a signed body goes only to the URL the admin entered.
    return requests.post(url, data=body, headers=headers, timeout=settings.WEBHOOK_TIMEOUT, allow_redirects=False)


def webhook_deliver(*, delivery_id: Any, now: datetime) -> bool:
    """POST one delivery, signed with its endpoint's secret as it is now. True when a 2xx came
    back to this call; otherwise the next attempt is scheduled with exponential backoff."""
    if not _claim(delivery_id, now=now):
        return False
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    status_code = None
    if not endpoint.is_active:
        error = "endpoint inactive"
    else:
        body = encode_body(delivery.body)
        timestamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "support-desk-webhooks/1",
            "X-Desk-Delivery": str(delivery.delivery_id),
            "X-Desk-Event": delivery.event,
            "X-Desk-Timestamp": timestamp,
            "X-Desk-Signature": f"sha256={webhook_signature(endpoint.secret, body, timestamp)}",
        }
        try:
            response = _post(endpoint.url, body, headers)
            status_code = response.status_code
            error = "" if 200 <= status_code < 300 else f"HTTP {status_code}"
        except requests.RequestException as exc:
            # The exception's text names the URL at most, never the headers (the signature).
            error = f"{type(exc).__name__}: {exc}"
    attempts = delivery.attempts + 1
    if not error:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=WebhookDelivery.Status.DELIVERED,
            attempts=attempts,
            status_code=status_code,
            last_error="",
            last_attempt_at=now,
            delivered_at=now,
            locked_until=None,
        )
        return True
    failed = attempts >= MAX_ATTEMPTS or not endpoint.is_active
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.FAILED if failed else WebhookDelivery.Status.PENDING,
        attempts=attempts,
        status_code=status_code,
        last_error=error[:2000],
        last_attempt_at=now,
        next_attempt_at=now + _backoff(attempts),
        locked_until=None,
    )
    logger.warning("Webhook delivery %s (%s) failed, attempt %s: %s", delivery.pk, delivery.event, attempts, error)
    return False


def webhook_drain(*, now: datetime, limit: int = 500) -> int:
    """Post every pending delivery whose time has come (retries, and rows a broker outage left)."""
    due = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .filter(lease_free(now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for delivery_id in due if webhook_deliver(delivery_id=delivery_id, now=now))


@transaction.atomic
def webhook_replay(*, delivery_ids: list[Any], now: datetime) -> list[WebhookDelivery]:
    """An admin's replay: a new attempt series of the same body with the same X-Desk-Delivery id
    (a receiver that processed it drops it), signed anew when it is posted."""
    rows = [
        WebhookDelivery(
            endpoint_id=original.endpoint_id,
            event=original.event,
            delivery_id=original.delivery_id,
            body=original.body,
            reference=original.reference,
            replay_of=original,
            created_at=now,
            next_attempt_at=now,
        )
        for original in WebhookDelivery.objects.filter(pk__in=delivery_ids).order_by("created_at")
    ]
    WebhookDelivery.objects.bulk_create(rows)
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: webhook_relay(ids))
    return rows


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    """A new signing secret, returned once for the admin to copy into the receiver."""
    secret = endpoint.rotate_secret()
    endpoint.save(update_fields=["secret", "updated_at"])
    return secret
