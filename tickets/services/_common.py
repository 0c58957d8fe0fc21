"""What the ticket services share: the ticket's lock and version, the small checks every write
makes, the structured fields, and the rows a new ticket leaves on its instance."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import is_staff_member, sees_every_team

from ..exceptions import TicketForbidden, TicketStale
from ..models import Team, Ticket, TicketEvent

Status = Ticket.Status
Kind = TicketEvent.Kind


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


def move_unassigns(assignee_id: int | None, holder_works_on_team: Callable[[], bool]) -> bool:
    """Whether moving a ticket to another team unassigns it: the holder follows only into a team
    they work on. `holder_works_on_team` is asked only when someone holds the ticket: _can_work_on
    for ticket_change_team, TeamMembership.can_work_on (loaded for many rows) for the bulk move."""
    return bool(assignee_id) and not holder_works_on_team()


def _require_staff(actor: User) -> None:
    if not is_staff_member(actor):
        raise TicketForbidden(_("Only support staff can do this."))


# The team that owns every ticket where a customer pasted a secret (the demo's and the default code).
SECURITY_TEAM_CODE = "security"


def _security_team() -> Team | None:
    return Team.objects.filter(code=SECURITY_TEAM_CODE).first()


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
