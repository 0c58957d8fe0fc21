"""What is written on a ticket: replies and internal notes, formal letters, the desk's own
messages and notes, and evidence files; the outbound check and the secret guard's consequences."""

import hashlib
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts.models import User
from accounts.roles import is_staff_member

from .. import audit, hooks, outbound_guard, secret_guard, uploads
from .. import notifications as emails
from ..exceptions import TicketConflict, TicketInvalid
from ..models import Attachment, Message, Priority, Ticket
from ._common import (
    Kind,
    Status,
    _can_work_on,
    _check_version,
    _lock,
    _require_staff,
    _security_team,
    _touch,
    remember_new_rows,
    remembered_rows,
)
from .lifecycle import CUSTOMER_REPLY_REOPENS, _transition


def _secret_exposed(
    ticket: Ticket, *, actor: User, kinds: list[str], fields: list[str], now: datetime, **data: Any
) -> None:
    """A customer's secret was removed from what they sent: record it (the kinds, never the
    secret), flag the ticket, make it urgent and give it to the security team, on the locked
    instance in place."""
    audit.record(ticket, actor=actor, kind=Kind.SECRET_REDACTED, at=now, kinds=kinds, fields=fields, **data)
    if not is_staff_member(actor) or actor.pk == ticket.requester_id:
        changed = []
        if not ticket.secret_exposed:
            ticket.secret_exposed = True
            changed.append("secret_exposed")
        if ticket.priority != Priority.URGENT:
            previous = ticket.priority
            ticket.priority = Priority.URGENT
            changed.append("priority")
            audit.record(
                ticket,
                actor=None,
                kind=Kind.PRIORITY_CHANGED,
                at=now,
                **{"from": previous, "to": Priority.URGENT, "reason": "secret_exposed"},
            )
        team = _security_team()
        if team is not None and ticket.team_id != team.pk:
            previous_team = ticket.team.code
            ticket.team = team
            changed.append("team")
            if ticket.assignee_id and not _can_work_on(ticket.assignee, team):
                ticket.assignee = None
                changed.append("assignee")
            audit.record(
                ticket,
                actor=None,
                kind=Kind.TEAM_CHANGED,
                at=now,
                **{"from": previous_team, "to": team.code, "unassigned": "assignee" in changed},
            )
        if changed:
            _touch(ticket, now, *changed)
            hooks.emit(hooks.TicketReclassified(ticket=ticket, now=now))


def check_outbound(text: str, *, field: str = "body", language: str | None = None) -> None:
    """Refuse (400 on `field`) a text for customers that asks for what support never asks for."""
    problems = outbound_guard.outbound_problems(text, language)
    if problems:
        raise TicketInvalid(" ".join(problems), field=field)


def system_message_post(
    *, ticket: Ticket, body: str, kind: str, now: datetime, author: User | None = None, **data: Any
) -> Message:
    """A public message written by the desk itself (no author: an incident's answer; or for the
    `author` whose action it reports: a merge's notice), on the caller's locked ticket, with the
    event `kind` that explains it (its data names the message).
    Not a first response, no status move, no hook: the SLA still waits for a person. On a ticket
    being created the message and the event join the rows its answer shows (remember_new_rows)."""
    message = Message.objects.create(ticket=ticket, author=author, kind=Message.Kind.SYSTEM, body=body, created_at=now)
    event = audit.record(ticket, actor=author, kind=kind, at=now, message_id=message.pk, **data)
    if "messages" in ticket.__dict__.get("_prefetched_objects_cache", {}):
        remember_new_rows(ticket, "messages", [*remembered_rows(ticket, "messages"), message])
        remember_new_rows(ticket, "events", [*remembered_rows(ticket, "events"), event])
    return message


@transaction.atomic
@sensitive_variables()  # the customer's text: never in an error report's frame variables
def message_add(
    *,
    ticket: Ticket,
    author: User,
    body: str,
    internal: bool = False,
    now: datetime,
    expected_version: int | None = None,
) -> Message:
    """A reply or an internal note. Customers' `internal` is never honoured. With
    `expected_version`, refused (TicketStale) when someone else changed the ticket since."""
    staff = is_staff_member(author)
    internal = internal and staff
    if staff and not internal:
        check_outbound(body)  # internal notes never reach the customer
    texts, secret_kinds, secret_fields = secret_guard.redact_many({"body": body})
    locked = _lock(ticket)
    _check_version(locked, actor=author, expected_version=expected_version)
    if locked.status == Status.CLOSED:
        raise TicketConflict(_("This ticket is closed. Please open a new ticket."))
    kind = Message.Kind.INTERNAL if internal else Message.Kind.PUBLIC
    message = Message.objects.create(ticket=locked, author=author, kind=kind, body=texts["body"], created_at=now)
    if secret_kinds:
        message.secret_warning = secret_guard.warning_for(secret_kinds)
    audit.record(
        locked,
        actor=author,
        kind=Kind.MESSAGE_ADDED,
        at=now,
        message_id=message.pk,
        internal=internal,
        by="agent" if staff else "customer",
    )
    added = hooks.MessageAdded(ticket=locked, message=message, by_staff=staff, now=now)
    if internal:
        _touch(locked, now)
        hooks.emit(added)
    elif staff:
        hooks.emit(added)
        _agent_reply_moves(locked, author=author, message=message, now=now)
        emails.agent_replied(ticket=locked, message=message, now=now)
    elif locked.status in CUSTOMER_REPLY_REOPENS:
        _transition(locked, to=Status.OPEN, actor=author, now=now, reason="customer_reply")
        hooks.emit(added)
    else:
        _touch(locked, now)
        hooks.emit(added)
    if secret_kinds:
        _secret_exposed(locked, actor=author, kinds=secret_kinds, fields=secret_fields, now=now, message_id=message.pk)
    return message


def _agent_reply_moves(locked: Ticket, *, author: User, message: Message, now: datetime) -> None:
    """An agent's public reply (message_add, letter_add) on the locked ticket: its first response
    when none was, and a new ticket opens."""
    if locked.first_response_at is None:
        locked.first_response_at = now
        _touch(locked, now, "first_response_at")
        audit.record(locked, actor=author, kind=Kind.FIRST_RESPONSE, at=now, message_id=message.pk)
    if locked.status == Status.NEW:
        _transition(locked, to=Status.OPEN, actor=author, now=now, reason="first_response")
    else:
        _touch(locked, now)


@transaction.atomic
def letter_add(*, ticket: Ticket, author: User | None, body: str, letter: str, now: datetime) -> Message:
    """A formal letter to the customer (a complaint's acknowledgement, holding reply, final
    response...): a public message, kept in the record and the export like any reply. Written by
    an agent it is their reply (first response, status as message_add); written by the desk
    itself (author None: the acknowledgement) it moves nothing. The caller e-mails it."""
    if author is not None:
        _require_staff(author)
        check_outbound(body)
    locked = _lock(ticket)
    if locked.status == Status.CLOSED:
        raise TicketConflict(_("This ticket is closed. Please open a new ticket."))
    message = Message.objects.create(ticket=locked, author=author, kind=Message.Kind.PUBLIC, body=body, created_at=now)
    audit.record(
        locked,
        actor=author,
        kind=Kind.MESSAGE_ADDED,
        at=now,
        message_id=message.pk,
        internal=False,
        by="agent" if author is not None else "system",
        letter=letter,
    )
    if author is None:
        _touch(locked, now)
        return message
    hooks.emit(hooks.MessageAdded(ticket=locked, message=message, by_staff=True, now=now))
    _agent_reply_moves(locked, author=author, message=message, now=now)
    return message


@transaction.atomic
def note_add(*, ticket: Ticket, body: str, now: datetime) -> Message:
    """An internal note by the desk itself (a draft or a prompt for the agents)."""
    locked = _lock(ticket)
    message = Message.objects.create(ticket=locked, author=None, kind=Message.Kind.INTERNAL, body=body, created_at=now)
    audit.record(locked, actor=None, kind=Kind.MESSAGE_ADDED, at=now, message_id=message.pk, internal=True, by="system")
    _touch(locked, now)
    return message


@transaction.atomic
@sensitive_variables()  # the customer's text: never in an error report's frame variables
def attachment_add(
    *, ticket: Ticket, uploader: User, upload: UploadedFile, internal: bool = False, now: datetime
) -> Attachment:
    """Keep an evidence file: type decided by content, stored under a random name, SHA-256 kept.
    An internal file (staff only) is a working document the customer never sees."""
    staff = is_staff_member(uploader)
    if internal and not staff:
        raise TicketInvalid(_("Only support staff can add internal files."), field="internal")
    checked = uploads.check_upload(upload)
    # The name, and the text of a .txt/.eml file, lose their secrets before they are kept; the
    # SHA-256 is then the stored file's.
    upload, name, secret_kinds, secret_fields = uploads.redact_upload(upload, checked)
    locked = _lock(ticket)
    if locked.status == Status.CLOSED:
        raise TicketConflict(_("This ticket is closed. Please open a new ticket."))
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    attachment = Attachment(
        ticket=locked,
        uploaded_by=uploader,
        original_name=name,
        content_type=checked.content_type,
        extension=checked.extension,
        size=upload.size,
        sha256=digest.hexdigest(),
        internal=internal,
        created_at=now,
    )
    uploads.store_file(attachment.file, name, upload)
    attachment.save()
    audit.record(
        locked,
        actor=uploader,
        kind=Kind.ATTACHMENT_ADDED,
        at=now,
        attachment_id=attachment.pk,
        name=attachment.original_name,
        sha256=attachment.sha256,
        size=attachment.size,
        internal=internal,
        by="agent" if staff else "customer",
    )
    _touch(locked, now)
    if secret_kinds:
        _secret_exposed(
            locked, actor=uploader, kinds=secret_kinds, fields=secret_fields, now=now, attachment_id=attachment.pk
        )
        attachment.secret_warning = secret_guard.warning_for(secret_kinds)
    return attachment
