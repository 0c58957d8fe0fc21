"""Every write to a ticket. Each service is atomic, takes `now=`, and records an audit event."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts.models import User
from accounts.roles import Role, is_staff_member, role_of, sees_every_team

from . import audit, hooks, macros, outbound_guard, routing, secret_guard, uploads
from . import notifications as emails
from .exceptions import TicketConflict, TicketForbidden, TicketInvalid, TicketStale, TicketTransitionError
from .models import (
    Attachment,
    Category,
    Macro,
    Message,
    Priority,
    Satisfaction,
    Team,
    Ticket,
    TicketEvent,
)
from .routing import initial_priority
from .selectors import ticket_queue_info
from .validation import ticket_fields_validated

Status = Ticket.Status
Kind = TicketEvent.Kind

# The one table of allowed status changes. `reopened` is the solved → open move.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.OPEN, Status.PENDING_CUSTOMER, Status.ON_HOLD, Status.SOLVED},
    Status.OPEN: {Status.PENDING_CUSTOMER, Status.ON_HOLD, Status.SOLVED},
    Status.PENDING_CUSTOMER: {Status.OPEN, Status.ON_HOLD, Status.SOLVED},
    Status.ON_HOLD: {Status.OPEN, Status.PENDING_CUSTOMER, Status.SOLVED},
    Status.SOLVED: {Status.OPEN, Status.CLOSED},
    Status.CLOSED: set(),
}
# Moves only the desk itself makes (auto-close of a ticket nobody answered for days).
SYSTEM_TRANSITIONS: dict[str, set[str]] = {Status.PENDING_CUSTOMER: {Status.CLOSED}}
# A customer's public reply on these hands the ticket back to the agents.
CUSTOMER_REPLY_REOPENS = {Status.PENDING_CUSTOMER, Status.SOLVED}

STRUCTURED_FIELDS = ("asset", "network", "amount", "txid", "address", "memo", "order_id")


@dataclass(frozen=True)
class TicketFields:
    asset: str = ""
    network: str = ""
    amount: Decimal | None = None
    txid: str = ""
    address: str = ""
    memo: str = ""
    order_id: str = ""


def _lock(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


# Events that are no change another agent must see before writing (the clock's own alarms, links).
# A reveal of the customer's data (tickets.privacy) changes nothing on the ticket either.
QUIET_EVENT_KINDS = {
    Kind.SLA_WARNING,
    Kind.SLA_BREACHED,
    Kind.GUEST_LINK_ISSUED,
    Kind.GUEST_LINK_REVOKED,
    Kind.PII_REVEALED,
}
STALE_CHANGES_SHOWN = 50


def ticket_version(ticket: Ticket) -> int:
    """The ticket's version: the id of its latest event (every change writes one; ids only grow).
    From the prefetched events when the detail has them, else one query."""
    cache = getattr(ticket, "_prefetched_objects_cache", {})
    if "events" in cache:
        return max((event.pk for event in cache["events"]), default=0)
    return ticket.events.order_by("-id").values_list("id", flat=True).first() or 0


def _check_version(locked: Ticket, *, actor: User, expected_version: int | None) -> None:
    """The optional precondition of a reply or a PATCH (`expected_version`): refused (409, with the
    changes) when someone else changed the ticket after that version. The caller's own changes and
    quiet events do not count. Checked under the ticket's lock: one query, only when asked."""
    if expected_version is None:
        return
    newer = list(
        locked.events.filter(pk__gt=expected_version).select_related("actor").order_by("-id")[:STALE_CHANGES_SHOWN]
    )
    changes = [e for e in reversed(newer) if e.kind not in QUIET_EVENT_KINDS and e.actor_id != actor.pk]
    if changes:
        raise TicketStale(_("The ticket changed since you loaded it."), changes=changes, version=newer[0].pk)


def _touch(ticket: Ticket, now: datetime, *fields: str) -> None:
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])


def _can_work_on(user: User, team: Team) -> bool:
    return sees_every_team(user) or team.members.filter(pk=user.pk).exists()


def _require_staff(actor: User) -> None:
    if not is_staff_member(actor):
        raise TicketForbidden(_("Only support staff can do this."))


# The team that owns every ticket where a customer pasted a secret (the demo's and the default code).
SECURITY_TEAM_CODE = "security"


def _security_team() -> Team | None:
    return Team.objects.filter(code=SECURITY_TEAM_CODE).first()


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


def find_possible_duplicate(*, requester: User, category: Category, fields: TicketFields) -> Ticket | None:
    """The caller's own open ticket in the same category about the same transaction or order."""
    if not (fields.txid or fields.order_id):
        return None
    candidates = Ticket.objects.filter(requester=requester, category=category).exclude(
        status__in=(Status.SOLVED, Status.CLOSED)
    )
    if fields.txid:
        candidates = candidates.filter(txid__iexact=fields.txid)
    else:
        candidates = candidates.filter(order_id=fields.order_id)
    return candidates.order_by("created_at").first()


@transaction.atomic
@sensitive_variables()  # the customer's text: never in an error report's frame variables
def ticket_create(
    *,
    requester: User,
    category: Category,
    subject: str,
    body: str,
    fields: TicketFields,
    channel: str = Ticket.Channel.WEB,
    language: str = "en",
    is_complaint: bool = False,
    now: datetime,
) -> Ticket:
    """A new ticket. `is_complaint`: the customer files it as a formal complaint (received now)."""
    fields = ticket_fields_validated(category=category, fields=fields)  # TicketInvalid with field errors
    duplicate = find_possible_duplicate(requester=requester, category=category, fields=fields)
    priority = initial_priority(category=category, requester=requester, asset=fields.asset, amount=fields.amount)
    # Before anything is stored: secrets become markers (the original goes nowhere: not the
    # database, the events, the e-mail or the task payloads, which carry ids).
    texts, secret_kinds, secret_fields = secret_guard.redact_many(
        {"subject": subject, "body": body, "memo": fields.memo}
    )
    team = category.default_team
    if secret_kinds:
        priority = Priority.URGENT
        team = _security_team() or team
    ticket = Ticket(
        requester=requester,
        category=category,
        team=team,
        priority=priority,
        subject=texts["subject"][: Ticket._meta.get_field("subject").max_length],
        channel=channel,
        language=language,
        asset=fields.asset.upper(),
        network=fields.network,
        amount=fields.amount,
        txid=fields.txid,
        address=fields.address,
        memo=texts["memo"],
        order_id=fields.order_id,
        secret_exposed=bool(secret_kinds),
        is_complaint=is_complaint,
        complaint_received_at=now if is_complaint else None,
        possible_duplicate_of=duplicate,
        created_at=now,
        updated_at=now,
        status_changed_at=now,
    )
    # Listeners (the SLA clocks) plan first, so the ticket's INSERT carries its SLA due time (the
    # queue's sort key) and no UPDATE follows it; they write their rows once the ticket has its id.
    hooks.emit(hooks.TicketCreating(ticket=ticket, now=now))
    # Automatic assignment (Team.routing): in the INSERT; no statement when the team's is off.
    ticket.assignee_id = routing.route_new_ticket(team=ticket.team, language=language)
    ticket.save(force_insert=True)
    message = Message.objects.create(
        ticket=ticket, author=requester, kind=Message.Kind.PUBLIC, body=texts["body"], created_at=now
    )
    event = audit.record(
        ticket,
        actor=requester,
        kind=Kind.CREATED,
        at=now,
        category=category.code,
        team=ticket.team.code,
        priority=ticket.priority,
        channel=channel,
        message_id=message.pk,
        possible_duplicate_of=duplicate.reference if duplicate else None,
    )
    events = [event]
    if secret_kinds:
        events.append(
            audit.record(
                ticket,
                actor=requester,
                kind=Kind.SECRET_REDACTED,
                at=now,
                kinds=secret_kinds,
                fields=secret_fields,
                message_id=message.pk,
            )
        )
        # What the customer reads at once in the answer (not stored: it is in their language).
        ticket.secret_warning = secret_guard.warning_for(secret_kinds)
    if is_complaint:
        events.append(audit.record(ticket, actor=requester, kind=Kind.COMPLAINT_CHANGED, at=now, is_complaint=True))
    _remember_new_rows(ticket, messages=[message])
    hooks.emit(hooks.TicketCreated(ticket=ticket, now=now))
    # The listeners' events (an incident's link) stay remembered, between creation's and routing's.
    hooked = remembered_rows(ticket, "events")
    _remember_new_rows(ticket, events=[*events, *hooked, *routing.routed_events(ticket=ticket, now=now)])
    # A guest (the no-login form, or an e-mail: tickets.inbound) gets the e-mail with their private link instead.
    if channel not in Ticket.GUEST_CHANNELS:
        # Counted once, inside the transaction: the e-mail and the API's answer say the same place.
        ticket.queue_info = ticket_queue_info(ticket=ticket, now=now)
        emails.ticket_created(ticket=ticket, queue=ticket.queue_info, now=now)
    if is_complaint:  # last: the complaint's deadlines and acknowledgement (sla.complaints)
        hooks.emit(hooks.ComplaintMarked(ticket=ticket, actor_id=requester.pk, now=now))
    return ticket


def _remember_new_rows(ticket: Ticket, **rows: list) -> None:
    """Leave a new ticket's rows on the instance as prefetch_related leaves them (the relations
    ticket_detail_queryset prefetches), so the e-mail and the API's answer read no row back."""
    if not hasattr(ticket, "_prefetched_objects_cache"):
        ticket._prefetched_objects_cache = {}
        remember_new_rows(ticket, "attachments", [])
        ticket._state.fields_cache["satisfaction"] = None  # a new ticket has no rating
    for name, values in rows.items():
        remember_new_rows(ticket, name, values)


def remember_new_rows(ticket: Ticket, relation: str, rows: list) -> None:
    """One relation of a new ticket as prefetched (also for higher apps' relations, such as the
    SLA clocks its TicketCreated listener inserts)."""
    cache = ticket.__dict__.setdefault("_prefetched_objects_cache", {})
    queryset = getattr(ticket, relation).get_queryset()
    queryset._result_cache, queryset._prefetch_done = list(rows), True
    cache[relation] = queryset


def remembered_rows(ticket: Ticket, relation: str) -> list:
    """The rows remember_new_rows left for this relation of a new ticket (none: [])."""
    queryset = ticket.__dict__.get("_prefetched_objects_cache", {}).get(relation)
    return list(queryset._result_cache) if queryset is not None else []


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


def _transition(
    ticket: Ticket,
    *,
    to: str,
    actor: User | None,
    now: datetime,
    reason: str,
    system: bool = False,
    also_allowed: frozenset[str] = frozenset(),
) -> None:
    """Apply a status change to a locked ticket: check the table, stamp times, record it,
    and move the SLA clocks. `also_allowed`: targets one caller may reach besides the table's
    (a merged duplicate is closed from any open state: tickets.merge)."""
    previous = ticket.status
    if to == previous:
        return
    allowed = TRANSITIONS[previous] | (SYSTEM_TRANSITIONS.get(previous, set()) if system else set())
    if previous != Status.CLOSED:
        allowed = allowed | also_allowed
    if to not in allowed:
        raise TicketTransitionError(
            _("A ticket cannot go from %(from)s to %(to)s.") % {"from": Status(previous).label, "to": Status(to).label}
        )
    ticket.status = to
    ticket.status_changed_at = now
    changed = ["status", "status_changed_at"]
    if to == Status.SOLVED:
        ticket.solved_at = now
        changed.append("solved_at")
    elif to == Status.CLOSED:
        ticket.closed_at = now
        changed.append("closed_at")
    elif previous == Status.SOLVED:
        ticket.solved_at = None
        changed.append("solved_at")
    _touch(ticket, now, *changed)
    kind = Kind.REOPENED if previous == Status.SOLVED and to == Status.OPEN else Kind.STATUS_CHANGED
    audit.record(ticket, actor=actor, kind=kind, at=now, **{"from": previous, "to": to, "reason": reason})
    hooks.emit(hooks.StatusChanged(ticket=ticket, previous=previous, now=now))
    if to == Status.SOLVED:
        emails.rating_invitation(ticket=ticket, now=now)


@transaction.atomic
def ticket_auto_close(*, ticket: Ticket, reason: str, now: datetime) -> Ticket:
    """The desk closes a ticket that waited too long on its customer, or stayed solved; the
    customer is told."""
    locked = _lock(ticket)
    if locked.status not in (Status.PENDING_CUSTOMER, Status.SOLVED):
        return locked
    _transition(locked, to=Status.CLOSED, actor=None, now=now, reason=reason, system=True)
    emails.ticket_auto_closed(ticket=locked, reason=reason, now=now)
    return locked


@transaction.atomic
def ticket_change_status(*, ticket: Ticket, actor: User, status: str, now: datetime) -> Ticket:
    _require_staff(actor)
    locked = _lock(ticket)
    _transition(locked, to=status, actor=actor, now=now, reason="agent")
    return locked


@transaction.atomic
def ticket_reopen(*, ticket: Ticket, actor: User, now: datetime) -> Ticket:
    locked = _lock(ticket)
    if locked.status != Status.SOLVED:
        raise TicketTransitionError(_("Only a solved ticket can be reopened."))
    _transition(locked, to=Status.OPEN, actor=actor, now=now, reason="reopen")
    return locked


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
def ticket_claim(*, ticket: Ticket, agent: User, now: datetime) -> Ticket:
    _require_staff(agent)
    locked = _lock(ticket)
    if locked.status == Status.CLOSED:
        raise TicketConflict(_("This ticket is closed and cannot be claimed."))
    if locked.assignee_id not in (None, agent.pk):
        raise TicketConflict(_("Another agent is already working on this ticket."))
    if locked.assignee_id == agent.pk:
        return locked
    locked.assignee = agent
    _touch(locked, now, "assignee")
    audit.record(locked, actor=agent, kind=Kind.ASSIGNED, at=now, assignee=agent.pk, claimed=True)
    hooks.emit(hooks.TicketAssigned(ticket=locked, previous=None, claimed=True, now=now))
    return locked


@transaction.atomic
def ticket_assign(*, ticket: Ticket, actor: User, assignee: User | None, now: datetime) -> Ticket:
    _require_staff(actor)
    locked = _lock(ticket)
    if locked.status == Status.CLOSED:
        raise TicketConflict(_("This ticket is closed and cannot be assigned."))
    if assignee is not None:
        if not is_staff_member(assignee):
            raise TicketInvalid(_("Tickets can only be assigned to support staff."), field="assignee")
        if not _can_work_on(assignee, locked.team):
            raise TicketInvalid(
                _("%(user)s is not a member of the %(team)s team.")
                % {"user": assignee.username, "team": locked.team.name},
                field="assignee",
            )
        if role_of(actor) == Role.AGENT and not _can_work_on(actor, locked.team):
            raise TicketForbidden(_("Only members of the ticket's team can assign it."))
    if locked.assignee_id == (assignee.pk if assignee else None):
        return locked
    previous = locked.assignee_id
    locked.assignee = assignee
    _touch(locked, now, "assignee")
    if assignee is None:
        audit.record(locked, actor=actor, kind=Kind.UNASSIGNED, at=now, previous=previous)
        return locked
    audit.record(locked, actor=actor, kind=Kind.ASSIGNED, at=now, assignee=assignee.pk, previous=previous)
    hooks.emit(hooks.TicketAssigned(ticket=locked, previous=previous, claimed=False, now=now))
    if assignee.pk != actor.pk:
        emails.ticket_assigned(ticket=locked, assignee=assignee, actor=actor, now=now)
    return locked


@transaction.atomic
def ticket_change_priority(
    *, ticket: Ticket, actor: User | None, priority: str, now: datetime, reason: str = "", recompute_sla: bool = True
) -> Ticket:
    locked = _lock(ticket)
    if locked.priority == priority:
        return locked
    previous = locked.priority
    locked.priority = Priority(priority)
    _touch(locked, now, "priority")
    audit.record(
        locked, actor=actor, kind=Kind.PRIORITY_CHANGED, at=now, **{"from": previous, "to": priority, "reason": reason}
    )
    if recompute_sla:
        hooks.emit(hooks.TicketReclassified(ticket=locked, now=now))
    return locked


@transaction.atomic
def ticket_change_team(
    *, ticket: Ticket, actor: User | None, team: Team, now: datetime, recompute_sla: bool = True
) -> Ticket:
    locked = _lock(ticket)
    if locked.team_id == team.pk:
        return locked
    previous = locked.team.code
    locked.team = team
    changed = ["team"]
    if locked.assignee_id and not _can_work_on(locked.assignee, team):
        # The holder cannot follow the ticket into a team they are not in.
        locked.assignee = None
        changed.append("assignee")
    _touch(locked, now, *changed)
    audit.record(
        locked,
        actor=actor,
        kind=Kind.TEAM_CHANGED,
        at=now,
        **{"from": previous, "to": team.code, "unassigned": "assignee" in changed},
    )
    if recompute_sla:
        hooks.emit(hooks.TicketReclassified(ticket=locked, now=now))
    return locked


@transaction.atomic
def ticket_change_category(
    *, ticket: Ticket, actor: User, category: Category, now: datetime, recompute_sla: bool = True
) -> Ticket:
    locked = _lock(ticket)
    if locked.category_id == category.pk:
        return locked
    previous = locked.category.code
    locked.category = category
    _touch(locked, now, "category")
    audit.record(locked, actor=actor, kind=Kind.CATEGORY_CHANGED, at=now, **{"from": previous, "to": category.code})
    if recompute_sla:
        hooks.emit(hooks.TicketReclassified(ticket=locked, now=now))
    return locked


@transaction.atomic
def ticket_set_complaint(
    *, ticket: Ticket, actor: User | None, is_complaint: bool, now: datetime, recompute_sla: bool = True
) -> Ticket:
    """Mark (or, staff only, unmark) a formal complaint. The customer who filed the ticket may
    mark it later; it is then received now, and the statutory deadlines run from that moment."""
    if actor is not None and not is_staff_member(actor):
        if actor.pk != ticket.requester_id:
            raise TicketForbidden(_("Only the customer who opened the ticket can make it a formal complaint."))
        if not is_complaint:
            raise TicketForbidden(_("Only support staff can withdraw the formal complaint flag."))
    locked = _lock(ticket)
    if locked.is_complaint == is_complaint:
        return locked
    if is_complaint and locked.status == Status.CLOSED:
        raise TicketConflict(_("This ticket is closed. Please open a new ticket."))
    locked.is_complaint = is_complaint
    locked.complaint_received_at = now if is_complaint else None
    _touch(locked, now, "is_complaint", "complaint_received_at")
    # When marked, received at the event's time (complaint_received_at).
    audit.record(locked, actor=actor, kind=Kind.COMPLAINT_CHANGED, at=now, is_complaint=is_complaint)
    if recompute_sla:
        hooks.emit(hooks.TicketReclassified(ticket=locked, now=now))
    hooks.emit(hooks.ComplaintMarked(ticket=locked, actor_id=actor.pk if actor else None, now=now))
    return locked


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
def ticket_update(
    *, ticket: Ticket, actor: User, changes: dict[str, Any], now: datetime, expected_version: int | None = None
) -> Ticket:
    """PATCH: several changes, all or nothing. Status goes last so a move to another team and
    a status change in one request are checked against the final state. With `expected_version`,
    refused (TicketStale) when someone else changed the ticket since."""
    _require_staff(actor)
    if expected_version is not None:
        _check_version(_lock(ticket), actor=actor, expected_version=expected_version)
    sla_inputs = (ticket.team_id, ticket.category_id, ticket.priority, ticket.is_complaint)
    once = {"now": now, "recompute_sla": False}  # the SLA follows once, after every field changed
    if "team" in changes:
        ticket = ticket_change_team(ticket=ticket, actor=actor, team=changes["team"], **once)
    if "category" in changes:
        ticket = ticket_change_category(ticket=ticket, actor=actor, category=changes["category"], **once)
    if "priority" in changes:
        ticket = ticket_change_priority(ticket=ticket, actor=actor, priority=changes["priority"], **once)
    if "is_complaint" in changes:
        ticket = ticket_set_complaint(ticket=ticket, actor=actor, is_complaint=changes["is_complaint"], **once)
    if (ticket.team_id, ticket.category_id, ticket.priority, ticket.is_complaint) != sla_inputs:
        hooks.emit(hooks.TicketReclassified(ticket=ticket, now=now))
    if "status" in changes:
        ticket = ticket_change_status(ticket=ticket, actor=actor, status=changes["status"], now=now)
    return ticket


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


# Macros are written through tickets.macros (the rule of who may write which); re-exported here
# for the callers that know them as services.
macro_create = macros.macro_create


def render_macro(macro: Macro, ticket: Ticket) -> str:
    return macros.render_body(macro.body, ticket)


def macro_actions(macro: Macro) -> dict[str, str]:
    """What applying the macro changes besides posting its text (team as its code)."""
    return macros.actions_of(set_status=macro.set_status, set_priority=macro.set_priority, set_team=macro.set_team)


@transaction.atomic
def macro_apply(*, ticket: Ticket, macro: Macro, actor: User, now: datetime) -> Ticket:
    """Post the macro's text and apply its changes as one act, recorded as such."""
    _require_staff(actor)
    if macro.team_id is not None and not _can_work_on(actor, macro.team):
        raise TicketForbidden(_("This macro belongs to another team."))
    if macro.owner_id not in (None, actor.pk):
        raise TicketForbidden(_("This is another agent's personal macro."))
    audit.record(ticket, actor=actor, kind=Kind.MACRO_APPLIED, at=now, macro_id=macro.pk, name=macro.name)
    message_add(ticket=ticket, author=actor, body=render_macro(macro, ticket), internal=macro.internal, now=now)
    if macro.set_priority:
        ticket_change_priority(ticket=ticket, actor=actor, priority=macro.set_priority, now=now, reason="macro")
    if macro.set_team_id:
        ticket_change_team(ticket=ticket, actor=actor, team=macro.set_team, now=now)
    if macro.set_status:
        ticket_change_status(ticket=ticket, actor=actor, status=macro.set_status, now=now)
    return Ticket.objects.get(pk=ticket.pk)


@transaction.atomic
def ticket_rate(*, ticket: Ticket, actor: User, rating: int, comment: str, now: datetime) -> Satisfaction:
    """The requester rates a solved ticket (again, if they change their mind)."""
    locked = _lock(ticket)
    if actor.pk != locked.requester_id:
        raise TicketForbidden(_("Only the customer who opened the ticket can rate it."))
    if locked.solved_at is None or locked.status not in (Status.SOLVED, Status.CLOSED):
        raise TicketConflict(_("A ticket can be rated once it is solved."))
    satisfaction, created = Satisfaction.objects.update_or_create(
        ticket=locked,
        defaults={"rating": rating, "comment": comment, "updated_at": now},
        create_defaults={"rating": rating, "comment": comment, "created_at": now, "updated_at": now},
    )
    audit.record(locked, actor=actor, kind=Kind.RATED, at=now, rating=rating, changed=not created)
    return satisfaction
