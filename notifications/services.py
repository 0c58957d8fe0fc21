"""The outbox: side effects written with their cause, delivered after commit, retried until done."""

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from support_desk.metrics import EMAIL_FAILURES, EMAILS_SENT

from .models import OutboxMessage, lease_free

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# How long a claimed row is left to the worker sending it; a worker killed mid-send leaves its row
# to another after this (settings.OUTBOX_LEASE_SECONDS, longer than one render and send can take).
LEASE = timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)

# Bearer links (a guest's private link) are minted by the worker as it sends: the queued row
# holds only this placeholder and the facts to mint from, never a usable secret.
LINK_PLACEHOLDER = "__DESK_PRIVATE_LINK__"
LinkMinter = Callable[[dict[str, Any], datetime], str]
_link_minters: dict[str, LinkMinter] = {}


def register_link_minter(name: str, minter: LinkMinter) -> None:
    """A higher app says how to mint the link for e-mails queued with `mint={"name": name, ...}`."""
    _link_minters[name] = minter


# A batch row (Kind.EMAIL_BATCH) is turned into one row per e-mail by a worker. Either the app
# that queued it registered, under the batch's purpose, how its items become outbox rows (the SLA
# alerts), or the batch came from outbox_fan_out: a template, shared facts and the recipients,
# listed or named by a registered recipient query run by the worker.
FanOut = Callable[[list[dict[str, Any]], datetime], list[OutboxMessage]]
_fan_outs: dict[str, FanOut] = {}


def register_fan_out(purpose: str, expand: FanOut) -> None:
    _fan_outs[purpose] = expand


# A recipient query yields {"to", "language"?, "context"?} per recipient, from the JSON arguments
# of outbox_fan_out(query={"name": ..., ...}); e.g. every customer linked to an incident.
RecipientQuery = Callable[[dict[str, Any]], Iterable[dict[str, Any]]]
_recipient_queries: dict[str, RecipientQuery] = {}


def register_recipient_query(name: str, query: RecipientQuery) -> None:
    _recipient_queries[name] = query


# What an e-mail template needs beyond the facts queued with it, read when it is sent: an app
# registers, under the template's name, how facts (ids, references) become its context (e.g. a
# reply's body from the message id). The outbox row never holds more than the facts.
ContextBuilder = Callable[[dict[str, Any]], dict[str, Any]]
_context_builders: dict[str, ContextBuilder] = {}


def register_email_context(template: str, build: ContextBuilder) -> None:
    _context_builders[template] = build


# Every e-mail's Message-ID is <outbox row id@MESSAGE_ID_DOMAIN>: an inbound reply naming it in
# In-Reply-To/References answers that row's e-mail (tickets.inbound looks the row up by its id).
MESSAGE_ID_DOMAIN = "support-desk"
# The Reply-To of an e-mail, read when it is sent: an app registers how a row gets one (a
# ticket's customer e-mails carry the ticket's own reply address); None or "": no Reply-To.
ReplyToResolver = Callable[[OutboxMessage], str | None]
_reply_to_resolvers: list[ReplyToResolver] = []


def register_reply_to(resolve: ReplyToResolver) -> None:
    if resolve not in _reply_to_resolvers:
        _reply_to_resolvers.append(resolve)


def _reply_to(message: OutboxMessage) -> list[str] | None:
    for resolve in _reply_to_resolvers:
        address = resolve(message)
        if address:
            return [address]
    return None


# Purposes whose e-mails no person wrote (an acknowledgement, a reminder): sent with
# `Auto-Submitted: auto-replied` (RFC 3834), so the other side's auto-responders stay silent and
# no mail loop starts. An app registers its own.
_automatic_purposes: set[str] = set()


def register_automatic_purposes(purposes: Iterable[str]) -> None:
    _automatic_purposes.update(purposes)


# Tasks are addressed by their stable names (notifications.tasks), so this module does not
# import the tasks that import it. NotificationsConfig.ready() registers them.
DELIVER_TASK = "notifications.outbox_deliver"
DELIVER_MANY_TASK = "notifications.outbox_deliver_many"
DELIVER_NEW_TASK = "notifications.outbox_deliver_new"
# The bulk queue's tasks (CELERY_TASK_ROUTES): a broadcast's fan-out and its e-mails.
FAN_OUT_TASK = "notifications.outbox_fan_out"
DELIVER_BULK_TASK = "notifications.outbox_deliver_bulk"
FAN_OUT_BATCH = 500
# A bulk row waits in its queue behind a broadcast's others: the drain hands it over again only
# this long after it was last handed over, not every drain (settings.OUTBOX_BULK_REDRIVE_SECONDS):
# also how long the rest of a task's rows wait when its worker is killed (SIGKILL) mid-way.
BULK_REDRIVE = timedelta(seconds=settings.OUTBOX_BULK_REDRIVE_SECONDS)


def _task(name: str):
    return current_app.tasks[name]


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))


def render_email(template: str, context: dict[str, Any], language: str) -> tuple[str, str, str]:
    """Subject (one line), text and HTML of an e-mail template, in the given language, from the
    facts it was queued with (and what its app's registered context builder reads from them)."""
    with translation.override(language):
        build = _context_builders.get(template)
        if build is not None:
            context = build(context)
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        text = render_to_string(f"emails/{template}.txt", context)
        html = render_to_string(f"emails/{template}.html", context)
    return subject, text, html


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
    transaction.on_commit(lambda: relay_new(message.pk))
    return message


def relay_many(message_ids: list[Any], *, queue: str = OutboxMessage.Queue.NOTIFICATIONS) -> None:
    """Hand many committed rows to Celery as one task per 200 (a sweep can cause thousands); rows
    of a broadcast go to the bulk queue's task."""
    task = DELIVER_BULK_TASK if queue == OutboxMessage.Queue.BULK else DELIVER_MANY_TASK
    for offset in range(0, len(message_ids), 200):
        chunk = [str(message_id) for message_id in message_ids[offset : offset + 200]]
        try:
            _task(task).delay(chunk)
        except Exception:  # noqa: BLE001 - the drain delivers what could not be handed over
            logger.warning("Broker unavailable; %s outbox messages left for the drain", len(chunk))
            return


# Coalesced hand-over of new rows (relay_new): while this key is set, a outbox_deliver_new task is
# on its way and will send every new row committed before it starts, so a surge of ticket
# creations costs the web process one Redis command per row, not a Celery publish, and the worker
# one task per batch instead of one per e-mail. Expires on its own if that task is lost (the
# drain delivers anything left, every OUTBOX_DRAIN_SECONDS).
RELAY_PENDING_KEY = "notifications:outbox:new-rows-relayed"
RELAY_PENDING_SECONDS = 30
NEW_ROWS_BATCH = 25
# How long one outbox_deliver_new task goes on while new rows keep coming.
NEW_ROWS_MAX_SECONDS = 5.0


def _coalesced_relay() -> bool:
    """Only where the cache is shared by the web processes and the workers (Redis): a
    process-local cache would keep the key where the worker could never clear it."""
    return settings.CACHES["default"]["BACKEND"].startswith("django_redis")


def relay_new(message_id: Any) -> None:
    """Hand a freshly committed row (never attempted) to a worker: through the coalesced
    outbox_deliver_new task where the cache is Redis, else as its own task."""
    if not _coalesced_relay():
        relay(message_id)
        return
    try:
        if not cache.add(RELAY_PENDING_KEY, "1", RELAY_PENDING_SECONDS):
            return  # a task already on its way will find this row
    except Exception:  # noqa: BLE001 - Redis down: hand the row over on its own
        relay(message_id)
        return
    if not _publish_new():
        logger.warning("Broker unavailable; outbox message %s left for the drain", message_id)


def _claim_new(*, now: datetime, limit: int) -> list[OutboxMessage]:
    """Lease up to `limit` new rows (pending, never attempted) of the notifications queue, oldest
    first, in one transaction: rows another worker holds are skipped, not waited for."""
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(
                status=OutboxMessage.Status.PENDING,
                queue=OutboxMessage.Queue.NOTIFICATIONS,
                kind=OutboxMessage.Kind.EMAIL,
                attempts=0,
                next_attempt_at__lte=now,
            )
            .filter(lease_free(now))
            .order_by("next_attempt_at")[:limit]
        )
        if rows:
            OutboxMessage.objects.filter(pk__in=[row.pk for row in rows]).update(locked_until=now + LEASE)
    return rows


def outbox_deliver_new(*, now: datetime, max_seconds: float = NEW_ROWS_MAX_SECONDS) -> int:
    """Send the new rows (pending, never attempted) of the notifications queue, NEW_ROWS_BATCH
    at a time: each batch leased in one statement and marked sent in one (5 statements per
    batch, not per e-mail). It goes on while rows keep coming; after `max_seconds` it hands the
    rest to a new task at the back of the queue (the key stays set: that task is on its way), so
    the queue's other tasks get their turn. When no row is left it waits once for more
    (OUTBOX_NEW_ROWS_LINGER_SECONDS, reset by every batch found), then clears the relay key and
    looks once more: a row committed before that look is sent here, one committed after it
    relays a task of its own."""
    started = time.monotonic()
    sent = 0
    cleared = lingered = False
    while True:
        batch = _claim_new(now=max(now, timezone.now()), limit=NEW_ROWS_BATCH)
        delivered = [row.pk for row in batch if _attempt(row, now=now)]
        if delivered:
            _mark_sent(delivered, attempts=1)
        sent += len(delivered)
        if batch:
            lingered = False
        over_time = time.monotonic() - started >= max_seconds
        if cleared:
            if len(batch) < NEW_ROWS_BATCH or over_time:
                return sent
        elif not batch:
            linger = settings.OUTBOX_NEW_ROWS_LINGER_SECONDS
            if linger > 0 and not lingered and not over_time:
                # More rows are usually on their way in a surge: wait for them once, briefly.
                lingered = True
                time.sleep(linger)
                continue
            _clear_relay_key()
            cleared = True
        elif over_time:
            _publish_new()
            return sent


def _publish_new() -> bool:
    """Queue an outbox_deliver_new task (its key is set). A refused publish clears the key, so the
    next new row tries again; the drain sends what is left meanwhile."""
    try:
        _task(DELIVER_NEW_TASK).delay()
    except Exception:  # noqa: BLE001 - any broker failure must not fail the caller
        _clear_relay_key()
        return False
    return True


def _clear_relay_key() -> None:
    try:
        cache.delete(RELAY_PENDING_KEY)
    except Exception:  # noqa: BLE001 - the key expires on its own; the drain sends what is left
        logger.warning("Could not clear %s", RELAY_PENDING_KEY)


def relay(message_id: Any) -> None:
    """Hand a committed outbox row to Celery; if the broker is down the drain picks it up later."""
    try:
        _task(DELIVER_TASK).delay(str(message_id))
    except Exception:  # noqa: BLE001 - any broker failure must not fail the request
        logger.warning("Broker unavailable; outbox message %s left for the drain", message_id)


def _relay_fan_out(message_id: Any) -> None:
    try:
        _task(FAN_OUT_TASK).delay(str(message_id))
    except Exception:  # noqa: BLE001 - the drain hands it over later
        logger.warning("Broker unavailable; fan-out %s left for the drain", message_id)


def outbox_fan_out(
    *,
    purpose: str,
    template: str,
    facts: dict[str, Any],
    recipients: list[dict[str, Any]] | None = None,
    query: dict[str, Any] | None = None,
    ticket_reference: str = "",
    now: datetime,
) -> OutboxMessage:
    """One event to many recipients: a single batch row now (in the caller's transaction), fanned
    out after commit by a worker on the `bulk` queue into one e-mail row per recipient, inserted
    FAN_OUT_BATCH at a time and sent from the same queue, so a broadcast never delays an escalation.

    `recipients`: [{"to", "language"?, "context"?}] (per-recipient facts merged over `facts`);
    or `query`: {"name": <a registered recipient query>, ...its JSON arguments}, run by the worker,
    so a broadcast to every linked customer costs the writing transaction one INSERT."""
    if (recipients is None) == (query is None):
        raise ValueError("Give either recipients or a query")
    if query is not None and query.get("name") not in _recipient_queries:
        raise ValueError(f"No recipient query registered as {query.get('name')!r}")
    payload: dict[str, Any] = {"template": template, "facts": _facts(facts)}
    if recipients is not None:
        payload["recipients"] = [{**item, "context": _facts(item.get("context", {}))} for item in recipients]
    else:
        payload["query"] = query
    batch = OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.EMAIL_BATCH,
        queue=OutboxMessage.Queue.BULK,
        recipient=f"{len(recipients)} recipients" if recipients is not None else f"query {query['name']}",
        subject=purpose[:255],
        payload=payload,
        purpose=purpose,
        ticket_reference=ticket_reference,
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(lambda: _relay_fan_out(batch.pk))
    return batch


def _claim(message_id: Any, *, now: datetime) -> bool:
    """Take a short lease on a pending row, so two workers never send it at the same time. The
    lease runs from the moment of the claim: a task delivering 200 rows passes the `now` it
    started with, and a lease counted from that would have run out for its last rows, leaving
    them to the drain while this worker still sends them."""
    claimed = (
        OutboxMessage.objects.filter(pk=message_id, status=OutboxMessage.Status.PENDING)
        .filter(lease_free(now))
        .update(locked_until=max(now, timezone.now()) + LEASE)
    )
    return claimed == 1


def _send_email(message: OutboxMessage) -> None:
    payload = message.payload
    if "template" in payload:
        subject, text, html = render_email(
            payload["template"], _from_facts(payload.get("context", {})), payload.get("language", "en")
        )
    else:
        # Rows queued before every mail was rendered at send time (still pending after a deploy).
        subject, text, html = message.subject, message.payload.get("text", ""), message.payload.get("html", "")
    email = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        reply_to=_reply_to(message),
        # The outbox id as Message-ID: a redelivered row is recognisably the same e-mail.
        headers={
            "Message-ID": f"<{message.pk}@{MESSAGE_ID_DOMAIN}>",
            "X-Desk-Purpose": message.purpose,
            **({"Auto-Submitted": "auto-replied"} if message.purpose in _automatic_purposes else {}),
        },
    )
    mint = payload.get("mint")
    # A minted link exists only if its mail went out: a failed send rolls it back. Without one the
    # send touches no table, so it needs no transaction (BEGIN and COMMIT were 2 of a row's 5).
    with transaction.atomic() if mint else contextlib.nullcontext():
        if mint:
            link = _link_minters[mint["name"]](mint, timezone.now())
            email.subject = email.subject.replace(LINK_PLACEHOLDER, link)
            text = text.replace(LINK_PLACEHOLDER, link)
            email.body = text
            html = html.replace(LINK_PLACEHOLDER, link)
        if html:
            email.attach_alternative(html, "text/html")
        email.send(fail_silently=False)


def outbox_deliver(*, message_id: Any, now: datetime) -> bool:
    """Deliver one outbox row. Returns True when it was sent by this call."""
    if not _claim(message_id, now=now):
        return False
    message = OutboxMessage.objects.get(pk=message_id)
    if message.kind == OutboxMessage.Kind.EMAIL_BATCH:
        try:
            return _fan_out(message, now=now)
        except Exception as error:  # noqa: BLE001 - record every failure, retry with backoff
            _record_failure(message, error, now=now)
            return False
    if not _attempt(message, now=now):
        return False
    _mark_sent([message.pk], attempts=message.attempts + 1)
    return True


def _record_failure(message: OutboxMessage, error: Exception, *, now: datetime) -> None:
    attempts = message.attempts + 1
    failed = attempts >= MAX_ATTEMPTS
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=attempts,
        last_error=f"{type(error).__name__}: {error}"[:2000],
        status=OutboxMessage.Status.FAILED if failed else OutboxMessage.Status.PENDING,
        next_attempt_at=now + _backoff(attempts),
        locked_until=None,
    )
    if message.kind == OutboxMessage.Kind.EMAIL:
        EMAIL_FAILURES.inc()
    logger.warning("Outbox message %s failed (attempt %s): %s", message.pk, attempts, error)


def _attempt(message: OutboxMessage, *, now: datetime) -> bool:
    """Send a claimed e-mail row; a failure is recorded on the row (retried with backoff)."""
    try:
        if message.kind != OutboxMessage.Kind.EMAIL:
            # Webhooks are WebhookDelivery rows (notifications.webhooks); a WEBHOOK outbox row is
            # one queued before endpoints existed, moved there by sla's migration 0010.
            raise ValueError(f"Unknown outbox kind {message.kind!r}")
        _send_email(message)
    except Exception as error:  # noqa: BLE001 - record every failure, retry with backoff
        _record_failure(message, error, now=now)
        return False
    EMAILS_SENT.inc()
    return True


def _mark_sent(message_ids: list[Any], *, attempts: int) -> None:
    OutboxMessage.objects.filter(pk__in=message_ids).update(
        status=OutboxMessage.Status.SENT,
        attempts=attempts,
        sent_at=timezone.now(),
        locked_until=None,
        last_error="",
    )


def _expand_batch(batch: OutboxMessage, now: datetime) -> Iterable[OutboxMessage]:
    """The e-mail rows of an outbox_fan_out batch, one per recipient, rendered when each is sent."""
    payload = batch.payload
    facts = payload.get("facts", {})
    if "query" in payload:
        spec = dict(payload["query"])
        recipients = _recipient_queries[spec.pop("name")](spec)
    else:
        recipients = payload.get("recipients", [])
    for item in recipients:
        if not item.get("to"):
            continue
        yield OutboxMessage(
            kind=OutboxMessage.Kind.EMAIL,
            queue=batch.queue,
            recipient=item["to"],
            subject=batch.subject,
            payload={
                "template": payload["template"],
                "language": item.get("language") or settings.LANGUAGE_CODE,
                "context": {**facts, **_facts(item.get("context", {}))},
            },
            purpose=batch.purpose,
            ticket_reference=batch.ticket_reference,
            created_at=now,
            next_attempt_at=now + BULK_REDRIVE if batch.queue == OutboxMessage.Queue.BULK else now,
        )


@transaction.atomic
def _fan_out(batch: OutboxMessage, *, now: datetime) -> bool:
    """Turn a batch row into one outbox row per e-mail, inserted FAN_OUT_BATCH at a time, and mark
    the batch done, in one transaction: a crash or a second delivery cannot fan it out twice."""
    locked = OutboxMessage.objects.select_for_update().get(pk=batch.pk)
    if locked.status != OutboxMessage.Status.PENDING:
        return False
    expand = _fan_outs.get(locked.purpose)
    if expand is not None:
        rows: Iterable[OutboxMessage] = expand(locked.payload.get("emails", []), now)
    elif "template" in locked.payload:
        rows = _expand_batch(locked, now)
    else:
        raise ValueError(f"No fan-out registered for {locked.purpose!r}")
    ids: list[Any] = []
    chunk: list[OutboxMessage] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == FAN_OUT_BATCH:
            ids += [saved.pk for saved in OutboxMessage.objects.bulk_create(chunk)]
            chunk = []
    if chunk:
        ids += [saved.pk for saved in OutboxMessage.objects.bulk_create(chunk)]
    OutboxMessage.objects.filter(pk=locked.pk).update(
        status=OutboxMessage.Status.SENT, attempts=locked.attempts + 1, sent_at=now, locked_until=None
    )
    queue = locked.queue
    transaction.on_commit(lambda: relay_many(ids, queue=queue))
    return True


def outbox_drain(*, now: datetime, limit: int = 500) -> int:
    """Deliver every pending row whose time has come (after a broker outage or a crash). Rows of
    the bulk queue are handed back to it rather than sent here, in front of urgent mail."""
    due = list(
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING, next_attempt_at__lte=now)
        .filter(lease_free(now))
        .order_by("next_attempt_at")
        .values_list("pk", "queue", "kind")[:limit]
    )
    bulk = [(pk, kind) for pk, queue, kind in due if queue == OutboxMessage.Queue.BULK]
    if bulk:
        OutboxMessage.objects.filter(pk__in=[pk for pk, _kind in bulk]).update(next_attempt_at=now + BULK_REDRIVE)
    for pk, kind in bulk:
        if kind == OutboxMessage.Kind.EMAIL_BATCH:
            _relay_fan_out(pk)
    relay_many([pk for pk, kind in bulk if kind != OutboxMessage.Kind.EMAIL_BATCH], queue=OutboxMessage.Queue.BULK)
    # Sent here, in the drain (notifications queue): retries and rows a broker outage left.
    return sum(
        1
        for message_id, queue, _kind in due
        if queue != OutboxMessage.Queue.BULK and outbox_deliver(message_id=message_id, now=now)
    )


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
