"""A ticket's life: its creation, the status table and every status move (reopen, auto-close),
the PATCH of several fields, its category and complaint mark, and the customer's rating."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from accounts.models import User
from accounts.roles import is_staff_member
from support_desk.compiled_query import CompiledQuery

from .. import audit, hooks, routing, secret_guard
from .. import notifications as emails
from ..exceptions import TicketConflict, TicketForbidden, TicketTransitionError
from ..models import Category, Message, Priority, Satisfaction, Ticket
from ..routing import initial_priority
from ..selectors import ticket_queue_info
from ..validation import ticket_fields_validated
from ._common import (
    Kind,
    Status,
    TicketFields,
    _check_version,
    _lock,
    _remember_new_rows,
    _require_staff,
    _security_team,
    _touch,
    remembered_rows,
)
from .assignment import ticket_change_priority, ticket_change_team

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


def _open_duplicates(requester_id: int, category_id: int):
    return Ticket.objects.filter(requester_id=requester_id, category_id=category_id).exclude(
        status__in=(Status.SOLVED, Status.CLOSED)
    )


# Each lookup is written so that PostgreSQL can read its partial index (upper(txid) or
# upper(order_id), where not empty): one index entry per matching ticket. Without it the plan
# intersects the customer's tickets with every ticket of the category, work that grows with the
# table (10 ms at 1,000,000 tickets for an order id). An order id still matches exactly. Compiled
# once per process: every ticket with a transaction or an order runs one of them.
_DUPLICATE_BY_TXID = CompiledQuery(
    lambda requester_id, category_id, value: (
        _open_duplicates(requester_id, category_id)
        .filter(txid__iexact=value)
        .exclude(txid="")
        .order_by("created_at")
        .only("pk", "reference")[:1]
    ),
    requester_id=int,
    category_id=int,
    value=str,
)
_DUPLICATE_BY_ORDER = CompiledQuery(
    lambda requester_id, category_id, value: (
        _open_duplicates(requester_id, category_id)
        .filter(order_id__iexact=value, order_id=value)
        .exclude(order_id="")
        .order_by("created_at")
        .only("pk", "reference")[:1]
    ),
    requester_id=int,
    category_id=int,
    value=str,
)


def find_possible_duplicate(*, requester: User, category: Category, fields: TicketFields) -> Ticket | None:
    """The caller's own open ticket in the same category about the same transaction or order (its
    id and reference loaded; any other field is read on first use, as with `.only()`)."""
    if not (fields.txid or fields.order_id):
        return None
    lookup, value = (_DUPLICATE_BY_TXID, fields.txid) if fields.txid else (_DUPLICATE_BY_ORDER, fields.order_id)
    row = lookup.first(requester_id=requester.pk, category_id=category.pk, value=value)
    return row.instances[0] if row else None


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
